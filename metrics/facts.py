"""Keep `RequestFact` rows in step with intake: one request at a time, from its events.

The SLA clocks are read with intake's own pure clock (`intake.slaclock.read_clock`) on the
service version's calendar, so a figure on the dashboard agrees with the state the request
page shows. Called after commit when a request or one of its events is saved
(`metrics.receivers`), hourly for anything missed (`tasks.facts_refresh_stale`), and in bulk
by the demo loader.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from intake.models import Request, RequestEvent
from intake.slaclock import DELIVERY, MET, TRIAGE, read_clock

from .models import RequestFact
from .timeline import Event, timeline_from_events

log = logging.getLogger(__name__)

REQUEST_RELATED = (
    "service",
    "service__sla_policy__calendar",
    "service_version__sla_policy__calendar",
    "team",
)


def fact_values(request: Any, events: Iterable[Event], *, now: datetime) -> dict[str, Any] | None:
    """The fact columns of one request (None: never submitted, so nothing to measure)."""
    events = sorted(events, key=lambda e: e.at)
    t = timeline_from_events(events, now=now)
    if t.submitted_at is None:
        return None
    version = request.service_version
    policy = version.sla_policy if version is not None else request.service.sla_policy
    calendar = policy.calendar
    engine = calendar.engine_for(t.submitted_at, now)
    entered = [(e.to_status, e.at) for e in events]
    complexity = request.complexity
    ratio = policy.at_risk_ratio
    reading = partial(read_clock, calendar=engine, timeline=entered, at_risk_ratio=ratio, now=now)
    triage = reading(clock=TRIAGE, target=policy.triage_target(complexity))
    delivery = reading(clock=DELIVERY, target=policy.delivery_target(complexity))
    triaged = t.triaged_at is not None
    live = t.live_at is not None and t.accepted_at is not None
    service = request.service
    return {
        "service_id": request.service_id,
        "team_id": request.team_id,
        "complexity": complexity,
        "channel": (service.channels or [""])[0],
        "self_serve": service.self_serve,
        "with_template": request.template_version_id is not None,
        "submitted_at": t.submitted_at,
        "triaged_at": t.triaged_at,
        "accepted_at": t.accepted_at,
        "live_at": t.live_at,
        "ended_at": t.ended_at,
        "delivery_due_at": delivery.due_at,
        "triage_business_seconds": int(triage.used.total_seconds()) if triaged else None,
        "triage_target_seconds": int(triage.target.total_seconds()),
        "ttc_business_seconds": int(delivery.used.total_seconds()) if live else None,
        "ttc_calendar_seconds": (
            int((t.live_at - t.accepted_at).total_seconds()) if live else None  # type: ignore[operator]
        ),
        "delivery_target_seconds": int(delivery.target.total_seconds()),
        "day_seconds": int(calendar.hours_per_day * 3600) or 8 * 3600,
        "triage_met": (triage.state == MET) if triaged else None,
        "delivery_met": (delivery.state == MET) if live else None,
        "refreshed_at": now,
    }


def _events_of(request_ids: list[int]) -> dict[int, list[Event]]:
    found: dict[int, list[Event]] = {}
    rows = (
        RequestEvent.objects.filter(request_id__in=request_ids)
        .order_by("at", "pk")
        .values_list("request_id", "at", "from_status", "to_status")
    )
    for request_id, at, from_status, to_status in rows:
        found.setdefault(request_id, []).append(Event(at, from_status or "", to_status or ""))
    return found


def request_facts_refresh(*, request_ids: Iterable[int], now: datetime | None = None) -> int:
    """Rebuild the facts of these requests (a bounded batch: three queries plus one write
    per request). Returns how many facts were written."""
    now = now or timezone.now()
    ids = list(request_ids)
    if not ids:
        return 0
    requests = Request.objects.filter(pk__in=ids).select_related(*REQUEST_RELATED)
    events = _events_of(ids)
    written = 0
    for request in requests:
        values = fact_values(request, events.get(request.pk, []), now=now)
        if values is None:
            RequestFact.objects.filter(request_id=request.pk).delete()
            continue
        RequestFact.objects.update_or_create(request_id=request.pk, defaults=values)
        written += 1
    return written


def request_fact_refresh(*, request_id: int, now: datetime | None = None) -> RequestFact | None:
    request_facts_refresh(request_ids=[request_id], now=now)
    return RequestFact.objects.filter(request_id=request_id).first()


def request_fact_refresh_quietly(request_id: int) -> None:
    """After-commit hook: a failure here must never fail the intake write that caused it
    (the hourly refresh retries)."""
    try:
        request_facts_refresh(request_ids=[request_id])
    except Exception:
        log.exception("metrics: could not refresh the facts of request %s", request_id)


def request_facts_refresh_stale(*, batch: int = 500, limit: int = 20000) -> int:
    """Facts missing or older than their request's latest event, in batches."""
    latest = RequestEvent.objects.filter(request=OuterRef("pk")).order_by("-at").values("at")[:1]
    stale = (
        Request.objects.annotate(last_event=Subquery(latest))
        .filter(last_event__isnull=False)
        .filter(Q(fact__isnull=True) | Q(last_event__gt=F("fact__refreshed_at")))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(stale)
    written = 0
    for i in range(0, len(ids), batch):
        written += request_facts_refresh(request_ids=ids[i : i + batch])
    return written


def request_facts_rebuild(*, batch: int = 500) -> int:
    """Every request's facts, from scratch (demo data, after a calendar change)."""
    written = 0
    last = 0
    while True:
        ids = list(
            Request.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return written
        written += request_facts_refresh(request_ids=ids)
        last = ids[-1]
