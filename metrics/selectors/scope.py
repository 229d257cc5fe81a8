"""What a figure reads: the MOPS time zone, the dimensions a figure groups by, the
class / service / team / channel filters and the instant windows of the periods.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from catalog.models import Channel, Complexity

from .. import periods
from ..filters import MetricFilters
from ..models import RequestFact


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --- dimensions ---------------------------------------------------------------------------

# group_by → (values() fields, how to label a row)
GROUPS: dict[str, tuple[tuple[str, ...], Callable[[dict], tuple[str, str]]]] = {
    "class": (
        ("complexity",),
        lambda r: (r["complexity"], Complexity(r["complexity"]).label if r["complexity"] else "—"),
    ),
    "service": (
        ("service__slug", "service__name"),
        lambda r: (r["service__slug"], r["service__name"]),
    ),
    "team": (
        ("team__slug", "team__name"),
        lambda r: (r["team__slug"] or "", r["team__name"] or "No team"),
    ),
    "channel": (
        ("channel",),
        lambda r: (
            r["channel"],
            Channel(r["channel"]).label if r["channel"] in Channel.values else "No channel",
        ),
    ),
}


def facts_filtered(f: MetricFilters) -> QuerySet[RequestFact]:
    """Facts matching the class / service / team / channel filters."""
    return filtered(RequestFact.objects.all(), f)


def _window(
    f: MetricFilters, *, with_previous: bool = True
) -> tuple[list[date], datetime, datetime]:
    """Bucket starts (one extra in front for the trend) and the instant range they cover."""
    tz = zone()
    buckets = f.buckets
    if f.bucket is not None:
        first = periods.period_floor(f.bucket, f.period)
        return (
            [first],
            periods.local_midnight(first, tz),
            periods.local_midnight(periods.period_next(first, f.period), tz),
        )
    if with_previous:
        buckets = [periods.period_previous(buckets[0], f.period), *buckets]
    assert f.end is not None
    lo = periods.local_midnight(buckets[0], tz)
    hi = periods.local_midnight(f.end + timedelta(days=1), tz)
    return buckets, lo, hi


def _days(f: MetricFilters, *, with_previous: bool = True) -> tuple[date, date]:
    """The local days [first, last + 1) the period window covers (its bounds are local
    midnights), for reading the rollup."""
    _, lo, hi = _window(f, with_previous=with_previous)
    tz = zone()
    return lo.astimezone(tz).date(), hi.astimezone(tz).date()


def filtered(qs: QuerySet, f: MetricFilters) -> QuerySet:
    """`qs` (facts or rollup rows: the same dimension columns) under the class / service /
    team / channel filters."""
    if f.complexity:
        qs = qs.filter(complexity=f.complexity)
    if f.service_id:
        qs = qs.filter(service_id=f.service_id)
    if f.team_id:
        qs = qs.filter(team_id=f.team_id)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    return qs


def _period_ends(buckets: list[date], f: MetricFilters) -> list[datetime]:
    """The instant each bucket ends (the last one ends after `to`)."""
    tz = zone()
    assert f.end is not None
    last = periods.local_midnight(f.end + timedelta(days=1), tz)
    ends = [
        min(periods.local_midnight(periods.period_next(b, f.period), tz), last) for b in buckets
    ]
    return ends


def _period_windows(f: MetricFilters) -> tuple[list[date], list[tuple[datetime, datetime]]]:
    """Bucket starts (one extra in front for the trend) and each bucket's instant range."""
    buckets, _, _ = _window(f)
    tz = zone()
    windows = [
        (
            periods.local_midnight(b, tz),
            periods.local_midnight(periods.period_next(b, f.period), tz),
        )
        for b in buckets
    ]
    return buckets, windows
