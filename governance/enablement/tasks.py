from celery import shared_task

from .services import course_reminders_send


@shared_task
def course_reminders_task() -> int:
    """Daily: remind learners of unfinished courses (through the outbox)."""
    return course_reminders_send()
