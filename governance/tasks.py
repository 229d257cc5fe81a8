"""Celery tasks of governance: thin, they take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from .health_services import (
    RunInProgress,
    dataset_run_checks,
    incident_escalate_sweep,
    knob,
    monitor_sweep,
)
from .models import Dataset, RunStatus


@shared_task(bind=True, name="governance.tasks.dataset_run_checks_task", ignore_result=True)
def dataset_run_checks_task(
    self, dataset_id: int, mode: str = "full", trigger: str = "schedule"
) -> None:  # type: ignore[no-untyped-def]
    """Run a dataset's checks. A run that ended in `error` (stored with its reason) is
    retried with backoff up to GOVERNANCE_RUN_MAX_RETRIES; an overlapping run is dropped
    (the one in progress covers it)."""
    try:
        run = dataset_run_checks(
            dataset_id=dataset_id, mode=mode, trigger=trigger, attempt=self.request.retries + 1
        )
    except (RunInProgress, Dataset.DoesNotExist):
        return  # the run in progress covers it / the dataset was deleted
    max_retries = knob("GOVERNANCE_RUN_MAX_RETRIES", 2)
    if run.status == RunStatus.ERROR and self.request.retries < max_retries:
        delay = knob("GOVERNANCE_RUN_RETRY_SECONDS", 60) * 2**self.request.retries
        raise self.retry(countdown=delay, max_retries=max_retries)


@shared_task(name="governance.tasks.monitor_sweep_task", ignore_result=True)
def monitor_sweep_task() -> None:
    monitor_sweep()


@shared_task(name="governance.tasks.incident_escalate_task", ignore_result=True)
def incident_escalate_task() -> None:
    incident_escalate_sweep()
