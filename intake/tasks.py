"""Celery tasks of intake: thin wrappers calling services."""

import logging

from celery import shared_task

from . import services, tally

log = logging.getLogger(__name__)


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


@shared_task(name="intake.tasks.status_tally_compact", ignore_result=True)
def status_tally_compact() -> int:
    return tally.tally_compact()


@shared_task(name="intake.tasks.status_tally_verify", ignore_result=True)
def status_tally_verify() -> int:
    """Nightly: the tally against a recount. Drift only comes from writes with triggers
    disabled (a restore, `session_replication_role = replica`); it is logged and repaired."""
    drift = tally.tally_drift()
    if drift:
        log.error("intake status tally drifted on %d keys, rebuilding: %s", len(drift), drift)
        tally.tally_rebuild()
    return len(drift)
