"""The one path for every status change (`request_transition`), the release steps, the SLA clocks and the notifications a transition sends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from mops.accounts.models import User
from mops.accounts.roles import user_roles
from mops.core.concurrency import version_check
from mops.core.lifecycle import Transition, TransitionError
from mops.notify.services import notification_create

from .. import hooks, slaclock
from ..models import (
    OVERRIDE_LIVE,
    REQUEST_LIFECYCLE,
    REQUESTER_ACTIONS,
    TRIAGE_DECISIONS,
    Request,
    RequestEvent,
    SlaClock,
    SlaState,
    Status,
)
from .access import _now, is_triager
from .priority import _apply_scoring
from .validation import _fill_from_answers, request_problems


def _lock(request: Request, expected_version: int | None) -> Request:
    locked = (
        Request.objects.select_for_update(of=("self",))
        .select_related(
            "service",
            "service_version__sla_policy__calendar",
            "team",
            "requester",
            "priority__model_version",
        )
        .get(pk=request.pk)
    )
    version_check(
        locked.version,
        expected_version,
        "This request was changed by someone else since you loaded it; reload and retry.",
    )
    return locked


# --- transitions --------------------------------------------------------------------------


def request_transition(
    *,
    request: Request,
    name: str,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Request:
    """Move a request along its lifecycle — the single path for every status change a
    person asks for.

    The release steps (schedule, unschedule, go_live) are system transitions and are
    refused here (409, code "system_transition"): a request is scheduled only by boarding
    a departure and goes live only from its departure (`request_release_step`), or by the
    admin override `override_live`, which needs a reason.

    Raises TransitionError (409; 403 with code "forbidden" for role refusals),
    ValidationError (submit/answer with missing fields; a transition that needs a note),
    StaleVersion (412) when `expected_version` is given and outdated. Returns the updated
    request (a fresh instance).
    """
    return _transition(
        request=request,
        name=name,
        actor=actor,
        note=note,
        expected_version=expected_version,
        now=now,
        system=False,
    )


def request_release_step(
    *, request: Request, name: str, actor: User, note: str = "", now: datetime | None = None
) -> Request:
    """Take a release step (schedule, unschedule, go_live) for releases' departure services.

    Refused unless a departure gate registered in `intake.hooks` names the departure record
    behind the step (boarded for schedule, taken off for unschedule, landed for go_live),
    so even a caller that reaches this function cannot skip the train. The event's note
    names that record when the caller gives none."""
    transition = REQUEST_LIFECYCLE.get(name)
    if not transition.driven_by:
        raise TransitionError(
            f"'{transition.title}' is not a release step; use request_transition.",
            code="invalid_transition",
        )
    return _transition(request=request, name=name, actor=actor, note=note, now=now, system=True)


def _transition(
    *,
    request: Request,
    name: str,
    actor: User,
    note: str,
    now: datetime | None,
    system: bool,
    expected_version: int | None = None,
) -> Request:
    now = _now(now)
    note = (note or "").strip()
    staff = is_triager(actor)
    taken: dict[str, Any] = {}  # what the guard works out for the event row

    def guard(locked: Request, transition: Transition, source: str) -> None:
        nonlocal note
        if system:
            backing = hooks.departure_backing(request_id=locked.pk, name=name)
            if backing is None:
                raise TransitionError(
                    f"No departure record backs '{transition.title.lower()}' for "
                    f"{locked.reference}: {transition.driven_by}."
                )
            note = note or backing
        _check_actor(locked, name, actor, staff)
        if transition.needs_note_from(source) and not note:
            raise ValidationError({"note": f"Say why ({transition.title.lower()} needs a note)."})
        if name in ("submit", "answer"):
            problems, cleaned = request_problems(locked, today=timezone.localdate(now))
            if problems:
                raise ValidationError(problems)
            locked.answers = cleaned
            _fill_from_answers(locked)
            _apply_scoring(locked, locked.scoring_model_version)
        _stamp(locked, transition.target, now, actor if staff else None)
        taken.update(_clock_step(locked, transition.target, now))

    def event(locked: Request, transition: Transition, source: str) -> None:
        used_reading = taken["used_reading"]
        row = RequestEvent.objects.create(
            request=locked,
            actor=actor,
            at=now,
            transition=name,
            from_status=source,
            to_status=transition.target,
            note=note,
            business_seconds_paused=taken["paused_seconds"],
            sla_clock=locked.sla_clock,
            sla_state=locked.sla_state,
            triage_due_at=locked.triage_due_at,
            delivery_due_at=locked.delivery_due_at,
            business_seconds_used=int(used_reading.used.total_seconds()) if used_reading else 0,
        )
        _notify_transition(locked, row, actor)

    reason = f"{name} by {actor.username}"
    if name == OVERRIDE_LIVE:
        reason += f" (admin override, no departure): {(note or '')[:150]}"
    return REQUEST_LIFECYCLE.apply(
        request,
        name,
        actor,
        note,
        roles=user_roles(actor),
        system=system,
        guard=guard,
        event=event,
        reason=reason,
        lock=lambda obj: _lock(obj, expected_version),
    )


def _check_actor(locked: Request, name: str, actor: User, staff: bool) -> None:
    """Nobody triages their own request; requester actions belong to the requesting team."""
    if name in TRIAGE_DECISIONS and locked.requester_id == getattr(actor, "pk", None):
        raise TransitionError(
            "You cannot triage a request you made yourself; ask another PM.",
            code="forbidden",
        )
    if (
        name in REQUESTER_ACTIONS
        and not staff
        and getattr(actor, "team_id", None) != locked.team_id
    ):
        raise TransitionError("Only the requesting team can do this.", code="forbidden")


def _stamp(locked: Request, target: str, now: datetime, triager: Any) -> None:
    """The milestone timestamps a step sets; accepting assigns the triager when unassigned."""
    if target == Status.SUBMITTED and locked.submitted_at is None:
        locked.submitted_at = now
    if target == Status.ACCEPTED and locked.accepted_at is None:
        locked.accepted_at = now
    if target == Status.LIVE and locked.live_at is None:
        locked.live_at = now
    if target == Status.CLOSED:
        locked.closed_at = now
    if target == Status.ACCEPTED and locked.assignee is None and triager is not None:
        locked.assignee = triager


def _clock_step(locked: Request, target: str, now: datetime) -> dict[str, Any]:
    """Refresh the SLA fields for the step to `target`; the reading and paused time the
    event row records."""
    paused_before = locked.paused_since
    readings = _refresh_sla(locked, now=now, extra=(target, now))
    current = readings.get(locked.sla_clock) if locked.sla_clock else None
    stopped = next((r for r in readings.values() if r.stopped_at == now and r.started_at), None)
    paused_seconds = 0
    if paused_before is not None and locked.paused_since is None:
        engine = locked.service_version.sla_policy.calendar.engine_for(paused_before, now)
        paused_seconds = int(engine.elapsed(paused_before, now).total_seconds())
    return {"used_reading": stopped or current, "paused_seconds": paused_seconds}


def _timeline(request: Request, extra: tuple[str, datetime] | None = None) -> list:
    rows = list(request.events.order_by("at", "id").values_list("to_status", "at"))
    if extra is not None:
        rows.append(extra)
    return rows


def request_clocks(
    request: Request, *, now: datetime | None = None, timeline: list | None = None
) -> dict[str, slaclock.ClockReading]:
    """Both clocks of `request` read at `now` (for the detail page and API)."""
    now = _now(now)
    policy = request.service_version.sla_policy
    timeline = _timeline(request) if timeline is None else timeline
    start = min((at for _, at in timeline), default=now)
    engine = policy.calendar.engine_for(start, now)
    return {
        clock: slaclock.read_clock(
            calendar=engine,
            timeline=timeline,
            clock=clock,
            target=policy.target(clock, request.complexity),
            at_risk_ratio=policy.at_risk_ratio,
            now=now,
        )
        for clock in (slaclock.TRIAGE, slaclock.DELIVERY)
    }


def _refresh_sla(
    request: Request,
    *,
    now: datetime,
    extra: tuple[str, datetime] | None = None,
    timeline: list | None = None,
) -> dict[str, slaclock.ClockReading]:
    """Recompute the denormalised SLA fields from the event timeline (+ the event about to
    be written), or from `timeline` ((status, at) pairs) for events not stored yet (the
    import computes them before its bulk insert). The running clock is delivery once
    accepted, else triage."""
    if timeline is None:
        timeline = _timeline(request, extra)
    readings = request_clocks(request, now=now, timeline=timeline)
    triage, delivery = readings[slaclock.TRIAGE], readings[slaclock.DELIVERY]
    request.triage_due_at = triage.due_at
    request.delivery_due_at = delivery.due_at
    current = delivery if delivery.started_at else triage
    if current.started_at is None:
        request.sla_clock, request.sla_state = SlaClock.NONE, SlaState.NONE
        request.sla_due_at = request.sla_at_risk_at = request.paused_since = None
        return readings
    request.sla_clock = current.clock if current.running else SlaClock.NONE
    request.sla_state = current.state
    request.sla_due_at = current.due_at
    request.sla_at_risk_at = current.at_risk_at if current.running else None
    request.paused_since = current.paused_since
    return readings


def _recipients(request: Request, actor: User, *extra: Any) -> list[Any]:
    users: dict[int, User] = {request.requester_id: request.requester}
    if request.assignee is not None:  # no query without one
        users[request.assignee.pk] = request.assignee
    for watcher in request.watchers.select_related("user"):
        users[watcher.user_id] = watcher.user
    for user in extra:
        if user is not None:
            users[user.pk] = user
    if actor is not None:  # the system acts for no one
        users.pop(actor.pk, None)
    return [u for u in users.values() if u.is_active]


def _notify_transition(request: Request, event: RequestEvent, actor: User) -> None:
    verb = {
        "submit": "was submitted",
        "accept": "was accepted",
        "reject": "was rejected",
        "needs_info": "needs information from you",
        "answer": "was answered and resubmitted",
        "go_live": "is live",
        OVERRIDE_LIVE: "was marked live without a train (admin override)",
        "roll_back": "was rolled back",
        "cancel": "was cancelled",
    }.get(event.transition, f"is now {event.get_to_status_display()}")
    text = f"{request.reference} {verb} ({actor.username})"
    if event.note:
        text += f": {event.note[:150]}"
    for user in _recipients(request, actor):
        notification_create(
            user=user,
            text=text,
            url=request.get_absolute_url(),
            key=f"intake:event:{event.pk}:user:{user.pk}",
        )
