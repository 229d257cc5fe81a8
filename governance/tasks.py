"""Celery tasks of governance: thin, they take ids and call a service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from governance.health.models import (
    Dataset,
    RunStatus,
)
from governance.health.services import (
    RunInProgress,
    dataset_run_checks,
    dataset_run_dequeue,
    incident_escalate_sweep,
    monitor_sweep,
)


@shared_task(bind=True, name="governance.tasks.dataset_run_checks_task", ignore_result=True)
def dataset_run_checks_task(
    self: Any,
    dataset_id: int,
    mode: str = "full",
    trigger: str = "schedule",
    actor_id: int | None = None,
) -> None:
    """Run a dataset's checks. A run that ended in `error` (stored with its reason) is
    retried with backoff up to GOVERNANCE_RUN_MAX_RETRIES; an overlapping run is dropped
    (the one in progress covers it). `actor_id`: who asked from the page ("Run checks now");
    the dataset's queued mark is cleared when the run ends."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        run = dataset_run_checks(
            dataset_id=dataset_id,
            mode=mode,
            trigger=trigger,
            actor=actor,
            attempt=self.request.retries + 1,
        )
    except (RunInProgress, Dataset.DoesNotExist):
        return  # the run in progress covers it / the dataset was deleted
    finally:
        dataset_run_dequeue(dataset_id)
    max_retries = settings.GOVERNANCE_RUN_MAX_RETRIES
    if run.status == RunStatus.ERROR and self.request.retries < max_retries:
        delay = settings.GOVERNANCE_RUN_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(countdown=delay, max_retries=max_retries)


@shared_task(name="governance.tasks.monitor_sweep_task", ignore_result=True)
def monitor_sweep_task() -> None:
    monitor_sweep()


@shared_task(name="governance.tasks.incident_escalate_task", ignore_result=True)
def incident_escalate_task() -> None:
    incident_escalate_sweep()
