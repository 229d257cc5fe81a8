from celery import shared_task

from .services import course_reminders_send, office_hours_sync_all


@shared_task
def course_reminders_task() -> int:
    """Daily: remind learners of unfinished courses (through the outbox)."""
    return course_reminders_send()


@shared_task
def office_hours_sync_task() -> int:
    """Daily: schedule office-hours sessions up to the horizon."""
    return office_hours_sync_all()
