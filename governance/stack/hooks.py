"""Hooks through which apps above governance inform the stack.

The stack never imports them. intake appends its provider in its AppConfig.ready(): the
events the tracking plans of requests name, which the instrumentation inventory's
coverage view checks against the inventory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PlannedEvent:
    """One event named by one request's tracking plan."""

    name: str
    request_id: int
    reference: str  # "REQ-12"
    title: str
    url: str


# Each: (name or None) -> the events named by the tracking plans of requests in play (not
# drafts, rejected or cancelled); with a name, only that event (compared without case).
tracking_plan_events: list[Callable[[str | None], Iterable[PlannedEvent]]] = []


def planned_events(name: str | None = None) -> list[PlannedEvent]:
    return [event for provider in tracking_plan_events for event in provider(name)]
