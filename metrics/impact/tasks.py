"""Business-impact Celery tasks: thin wrappers around the services."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="metrics.impact.snapshots_refresh", ignore_result=True)
def snapshots_refresh() -> int:
    """Nightly: recompute this and last month and quarter in the warehouse (a warehouse
    that is down leaves the last snapshots in place, marked stale)."""
    from .services import snapshots_refresh as refresh

    return refresh()


@shared_task(name="metrics.impact.review_send", ignore_result=True)
def review_send() -> str:
    """First day of the month: e-mail last month's impact review to leadership."""
    from .selectors import review_month_default
    from .services import review_send as send

    month = review_month_default(timezone.localdate())
    send(month=month)
    return f"{month:%Y-%m}"
