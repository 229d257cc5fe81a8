"""Uptime of heartbeat monitors and incident response times (MTTA, MTTR). Pure module.

A heartbeat monitor expects a ping every ``period``; it is *down* from ``last ping + period +
grace`` until the next ping. Uptime over a window = 1 − (downtime inside the window / window
length). Overlapping outage intervals are merged first so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals (touching ones are joined); empty ones dropped."""
    merged: list[list[datetime]] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if e > start and s < end]


def outages_from_pings(
    pings: Sequence[datetime],
    *,
    period: timedelta,
    grace: timedelta,
    window_start: datetime,
    window_end: datetime,
    started_at: datetime | None = None,
) -> list[Interval]:
    """Outage intervals inside the window implied by the pings.

    The monitor's clock starts at ``started_at`` — as if it had pinged then — so a monitor that
    never pings is down from started_at + period + grace. Without ``started_at`` the clock
    starts at the last ping at or before the window start, or else at the window start.
    """
    seen = sorted(p for p in pings if p <= window_end)
    if started_at is not None:
        origin = started_at
    else:
        before = [p for p in seen if p <= window_start]
        origin = before[-1] if before else window_start
    beats = [origin] + [p for p in seen if p > origin]
    outages: list[Interval] = []
    for previous, following in zip(beats, beats[1:] + [window_end], strict=True):
        due = previous + period + grace
        if following > due:
            outages.append((due, following))
    return merge_intervals(clip(outages, window_start, window_end))


def uptime_percent(
    window_start: datetime, window_end: datetime, outages: Iterable[Interval]
) -> float:
    """100 × (1 − merged downtime inside the window / window length)."""
    if window_end <= window_start:
        raise ValueError("the window must have a positive length")
    down = sum(
        ((e - s) for s, e in merge_intervals(clip(outages, window_start, window_end))), timedelta()
    )
    return 100.0 * (1 - down / (window_end - window_start))


@dataclass(frozen=True)
class IncidentTimes:
    opened_at: datetime
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


def mean_time_to_acknowledge(incidents: Iterable[IncidentTimes]) -> timedelta | None:
    """Mean of acknowledged_at − opened_at over acknowledged incidents; None if none are."""
    spans = [i.acknowledged_at - i.opened_at for i in incidents if i.acknowledged_at is not None]
    return sum(spans, timedelta()) / len(spans) if spans else None


def mean_time_to_resolve(incidents: Iterable[IncidentTimes]) -> timedelta | None:
    """MTTR: mean of resolved_at − opened_at over resolved incidents; open ones don't count."""
    spans = [i.resolved_at - i.opened_at for i in incidents if i.resolved_at is not None]
    return sum(spans, timedelta()) / len(spans) if spans else None
