"""Drill-down: the requests behind a number on the dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F, Q, QuerySet

from .. import periods
from ..definitions import AGING_DAYS
from ..filters import MetricFilters
from ..models import RequestFact
from .backlog import _open_at
from .delivery import TTC_BINS
from .scope import _window, facts_filtered, zone

DRILL_QUERIES: dict[str, tuple[str, Q]] = {
    "shipped": ("live_at", Q()),
    "ttc": ("live_at", Q(ttc_business_seconds__isnull=False)),
    "delivery_met": ("live_at", Q(delivery_met=True)),
    "delivery_breached": ("live_at", Q(delivery_met=False)),
    "triage_met": ("triaged_at", Q(triage_met=True)),
    "triage_breached": ("triaged_at", Q(triage_met=False)),
    "submitted": ("submitted_at", Q()),
    "accepted": ("accepted_at", Q()),
    "with_template": ("live_at", Q(with_template=True)),
    "without_template": ("live_at", Q(with_template=False)),
    "self_serve": ("live_at", Q(self_serve=True)),
    "backlog_open": ("", Q()),
    "backlog_aged": ("", Q()),
}


def drill_facts(
    drill: str, f: MetricFilters, *, ttc_bin: int | None = None
) -> QuerySet[RequestFact]:
    """Facts of the requests counted by a number: in the range (or the one `bucket`), with
    the dashboard's filters; backlog drills list what was open at the end of it."""
    time_field, condition = DRILL_QUERIES[drill]
    _, lo, hi = _window(f, with_previous=False)
    if f.bucket is not None:
        hi = min(hi, periods.local_midnight(f.end + timedelta(days=1), zone())) if f.end else hi
    qs = facts_filtered(f).filter(condition)
    if time_field:
        qs = qs.filter(**{f"{time_field}__gte": lo, f"{time_field}__lt": hi})
        order = f"-{time_field}"
    else:
        qs = qs.filter(_open_at(hi))
        if drill == "backlog_aged":
            qs = qs.filter(submitted_at__lt=hi - timedelta(days=AGING_DAYS))
        order = "submitted_at"
    if ttc_bin is not None and 0 <= ttc_bin < len(TTC_BINS):
        low, high = TTC_BINS[ttc_bin]
        qs = qs.annotate(ttc_days=F("ttc_business_seconds") * 1.0 / F("day_seconds")).filter(
            ttc_days__gte=low, **({"ttc_days__lt": high} if high is not None else {})
        )
    return qs.select_related("request", "service", "team").order_by(order, "pk")
