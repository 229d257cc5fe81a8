"""A request's lifecycle events → the moments and pauses its SLA clocks need. Pure module.

The clocks themselves (business time, pauses in needs_info) are read with intake's
`intake.slaclock.read_clock`, so the dashboard and the request page agree; this module
only finds the milestones a figure is bucketed by:
- triaged: the first triage decision (accepted or rejected) after the first submission;
- accepted, live: first occurrences; ended: the request left the backlog (first live,
  rejected, cancelled or closed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

SUBMITTED, ACCEPTED, REJECTED, NEEDS_INFO = "submitted", "accepted", "rejected", "needs_info"
LIVE, CANCELLED, CLOSED = "live", "cancelled", "closed"
TRIAGE_DECISIONS = frozenset({ACCEPTED, REJECTED})
LEAVES_BACKLOG = frozenset({LIVE, REJECTED, CANCELLED, CLOSED})

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Event:
    at: datetime
    from_status: str
    to_status: str


@dataclass
class Timeline:
    submitted_at: datetime | None = None
    triaged_at: datetime | None = None
    accepted_at: datetime | None = None
    live_at: datetime | None = None
    ended_at: datetime | None = None
    paused: list[Interval] = field(default_factory=list)


def timeline_from_events(events: Iterable[Event], *, now: datetime) -> Timeline:
    """First occurrences of each milestone, and the needs_info intervals (an open one ends
    at `now`). Events are taken in time order; a decision counts as triage only when it
    comes straight from submitted."""
    t = Timeline()
    pause_start: datetime | None = None
    for e in sorted(events, key=lambda e: e.at):
        if e.to_status == SUBMITTED and t.submitted_at is None:
            t.submitted_at = e.at
        if (
            e.to_status in TRIAGE_DECISIONS
            and e.from_status == SUBMITTED
            and t.submitted_at is not None
            and t.triaged_at is None
        ):
            t.triaged_at = e.at
        if e.to_status == ACCEPTED and t.accepted_at is None:
            t.accepted_at = e.at
        if e.to_status == LIVE and t.live_at is None:
            t.live_at = e.at
        if e.to_status in LEAVES_BACKLOG and t.ended_at is None and t.submitted_at is not None:
            t.ended_at = e.at
        if e.to_status == NEEDS_INFO and pause_start is None:
            pause_start = e.at
        elif e.to_status != NEEDS_INFO and pause_start is not None:
            t.paused.append((pause_start, e.at))
            pause_start = None
    if pause_start is not None:
        t.paused.append((pause_start, max(now, pause_start)))
    return t
