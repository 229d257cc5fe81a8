"""SLA clocks of a request, computed from its status timeline. No Django imports.

Two clocks, measured in business time on the service's calendar:

* **triage** starts at the first ``submitted`` and stops at the triage decision (the
  first ``accepted`` or ``rejected``; ``cancelled`` also stops it);
* **delivery** (time-to-campaign) starts at the first ``accepted`` and stops at the first
  ``live`` (``cancelled`` also stops it).

Both are *paused* while the request is in ``needs_info`` (waiting on the requester).

Due time and pauses. The clock is a budget of business time (`target`). It is spent only
on running (not paused) stretches; the due time is the instant the budget runs out. So a
pause that ends before the budget runs out moves the due time out by exactly the business
time it lasted; a pause after the due time (already breached) moves nothing. While a clock
is paused, `due_at` is the due time *if it resumed now* (i.e. now + remaining budget).

States: running clocks are ``on_track``, ``at_risk`` (≥ at_risk_ratio of the budget
spent) or ``breached`` (budget spent); stopped clocks are ``met`` or ``missed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from catalog.businesstime import SlaBudget, SlaTarget

TRIAGE = "triage"
DELIVERY = "delivery"

ON_TRACK = "on_track"
AT_RISK = "at_risk"
BREACHED = "breached"
MET = "met"
MISSED = "missed"

PAUSE_STATUS = "needs_info"

# (starts on first entry into, stops on first entry into any of)
CLOCKS: dict[str, tuple[str, frozenset[str]]] = {
    TRIAGE: ("submitted", frozenset({"accepted", "rejected", "cancelled"})),
    DELIVERY: ("accepted", frozenset({"live", "cancelled", "rolled_back"})),
}


class Calendar(Protocol):
    """What the clocks need of `catalog.businesstime.BusinessCalendar`."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta: ...

    def budget(self, start: datetime, target: SlaTarget) -> timedelta: ...


@dataclass(frozen=True)
class ClockReading:
    clock: str
    target: timedelta
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    due_at: datetime | None = None
    at_risk_at: datetime | None = None
    used: timedelta = timedelta(0)
    paused: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    paused_business: timedelta = timedelta(0)
    paused_since: datetime | None = None
    state: str = ""

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None

    @property
    def remaining(self) -> timedelta:
        return self.target - self.used

    @property
    def used_ratio(self) -> float:
        if not self.target:
            return 1.0
        return self.used / self.target


@dataclass
class _Walk:
    """A clock's stretches as the timeline gives them: `run_from` / `pause_from` hold the
    stretch still open when the timeline ends (at most one of them is set)."""

    started_at: datetime | None = None
    stopped_at: datetime | None = None
    segments: list[tuple[datetime, datetime]] = field(default_factory=list)  # running
    paused: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    run_from: datetime | None = None
    pause_from: datetime | None = None


def _walk(events: list[tuple[str, datetime]], clock: str) -> _Walk:
    """Cut the (status entered, at) events into running and paused stretches: from the
    clock's start status to its first stop status, paused while in `needs_info`."""
    start_status, stop_statuses = CLOCKS[clock]
    walk = _Walk()
    for status, at in events:
        if walk.started_at is None:
            if status == start_status:
                walk.started_at = at
                walk.run_from = at
            continue
        if status in stop_statuses:
            if walk.run_from is not None:
                walk.segments.append((walk.run_from, at))
            if walk.pause_from is not None:
                walk.paused.append((walk.pause_from, at))
            walk.stopped_at, walk.run_from, walk.pause_from = at, None, None
            break
        if status == PAUSE_STATUS and walk.run_from is not None:
            walk.segments.append((walk.run_from, at))
            walk.run_from, walk.pause_from = None, at
        elif status != PAUSE_STATUS and walk.pause_from is not None:
            walk.paused.append((walk.pause_from, at))
            walk.run_from, walk.pause_from = at, None
    return walk


def _close_open_stretch(walk: _Walk, now: datetime) -> None:
    """End the stretch left open by the timeline: a running one at the stop (or now, never
    before it began); a pause stays open-ended."""
    end = walk.stopped_at or now
    if walk.run_from is not None:
        walk.segments.append((walk.run_from, max(end, walk.run_from)))
    if walk.pause_from is not None:
        walk.paused.append((walk.pause_from, None))


def _due_of(calendar: Calendar, walk: _Walk, budget: timedelta, now: datetime) -> datetime:
    """The instant `budget` of running business time is spent."""
    segments = walk.segments
    spent = timedelta(0)
    for i, (a, b) in enumerate(segments):
        if i == len(segments) - 1 and walk.run_from is not None and walk.stopped_at is None:
            return calendar.add(a, budget - spent)  # still running: may be in the future
        part = calendar.elapsed(a, b)
        if spent + part >= budget:
            return calendar.add(a, budget - spent)
        spent += part
    # paused: the budget resumes from now; stopped early: when it would have run out
    return calendar.add(walk.stopped_at or now, budget - spent)


def _state(*, stopped: bool, used: timedelta, target: timedelta, risk_budget: timedelta) -> str:
    if stopped:
        return MET if used <= target else MISSED
    if used >= target:
        return BREACHED
    if used >= risk_budget:
        return AT_RISK
    return ON_TRACK


def read_clock(
    *,
    calendar: Calendar,
    timeline: Iterable[tuple[str, datetime]],
    clock: str,
    target: timedelta,
    at_risk_ratio: float,
    now: datetime,
) -> ClockReading:
    """Read one clock from `timeline` — the (status entered, at) pairs in time order."""
    walk = _walk(sorted(timeline, key=lambda e: e[1]), clock)
    if walk.started_at is None:
        return ClockReading(clock=clock, target=target)
    if isinstance(target, SlaBudget):  # business days / end of day: exact from the start
        target = calendar.budget(walk.started_at, target.spec)
    _close_open_stretch(walk, now)
    used = sum((calendar.elapsed(a, b) for a, b in walk.segments), timedelta(0))
    paused_business = sum(
        (calendar.elapsed(a, b or now) for a, b in walk.paused if (b or now) > a), timedelta(0)
    )
    risk_budget = timedelta(seconds=target.total_seconds() * at_risk_ratio)
    return ClockReading(
        clock=clock,
        target=target,
        started_at=walk.started_at,
        stopped_at=walk.stopped_at,
        due_at=_due_of(calendar, walk, target, now),
        at_risk_at=_due_of(calendar, walk, risk_budget, now),
        used=used,
        paused=walk.paused,
        paused_business=paused_business,
        paused_since=walk.pause_from,
        state=_state(
            stopped=walk.stopped_at is not None, used=used, target=target, risk_budget=risk_budget
        ),
    )


def format_business(duration: timedelta) -> str:
    """'3 h 30 min', '45 min', '0 min' — business durations for people."""
    total = int(duration.total_seconds() // 60)
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return f"{sign}{hours} h {minutes} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{minutes} min"
