from celery import shared_task

from .services import access_review_reminders_send, renewal_alerts_send


@shared_task
def renewal_alerts_task() -> int:
    """Beat: queue the renewal alerts that are due (each at most once)."""
    return renewal_alerts_send()


@shared_task
def access_review_reminders_task() -> int:
    """Beat (daily): remind owners of access reviews due soon or late."""
    return access_review_reminders_send()
