"""Celery tasks of the metrics app: thin wrappers around services."""

from celery import shared_task
from django.utils import timezone

from . import periods


@shared_task(name="metrics.tasks.weekly_digest", ignore_result=True)
def weekly_digest() -> int:
    """Monday 08:00 (MOPS time zone): last week's headline figures to leadership."""
    from .services import digest_send

    return digest_send()


@shared_task(name="metrics.tasks.quarterly_survey", ignore_result=True)
def quarterly_survey() -> str:
    """First day of a quarter: survey requesters of work delivered in the quarter just ended."""
    from django.core.exceptions import ValidationError

    from .services import nps_survey_send

    today = timezone.localdate()
    previous = periods.period_previous(periods.period_floor(today, "quarter"), "quarter")
    quarter = periods.quarter_of(previous)
    try:
        nps_survey_send(quarter=quarter, actor=None)
    except ValidationError:  # already sent (a re-run of the beat): nothing to do
        return "already sent"
    return quarter


@shared_task(name="metrics.tasks.facts_refresh_stale", ignore_result=True)
def facts_refresh_stale() -> int:
    """Safety net behind the event signal: refresh facts whose request changed since."""
    from .facts import request_facts_refresh_stale

    return request_facts_refresh_stale()


@shared_task(name="metrics.tasks.rollup_rebuild", ignore_result=True)
def rollup_rebuild() -> int:
    """Nightly: recompute the per-day rollup from the facts. The trigger keeps it exact
    already; this puts it back in step after a time-zone change or a bulk load that
    disabled the trigger, without anyone having to remember."""
    from .rollup import rollup_rebuild as rebuild

    return rebuild()
