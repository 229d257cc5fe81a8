"""Celery tasks of intake: thin wrappers calling services."""

from celery import shared_task

from . import services


@shared_task(name="intake.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict[str, int]:
    return services.sla_sweep()


@shared_task(name="intake.tasks.weekly_review", ignore_result=True)
def weekly_review() -> int:
    return services.weekly_review_send()


@shared_task(name="intake.tasks.import_run", ignore_result=True)
def import_run(run_id: int) -> str:
    from .imports.services import import_run_execute

    return import_run_execute(run_id=run_id).status
