"""Hooks through which releases (to the right of intake) drives a request's release steps.

intake never imports releases. A request is scheduled only by boarding a departure and goes
live only when its departure lands it; those lifecycle steps are *system* transitions
(`driven_by` in `REQUEST_LIFECYCLE`) that `services.request_release_step` takes, and only
when a departure gate registered here confirms the departure record behind the step.
releases appends its gate in its AppConfig.ready(). With no gate registered nothing can
schedule a request or make it live except the recorded admin override (`override_live`).
"""

from __future__ import annotations

from collections.abc import Callable

# Each: (request_id, transition name) -> the reference of the departure record that backs
# the step ("departure 12 (Email weekly, Tue 2026-12-08 10:00 GMT)"), or None.
departure_gates: list[Callable[[int, str], str | None]] = []

# Each: (request, user) -> list of next-step panels for the request page (releases adds the
# QA checklist with its progress and "Board on a train" with the next eligible departures).
# A panel is a dict with "title", "text", "url", "label" and optional "items" (list of
# (text, url) pairs); intake renders them without knowing what they are.
request_next_steps: list[Callable[[object, object], list[dict]]] = []


def departure_backing(*, request_id: int, name: str) -> str | None:
    """The departure record that backs taking system transition `name`, or None."""
    for gate in departure_gates:
        ref = gate(request_id, name)
        if ref:
            return ref
    return None


def next_steps(request: object, user: object) -> list[dict]:
    return [panel for provider in request_next_steps for panel in provider(request, user)]


# Each: (request ids) -> None, called after the commit of an import that wrote these
# requests and their events in bulk (no post_save fires for bulk writes); metrics refreshes
# their facts here.
requests_imported: list[Callable[[list[int]], None]] = []


def imported(*, request_ids: list[int]) -> None:
    for hook in requests_imported:
        hook(request_ids)
