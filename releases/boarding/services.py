"""Boarding work onto departures: every rule checked under the departure's row lock
(`SELECT … FOR UPDATE`) so two people racing for the last seat cannot both get it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import Channel
from mops.accounts.models import User
from mops.accounts.roles import ADMINS, has_role
from mops.core.audit import set_change_reason
from mops.core.lifecycle import TransitionError
from mops.core.services import require_role
from releases import work
from releases.boarding import carriage
from releases.boarding.models import Boarding, BoardingStatus
from releases.common import (
    BOARDERS,
    LAUNCHERS,
    BoardingRefused,
    who,
)
from releases.qa.models import (
    ChecklistRun,
    Phase,
    RunStatus,
)
from releases.qa.services import checklists_instantiate
from releases.trains import schedule
from releases.trains.models import Departure, DepartureStatus, Train
from releases.trains.services import active_freeze_rules

log = logging.getLogger(__name__)

# --- boarding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardingCheck:
    """The outcome of one boarding rule, for the board form ("why can't I?")."""

    rule: str
    ok: bool
    message: str


def _freeze_verdict(
    departure: Departure,
    channels: list[str],
    actor: User,
    override_reason: str,
    rules: list[schedule.FreezeRule],
    emergencies: list[Any] | None,
) -> tuple[BoardingCheck, Any, str]:
    """(check, emergency RFC or None, override reason recorded)."""
    hits = schedule.freezes_hitting(rules, departure.starts_at, departure.ends_at, channels)
    if not hits:
        return BoardingCheck("freeze", True, "No freeze applies."), None, ""
    names = ", ".join(h.freeze.name for h in hits)
    if emergencies is None:
        emergency = work.emergency_rfc_for(departure.starts_at, departure.ends_at)
    else:
        emergency = next(
            (
                rfc
                for rfc in emergencies
                if rfc.desired_window_start < departure.ends_at
                and rfc.desired_window_end > departure.starts_at
            ),
            None,
        )
    if emergency is not None:
        message = f"Inside freeze ({names}); allowed by approved emergency RFC {emergency}."
        return BoardingCheck("freeze", True, message), emergency, ""
    if has_role(actor, ADMINS) and override_reason.strip():
        message = f"Inside freeze ({names}); admin override: {override_reason.strip()}"
        return BoardingCheck("freeze", True, message), None, override_reason.strip()
    return (
        BoardingCheck(
            "freeze",
            False,
            f"The departure is inside a freeze ({names}): boarding needs an approved emergency "
            "RFC, or an admin recording a reason.",
        ),
        None,
        "",
    )


def carriage_check(*, train: Train, channels: list[str], change_type: str = "") -> BoardingCheck:
    """The channel rule (`releases.carriage`) as a boarding verdict for `train`."""
    if carriage.carries(train_channels=train.channels, channels=channels, change_type=change_type):
        if not channels:
            return BoardingCheck("channel", True, "The work names no channel: any train.")
        if carriage.is_data_ops(channels=channels, change_type=change_type) and not (
            set(channels) <= set(train.channels)
        ):
            return BoardingCheck("channel", True, "Data/ops work: the train carries Data.")
        return BoardingCheck("channel", True, "Channel carried by the train.")
    named = ", ".join(Channel(c).label if c in Channel.values else c for c in channels)
    return BoardingCheck(
        "channel",
        False,
        f"{train.name} does not carry {named} (it carries {', '.join(train.channel_labels())}). "
        + carriage.why(channels=channels, change_type=change_type),
    )


def work_channels(*, train: Train, request: Any = None, rfc: Any = None) -> tuple[list[str], str]:
    """(channels the work occupies on `train`, its change type) for a request or an RFC."""
    if request is not None:
        own, change_type = work.request_channels(request), work.request_change_type(request)
    else:
        own, change_type = work.rfc_channels(rfc), ""
    return carriage.riding_channels(train_channels=train.channels, channels=own), change_type


def boarding_checks(
    *,
    departure: Departure,
    channels: list[str],
    actor: User,
    change_type: str = "",
    checklist_ok: BoardingCheck,
    override_reason: str = "",
    now: datetime | None = None,
    exclude: Boarding | None = None,
    taken: int | None = None,
    freeze_rules: list[schedule.FreezeRule] | None = None,
    emergencies: list[Any] | None = None,
) -> tuple[list[BoardingCheck], Any, str]:
    """Every boarding rule, in order, for `departure` (caller holds its row lock).

    Pages that list many departures pass `taken` (the `seats_taken` annotation of
    `selectors.departures`), `freeze_rules` and `emergencies` (the emergency RFCs over the
    listed span, `work.emergency_rfcs_between`), each read once, so checking a list of
    departures costs no query per departure; the boarding service reads them under its
    lock."""
    now = now or timezone.now()
    checks: list[BoardingCheck] = []
    if departure.status != DepartureStatus.OPEN:
        label = departure.get_status_display().lower()
        if departure.status == DepartureStatus.BOARDING_CLOSED:
            checks.append(
                BoardingCheck(
                    "cutoff",
                    False,
                    f"Boarding closed at the cutoff ({_local(departure, departure.cutoff_at)}).",
                )
            )
        else:
            checks.append(BoardingCheck("departure", False, f"The departure is {label}."))
    checks.append(carriage_check(train=departure.train, channels=channels, change_type=change_type))
    if taken is None:
        taken_qs = departure.boardings.exclude(status=BoardingStatus.REMOVED)
        if exclude is not None:
            taken_qs = taken_qs.exclude(pk=exclude.pk)
        taken = taken_qs.count()
    if taken >= departure.capacity:
        checks.append(
            BoardingCheck(
                "capacity",
                False,
                f"The departure is full: {taken} of {departure.capacity} seats taken.",
            )
        )
    else:
        checks.append(
            BoardingCheck(
                "capacity",
                True,
                f"{departure.capacity - taken} of {departure.capacity} seats left.",
            )
        )
    if departure.cutoff_at <= now:
        if not any(c.rule == "cutoff" for c in checks):
            checks.append(
                BoardingCheck(
                    "cutoff",
                    False,
                    f"The cutoff has passed ({_local(departure, departure.cutoff_at)}).",
                )
            )
    else:
        checks.append(
            BoardingCheck("cutoff", True, f"Cutoff {_local(departure, departure.cutoff_at)}.")
        )
    rules = active_freeze_rules() if freeze_rules is None else freeze_rules
    freeze_check, emergency, reason = _freeze_verdict(
        departure, channels, actor, override_reason, rules, emergencies
    )
    checks.append(freeze_check)
    checks.append(checklist_ok)
    return checks, emergency, reason


def _local(departure: Departure, when: datetime) -> str:
    return f"{when.astimezone(schedule.zone(departure.train.time_zone)):%a %Y-%m-%d %H:%M %Z}"


def _first_failure(checks: list[BoardingCheck]) -> None:
    for check in checks:
        if not check.ok:
            raise BoardingRefused(check.rule, check.message)


def preflight_verdict(request: Any) -> BoardingCheck:
    """Pre-flight passed = every pre-flight checklist run of the request has passed.
    Runs are instantiated here if the request has none yet (lazy, idempotent)."""
    checklists_instantiate(request=request, phase=Phase.PREFLIGHT)
    runs = list(
        ChecklistRun.objects.filter(request=request, phase=Phase.PREFLIGHT).select_related(
            "template_version__template"
        )
    )
    pending = [r for r in runs if r.status != RunStatus.PASSED]
    if pending:
        names = ", ".join(f"{r.template_version.template.name} ({r.status})" for r in pending)
        return BoardingCheck("checklist", False, f"Pre-flight checklist not passed: {names}.")
    if not runs:
        return BoardingCheck("checklist", True, "No pre-flight checklist applies.")
    return BoardingCheck("checklist", True, "Pre-flight checklist passed.")


def departure_board(
    *,
    departure: Departure,
    actor: User,
    request: Any = None,
    rfc: Any = None,
    override_reason: str = "",
    note: str = "",
) -> Boarding:
    """Board a request (in QA) or an approved RFC onto a departure.

    Rules, each refusal naming its rule: the departure is open (`departure`/`cutoff`),
    the train carries the work's channel (`channel`), a seat is left (`capacity`), the
    cutoff has not passed (`cutoff`), no freeze applies unless an approved emergency RFC
    covers it or an admin records a reason (`freeze`), and the request's pre-flight
    checklist passed (`checklist`). The departure row is locked for the whole check.
    """
    require_role(actor, BOARDERS, "board work onto departures")
    if (request is None) == (rfc is None):
        raise ValidationError({"subject": "Board exactly one request or one RFC."})
    if request is not None and work.request_is_in_qa(request):
        # Outside the boarding transaction: a refusal must not roll the runs back.
        checklists_instantiate(request=request, phase=Phase.PREFLIGHT)
    with transaction.atomic():
        departure = (
            Departure.objects.select_for_update().select_related("train").get(pk=departure.pk)
        )
        if request is not None:
            request = work.request_model().objects.select_for_update().get(pk=request.pk)
            if not work.request_is_in_qa(request):
                raise BoardingRefused(
                    "state",
                    f"Only a request in QA can board (this one is {work.request_status(request)}).",
                )
            checklist = preflight_verdict(request)
        else:
            if not work.rfc_is_schedulable(rfc):
                raise BoardingRefused("state", "Only an approved RFC can board a departure.")
            checklist = BoardingCheck("checklist", True, "RFCs carry their own approvals.")
        channels, change_type = work_channels(train=departure.train, request=request, rfc=rfc)
        checks, emergency, reason = boarding_checks(
            departure=departure,
            channels=channels,
            change_type=change_type,
            actor=actor,
            checklist_ok=checklist,
            override_reason=override_reason,
        )
        _first_failure(checks)
        boarding = Boarding(
            departure=departure,
            request=request,
            rfc=rfc,
            boarded_by=actor,
            freeze_override_reason=reason,
            emergency_rfc=emergency,
        )
        boarding.full_clean(exclude=["request", "rfc", "emergency_rfc"])
        set_change_reason(boarding, f"boarded by {who(actor)}")
        boarding.save()
        where = f"{departure}"
        if request is not None:
            work.request_schedule(request=request, actor=actor, note=note or f"Boarded {where}")
        else:
            work.rfc_schedule(
                rfc=rfc,
                actor=actor,
                start=departure.starts_at,
                end=departure.ends_at,
                ref=f"departure:{departure.pk}",
            )
    return boarding


def departure_next(departure: Departure) -> Departure | None:
    """The train's next open departure after this one."""
    return (
        Departure.objects.filter(
            train_id=departure.train_id,
            starts_at__gt=departure.starts_at,
            status=DepartureStatus.OPEN,
        )
        .order_by("starts_at")
        .first()
    )


def boarding_move(
    *,
    boarding: Boarding,
    actor: User,
    to: Departure | None = None,
    override_reason: str = "",
) -> Boarding:
    """Move boarded work to another departure (default: the train's next open one). The
    target is checked by the same rules except the checklist, which already passed."""
    require_role(actor, BOARDERS, "move work between departures")
    with transaction.atomic():
        boarding = Boarding.objects.select_for_update().get(pk=boarding.pk)
        if boarding.status != BoardingStatus.BOARDED:
            raise TransitionError(f"A {boarding.get_status_display().lower()} item cannot move.")
        source = Departure.objects.select_related("train").get(pk=boarding.departure_id)
        target = to or departure_next(source)
        if target is None:
            raise BoardingRefused("departure", "There is no later open departure to move to.")
        if target.pk == source.pk:
            raise ValidationError({"to": "That is the departure it is already on."})
        # Lock both departures, lowest id first, so two opposite moves cannot deadlock.
        locked = {
            d.pk: d
            for d in Departure.objects.select_for_update()
            .select_related("train")
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        target = locked[target.pk]
        channels, change_type = work_channels(
            train=target.train,
            request=boarding.request if boarding.request_id else None,
            rfc=None if boarding.request_id else boarding.rfc,
        )
        checks, emergency, reason = boarding_checks(
            departure=target,
            channels=channels,
            change_type=change_type,
            actor=actor,
            checklist_ok=BoardingCheck("checklist", True, "Passed when first boarded."),
            override_reason=override_reason,
        )
        _first_failure(checks)
        boarding.status = BoardingStatus.REMOVED
        boarding.outcome_by = actor
        boarding.outcome_at = timezone.now()
        boarding.outcome_note = f"moved to departure {target.pk}"
        set_change_reason(boarding, f"moved by {who(actor)}")
        boarding.save()
        moved = Boarding(
            departure=target,
            request_id=boarding.request_id,
            rfc_id=boarding.rfc_id,
            boarded_by=actor,
            freeze_override_reason=reason,
            emergency_rfc=emergency,
        )
        set_change_reason(moved, f"moved from departure {source.pk} by {who(actor)}")
        moved.save()
        if boarding.rfc is not None:  # no query without one
            work.rfc_reschedule(
                rfc=boarding.rfc,
                actor=actor,
                start=target.starts_at,
                end=target.ends_at,
                ref=f"departure:{target.pk}",
            )
    return moved


def boarding_remove(*, boarding: Boarding, actor: User, note: str = "") -> Boarding:
    """Take work off a departure; a request goes back to QA."""
    require_role(actor, BOARDERS, "take work off departures")
    with transaction.atomic():
        boarding = Boarding.objects.select_for_update().get(pk=boarding.pk)
        if boarding.status != BoardingStatus.BOARDED:
            raise TransitionError(
                f"A {boarding.get_status_display().lower()} item cannot be removed."
            )
        boarding.status = BoardingStatus.REMOVED
        boarding.outcome_by = actor
        boarding.outcome_at = timezone.now()
        boarding.outcome_note = note or "taken off"
        set_change_reason(boarding, f"removed by {who(actor)}")
        boarding.save()
        request, rfc = boarding.request, boarding.rfc  # one of them; no query for the other
        if request is not None:
            work.request_unschedule(
                request=request, actor=actor, note=note or "Taken off the departure"
            )
        elif rfc is not None:
            work.rfc_unschedule(rfc=rfc, actor=actor, note=note or "Taken off the departure")
    return boarding


def departure_has_left(departure: Departure, *, now: datetime | None = None) -> bool:
    """Whether work on `departure` may be marked live: it has started, or starts within
    `RELEASES_EARLY_LAUNCH_MINUTES`."""
    early = timedelta(minutes=settings.RELEASES_EARLY_LAUNCH_MINUTES)
    return departure.starts_at <= (now or timezone.now()) + early


def boarding_mark(*, boarding: Boarding, outcome: str, actor: User, note: str = "") -> Boarding:
    """At departure: mark an item live (the request goes live, its TTC clock stops; its
    post-flight checklist is instantiated) or rolled back (a note is required)."""
    require_role(actor, LAUNCHERS, "mark launches")
    if outcome not in (BoardingStatus.LIVE, BoardingStatus.ROLLED_BACK):
        raise ValidationError({"outcome": "Mark an item 'live' or 'rolled_back'."})
    with transaction.atomic():
        boarding = (
            Boarding.objects.select_for_update().select_related("departure").get(pk=boarding.pk)
        )
        allowed_from: dict[str, set[str]] = {
            BoardingStatus.LIVE: {BoardingStatus.BOARDED},
            BoardingStatus.ROLLED_BACK: {BoardingStatus.BOARDED, BoardingStatus.LIVE},
        }
        allowed = allowed_from[outcome]
        if boarding.status not in allowed:
            raise TransitionError(
                f"Cannot mark a {boarding.get_status_display().lower()} item {outcome}."
            )
        if not departure_has_left(boarding.departure):
            raise ValidationError({"outcome": "The departure has not started yet."})
        if outcome == BoardingStatus.ROLLED_BACK and not note.strip():
            raise ValidationError({"note": "Say what went wrong and what was rolled back."})
        was = boarding.status
        boarding.status = outcome
        boarding.outcome_by = actor
        boarding.outcome_at = timezone.now()
        boarding.outcome_note = note
        set_change_reason(boarding, f"marked {outcome} by {who(actor)}")
        boarding.save()
        request, rfc = boarding.request, boarding.rfc  # one of them; no query for the other
        if request is not None:
            # An admin may have overridden it live already: the departure then only
            # records the outcome.
            scheduled = work.request_is_scheduled(request)
            if outcome == BoardingStatus.LIVE:
                if scheduled:
                    work.request_go_live(request=request, actor=actor, note=note)
                checklists_instantiate(request=request, phase=Phase.POSTFLIGHT)
            else:
                if was == BoardingStatus.BOARDED and scheduled:
                    work.request_go_live(request=request, actor=actor, note="")
                work.request_roll_back(request=request, actor=actor, note=note)
        elif rfc is not None:
            if outcome == BoardingStatus.LIVE or was == BoardingStatus.BOARDED:
                work.rfc_implement(rfc=rfc, actor=actor, note=note or "Implemented")
            if outcome == BoardingStatus.ROLLED_BACK:
                work.rfc_roll_back(rfc=rfc, actor=actor, note=note)
    return boarding
