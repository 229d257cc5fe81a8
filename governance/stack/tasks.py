from celery import shared_task

from .services import renewal_alerts_send


@shared_task
def renewal_alerts_task() -> int:
    """Beat: queue the renewal alerts that are due (each at most once)."""
    return renewal_alerts_send()
