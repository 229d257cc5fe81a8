"""Celery tasks of releases: thin, each calls a service."""

from celery import shared_task

from releases.qa import services as qa_services
from releases.trains import services as trains_services


@shared_task(name="releases.tasks.departures_horizon", ignore_result=True)
def departures_horizon_task() -> int:
    """Keep every active train's departures materialised over its rolling horizon."""
    return trains_services.departures_materialise_all()


@shared_task(name="releases.tasks.departures_advance", ignore_result=True)
def departures_advance_task() -> dict[str, int]:
    """Close boarding at cutoff, mark departed at start, close landed departures."""
    return trains_services.departures_advance()


@shared_task(
    name="releases.tasks.preflight_execute",
    ignore_result=True,
    acks_late=True,
    soft_time_limit=180,
)
def preflight_execute_task(run_id: int) -> str:
    run = qa_services.preflight_execute(run_id=run_id)
    return run.status if run is not None else "not-claimed"


@shared_task(name="releases.tasks.preflight_sweep", ignore_result=True)
def preflight_sweep_task() -> int:
    return qa_services.preflight_sweep()
