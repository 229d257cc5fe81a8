from celery import shared_task

from .health import heartbeat_record


@shared_task(name="mops.core.tasks.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Written by a worker every few seconds; /readyz reads it to prove workers run."""
    heartbeat_record()
