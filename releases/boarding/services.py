"""Every write in releases: trains, departures, freezes, boarding, checklists, pre-flight runs,
experiments.

`<entity>_<verb>(*, ..., actor)`: check the role, validate, write in one transaction, set
the history reason. Boarding locks the departure row (`SELECT … FOR UPDATE`) so two people
racing for the last seat cannot both get it. Beat tasks call the same functions with
`actor=None` (the system).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import APIException

from catalog.models import Channel
from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING, Role, has_role, user_roles
from mops.core.audit import set_change_reason
from mops.core.lifecycle import TransitionError
from mops.core.slugs import unique_slug
from mops.core.timezones import default_time_zone
from mops.core.uploads import validate_upload

from . import carriage, schedule, work
from . import experiments as design
from .models import (
    EXPERIMENT_ENDED,
    MAX_SAMPLE,
    SYSTEM,
    AutomatedCheck,
    Boarding,
    BoardingStatus,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateVersion,
    Departure,
    DepartureStatus,
    Evidence,
    Experiment,
    ExperimentEvent,
    ExperimentStatus,
    FeedToken,
    Freeze,
    ItemResult,
    ItemState,
    Phase,
    PreflightRun,
    PreflightStatus,
    RunStatus,
    Train,
)
from .preflight import Finding

log = logging.getLogger(__name__)


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# Knobs (environment-backed in settings when set there; these are the defaults).
EARLY_LAUNCH_MINUTES = 60  # an item may be marked live this long before its departure
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
PREFLIGHT_MAX_HTML_BYTES = 2 * 1024 * 1024
LINKCHECK_TIMEOUT = 5.0
MAX_MOVE_DAYS = 366  # a departure moved further than this is a new train, not a move

TRAIN_EDITORS = frozenset({Role.ADMIN, Role.PM})
DEPARTURE_EDITORS = frozenset({Role.ADMIN, Role.PM})
BOARDERS = MOPS_STAFF
LAUNCHERS = MOPS_STAFF
FREEZE_EDITORS = ADMINS
TEMPLATE_EDITORS = frozenset({Role.ADMIN, Role.PM})
CHECKERS = MOPS_STAFF
EXPERIMENT_EDITORS = MOPS_STAFF
EXPERIMENT_READERS = READ_EVERYTHING  # who reads releases' pages: MOPS staff and leadership


class StaleVersion(APIException):
    """Someone changed the object since it was loaded (HTTP 412)."""

    status_code = 412
    default_code = "stale"
    default_detail = "This was changed by someone else since you loaded it; reload and retry."


class BoardingRefused(ValidationError):
    """Boarding refused; `rule` names the rule that failed (channel, capacity, cutoff,
    freeze, checklist, departure, state), also used as the error's field."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__({rule: ValidationError(message, code=rule)})
        self.rule = rule
        self.reason = message


def _require(actor: Any, roles: Iterable[str], what: str) -> None:
    if actor is None:  # the system (beat tasks)
        return
    if not has_role(actor, roles):
        raise PermissionDenied(f"Your role does not allow you to {what}.")


def _who(actor: Any) -> str:
    return actor.username if actor is not None else "system"


def _roles(actor: Any) -> frozenset[str]:
    return frozenset({SYSTEM}) if actor is None else user_roles(actor)


def _check_version(obj: Any, expected: int | None) -> None:
    if expected is not None and int(expected) != obj.version:
        raise StaleVersion()


# --- trains -----------------------------------------------------------------------------------

TRAIN_FIELDS = (
    "name",
    "slug",
    "description",
    "channels",
    "time_zone",
    "rrule",
    "first_date",
    "start_time",
    "duration_minutes",
    "capacity",
    "cutoff_hours",
    "calendar",
    "owner",
    "horizon_days",
    "active",
)


def _clean_train(train: Train) -> None:
    train.full_clean()
    try:  # the rule must expand from the given start in the given zone
        train.occurrences(timezone.now(), timezone.now() + timedelta(days=1))
    except schedule.ScheduleError as exc:
        raise ValidationError({exc.field: exc.message}) from None


def train_create(*, actor: Any, **fields: Any) -> Train:
    """Create a train and materialise its departures over the horizon."""
    _require(actor, TRAIN_EDITORS, "configure release trains")
    unknown = set(fields) - set(TRAIN_FIELDS)
    if unknown:
        raise ValidationError({f: "Not a train field." for f in sorted(unknown)})
    if "rrule" in fields:
        fields["rrule"] = _normalise_rrule(fields["rrule"])
    if not fields.get("slug"):
        fields["slug"] = unique_slug(Train, fields.get("name") or "train")
    if not fields.get("time_zone"):
        fields["time_zone"] = default_time_zone()  # MOPS_TIME_ZONE, not the model's fallback
    train = Train(**fields)
    with transaction.atomic():
        _clean_train(train)
        set_change_reason(train, f"created by {_who(actor)}")
        train.save()
        departures_materialise(train=train)
    return train


def _normalise_rrule(value: str) -> str:
    try:
        return schedule.parse_rrule(value)
    except schedule.ScheduleError as exc:
        raise ValidationError({"rrule": exc.message}) from None


def train_update(
    *, train: Train, actor: Any, expected_version: int | None = None, **changes: Any
) -> Train:
    """Edit a train. When its timing changes, future open departures nobody boarded or
    edited are re-generated; edited or boarded ones are kept as they are."""
    _require(actor, TRAIN_EDITORS, "configure release trains")
    unknown = set(changes) - set(TRAIN_FIELDS)
    if unknown:
        raise ValidationError({f: "Not a train field." for f in sorted(unknown)})
    timing = {"rrule", "first_date", "start_time", "duration_minutes", "time_zone"}
    if "slug" in changes and not changes["slug"]:
        del changes["slug"]  # an emptied slug keeps the old one (links stay valid)
    with transaction.atomic():
        train = Train.objects.select_for_update().get(pk=train.pk)
        _check_version(train, expected_version)
        if "rrule" in changes:
            changes["rrule"] = _normalise_rrule(changes["rrule"])
        retimed = any(getattr(train, k) != v for k, v in changes.items() if k in timing)
        for key, value in changes.items():
            setattr(train, key, value)
        train.version += 1
        _clean_train(train)
        set_change_reason(train, f"edited by {_who(actor)}")
        train.save()
        if retimed:
            stale = train.departures.filter(
                starts_at__gt=timezone.now(), status=DepartureStatus.OPEN, moved=False
            ).exclude(boardings__isnull=False)
            for departure in stale:
                departure.delete()
        departures_materialise(train=train)
    return train


# --- departures -------------------------------------------------------------------------------


def departures_materialise(*, train: Train, now: datetime | None = None) -> list[Departure]:
    """Create the train's missing departures from now to now + its horizon. Idempotent:
    an occurrence is keyed by its scheduled start, so a moved departure is not re-created."""
    if not train.active:
        return []
    now = now or timezone.now()
    until = now + timedelta(days=train.horizon_days)
    wanted = [o for o in train.occurrences(now, until) if o.start >= now]
    existing = set(
        train.departures.filter(scheduled_start__in=[o.start for o in wanted]).values_list(
            "scheduled_start", flat=True
        )
    )
    closed = _closed_dates(train, now, until)
    created = []
    for occurrence in wanted:
        if occurrence.start in existing:
            continue
        departure = Departure(
            train=train,
            scheduled_start=occurrence.start,
            starts_at=occurrence.start,
            ends_at=occurrence.end,
            cutoff_at=train.cutoff_for(occurrence.start),
            capacity=train.capacity,
        )
        # A departure on one of the calendar's closed days (a holiday, a shutdown) is made
        # cancelled, saying why, so nothing boards it and the calendar shows the gap.
        day_off = (
            closed.get(occurrence.start.astimezone(schedule.zone(train.calendar.time_zone)).date())
            if closed
            else None
        )
        if day_off is not None:
            departure.status = DepartureStatus.CANCELLED
            departure.note = f"Closed day on {train.calendar.name}: {day_off}."
        set_change_reason(
            departure, "materialised" if day_off is None else "materialised on a closed day"
        )
        departure.save()
        created.append(departure)
    return created


def _closed_dates(train: Train, start: datetime, end: datetime) -> dict[date, str]:
    """The train calendar's holidays and closed days from `start` to `end` (none without
    a calendar)."""
    if train.calendar_id is None:
        return {}
    return train.calendar.closed_dates(range(start.year, end.year + 1))


def departures_materialise_all(*, now: datetime | None = None) -> int:
    """The rolling horizon for every active train (the beat task)."""
    count = 0
    for train in Train.objects.filter(active=True).select_related("calendar"):
        with transaction.atomic():
            count += len(departures_materialise(train=train, now=now))
    return count


def departure_update(
    *,
    departure: Departure,
    actor: Any,
    expected_version: int | None = None,
    starts_at: datetime | None = None,
    capacity: int | None = None,
    note: str | None = None,
) -> Departure:
    """Move one departure or change its capacity. Capacity may not drop below the seats
    already taken; moving recomputes the cutoff."""
    _require(actor, DEPARTURE_EDITORS, "edit departures")
    with transaction.atomic():
        departure = (
            Departure.objects.select_for_update().select_related("train").get(pk=departure.pk)
        )
        _check_version(departure, expected_version)
        if departure.status not in (DepartureStatus.OPEN, DepartureStatus.BOARDING_CLOSED):
            raise TransitionError(
                f"A {departure.get_status_display().lower()} departure cannot be edited."
            )
        if capacity is not None:
            taken = seats_taken(departure)
            if capacity < taken:
                raise ValidationError(
                    {"capacity": f"{taken} seats are already taken; capacity cannot be {capacity}."}
                )
            departure.capacity = capacity
        if starts_at is not None and starts_at != departure.starts_at:
            if starts_at.tzinfo is None:
                raise ValidationError({"starts_at": "Give a time with its zone."})
            if starts_at <= timezone.now():
                raise ValidationError({"starts_at": "A departure can only move to the future."})
            if starts_at > timezone.now() + timedelta(days=MAX_MOVE_DAYS):
                raise ValidationError(
                    {"starts_at": f"A departure moves at most {MAX_MOVE_DAYS} days ahead."}
                )
            length = departure.ends_at - departure.starts_at
            departure.starts_at = starts_at
            departure.ends_at = starts_at + length
            departure.cutoff_at = departure.train.cutoff_for(starts_at)
            departure.moved = True
            if departure.status == DepartureStatus.BOARDING_CLOSED and (
                departure.cutoff_at > timezone.now()
            ):
                departure.status = DepartureStatus.OPEN
        if note is not None:
            departure.note = note
        departure.version += 1
        departure.full_clean()
        set_change_reason(departure, f"edited by {_who(actor)}")
        departure.save()
    return departure


def departure_transition(
    *, departure: Departure, name: str, actor: Any, note: str = ""
) -> Departure:
    """open → boarding_closed → departed → closed, or cancelled. Cancelling a departure
    with work on it is refused: move the work first."""
    with transaction.atomic():
        departure = (
            Departure.objects.select_for_update().select_related("train").get(pk=departure.pk)
        )
        transition = Departure.lifecycle.check(
            state=departure.status, name=name, roles=_roles(actor)
        )
        if transition.needs_note and not note.strip():
            raise ValidationError({"note": f"Say why ({transition.title.lower()})."})
        if name == "cancel" and departure.boardings.filter(status=BoardingStatus.BOARDED).exists():
            raise ValidationError(
                {"departure": "Work is boarded on this departure: move it to another first."}
            )
        if name == "close" and departure.boardings.filter(status=BoardingStatus.BOARDED).exists():
            raise ValidationError(
                {"departure": "Mark every item live or rolled back before closing."}
            )
        departure.status = transition.target
        if note:
            departure.note = (departure.note + "\n" + note).strip()
        departure.version += 1
        set_change_reason(departure, f"{name} by {_who(actor)}")
        departure.save()
    return departure


def departures_advance(*, now: datetime | None = None) -> dict[str, int]:
    """The beat task: close boarding at cutoff, depart at start, close when all is landed."""
    now = now or timezone.now()
    counts = {"close_boarding": 0, "depart": 0, "close": 0}
    due = [
        ("close_boarding", Q(status=DepartureStatus.OPEN, cutoff_at__lte=now, starts_at__gt=now)),
        (
            "depart",
            Q(
                status__in=[DepartureStatus.OPEN, DepartureStatus.BOARDING_CLOSED],
                starts_at__lte=now,
            ),
        ),
        ("close", Q(status=DepartureStatus.DEPARTED, ends_at__lte=now)),
    ]
    for name, condition in due:
        for pk in Departure.objects.filter(condition).values_list("pk", flat=True)[:500]:
            try:
                departure_transition(departure=Departure(pk=pk), name=name, actor=None)
                counts[name] += 1
            except (TransitionError, ValidationError):
                continue  # changed meanwhile, or work not landed yet: next run
    return counts


def seats_taken(departure: Departure) -> int:
    return departure.boardings.exclude(status=BoardingStatus.REMOVED).count()


# --- freezes ----------------------------------------------------------------------------------

FREEZE_FIELDS = (
    "name",
    "reason",
    "kind",
    "channels",
    "starts_at",
    "ends_at",
    "rrule",
    "first_date",
    "start_time",
    "duration_minutes",
    "time_zone",
    "active",
)


def freeze_create(*, actor: Any, **fields: Any) -> Freeze:
    _require(actor, FREEZE_EDITORS, "declare freezes")
    unknown = set(fields) - set(FREEZE_FIELDS)
    if unknown:
        raise ValidationError({f: "Not a freeze field." for f in sorted(unknown)})
    if fields.get("rrule"):
        fields["rrule"] = _normalise_rrule(fields["rrule"])
    freeze = Freeze(created_by=actor, **fields)
    with transaction.atomic():
        freeze.full_clean()
        set_change_reason(freeze, f"declared by {_who(actor)}")
        freeze.save()
    return freeze


def freeze_update(
    *, freeze: Freeze, actor: Any, expected_version: int | None = None, **changes: Any
) -> Freeze:
    _require(actor, FREEZE_EDITORS, "edit freezes")
    unknown = set(changes) - set(FREEZE_FIELDS)
    if unknown:
        raise ValidationError({f: "Not a freeze field." for f in sorted(unknown)})
    with transaction.atomic():
        freeze = Freeze.objects.select_for_update().get(pk=freeze.pk)
        _check_version(freeze, expected_version)
        if changes.get("rrule"):
            changes["rrule"] = _normalise_rrule(changes["rrule"])
        for key, value in changes.items():
            setattr(freeze, key, value)
        freeze.version += 1
        freeze.full_clean()
        set_change_reason(freeze, f"edited by {_who(actor)}")
        freeze.save()
    return freeze


def freeze_delete(*, freeze: Freeze, actor: Any) -> None:
    _require(actor, FREEZE_EDITORS, "delete freezes")
    with transaction.atomic():
        set_change_reason(freeze, f"deleted by {_who(actor)}")
        freeze.delete()


def active_freeze_rules() -> list[schedule.FreezeRule]:
    return [f.rule() for f in Freeze.objects.filter(active=True)]


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
    actor: Any,
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
    actor: Any,
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


def _inside_freeze(checks: list[BoardingCheck]) -> bool:
    """Whether the passed freeze check let the work in despite a freeze (emergency RFC or
    admin override), which governance needs to know when scheduling an RFC."""
    return any(
        c.rule == "freeze" and c.ok and c.message.startswith("Inside freeze") for c in checks
    )


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
    actor: Any,
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
    _require(actor, BOARDERS, "board work onto departures")
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
        set_change_reason(boarding, f"boarded by {_who(actor)}")
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
                frozen=_inside_freeze(checks),
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
    actor: Any,
    to: Departure | None = None,
    override_reason: str = "",
) -> Boarding:
    """Move boarded work to another departure (default: the train's next open one). The
    target is checked by the same rules except the checklist, which already passed."""
    _require(actor, BOARDERS, "move work between departures")
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
        set_change_reason(boarding, f"moved by {_who(actor)}")
        boarding.save()
        moved = Boarding(
            departure=target,
            request_id=boarding.request_id,
            rfc_id=boarding.rfc_id,
            boarded_by=actor,
            freeze_override_reason=reason,
            emergency_rfc=emergency,
        )
        set_change_reason(moved, f"moved from departure {source.pk} by {_who(actor)}")
        moved.save()
        if boarding.rfc_id:
            work.rfc_reschedule(
                rfc=boarding.rfc,
                actor=actor,
                start=target.starts_at,
                end=target.ends_at,
                ref=f"departure:{target.pk}",
                frozen=_inside_freeze(checks),
            )
    return moved


def boarding_remove(*, boarding: Boarding, actor: Any, note: str = "") -> Boarding:
    """Take work off a departure; a request goes back to QA."""
    _require(actor, BOARDERS, "take work off departures")
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
        set_change_reason(boarding, f"removed by {_who(actor)}")
        boarding.save()
        if boarding.request_id:
            work.request_unschedule(
                request=boarding.request, actor=actor, note=note or "Taken off the departure"
            )
        else:
            work.rfc_unschedule(
                rfc=boarding.rfc, actor=actor, note=note or "Taken off the departure"
            )
    return boarding


def departure_has_left(departure: Departure, *, now: datetime | None = None) -> bool:
    """Whether work on `departure` may be marked live: it has started, or starts within
    `RELEASES_EARLY_LAUNCH_MINUTES`."""
    early = timedelta(minutes=_setting("RELEASES_EARLY_LAUNCH_MINUTES", EARLY_LAUNCH_MINUTES))
    return departure.starts_at <= (now or timezone.now()) + early


def boarding_mark(*, boarding: Boarding, outcome: str, actor: Any, note: str = "") -> Boarding:
    """At departure: mark an item live (the request goes live, its TTC clock stops; its
    post-flight checklist is instantiated) or rolled back (a note is required)."""
    _require(actor, LAUNCHERS, "mark launches")
    if outcome not in (BoardingStatus.LIVE, BoardingStatus.ROLLED_BACK):
        raise ValidationError({"outcome": "Mark an item 'live' or 'rolled_back'."})
    with transaction.atomic():
        boarding = (
            Boarding.objects.select_for_update().select_related("departure").get(pk=boarding.pk)
        )
        allowed = {
            BoardingStatus.LIVE: {BoardingStatus.BOARDED},
            BoardingStatus.ROLLED_BACK: {BoardingStatus.BOARDED, BoardingStatus.LIVE},
        }[outcome]
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
        set_change_reason(boarding, f"marked {outcome} by {_who(actor)}")
        boarding.save()
        if boarding.request_id:
            request = boarding.request
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
        else:
            rfc = boarding.rfc
            if outcome == BoardingStatus.LIVE or was == BoardingStatus.BOARDED:
                work.rfc_implement(rfc=rfc, actor=actor, note=note or "Implemented")
            if outcome == BoardingStatus.ROLLED_BACK:
                work.rfc_roll_back(rfc=rfc, actor=actor, note=note)
    return boarding


# --- checklists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSpec:
    text: str
    required: bool = True
    evidence: str = Evidence.NONE
    automated_check: str = ""


def _item_specs(items: Iterable[Any]) -> list[ItemSpec]:
    specs: list[ItemSpec] = []
    errors: dict[str, str] = {}
    for index, raw in enumerate(items):
        spec = raw if isinstance(raw, ItemSpec) else None
        if spec is None:
            if not isinstance(raw, dict):
                errors[f"items.{index}"] = "Each item is an object with at least 'text'."
                continue
            spec = ItemSpec(
                text=str(raw.get("text", "")).strip(),
                required=bool(raw.get("required", True)),
                evidence=str(raw.get("evidence", Evidence.NONE) or Evidence.NONE),
                automated_check=str(raw.get("automated_check", "") or ""),
            )
        if not spec.text:
            errors[f"items.{index}.text"] = "An item needs its text."
        elif len(spec.text) > 300:
            errors[f"items.{index}.text"] = "At most 300 characters."
        if spec.evidence not in Evidence.values:
            errors[f"items.{index}.evidence"] = f"One of {', '.join(Evidence.values)}."
        if spec.automated_check and spec.automated_check not in AutomatedCheck.values:
            errors[f"items.{index}.automated_check"] = (
                f"One of {', '.join(AutomatedCheck.values)}, or empty."
            )
        specs.append(spec)
    if not specs and not errors:
        errors["items"] = "A checklist needs at least one item."
    if errors:
        raise ValidationError(errors)
    return specs


def checklist_template_create(
    *,
    actor: Any,
    name: str,
    items: Iterable[Any],
    slug: str = "",
    channel: str = "",
    change_type: str = "",
    phase: str = Phase.PREFLIGHT,
    changelog: str = "First version.",
) -> ChecklistTemplate:
    """A checklist template and its version 1; the slug is made from the name if empty."""
    _require(actor, TEMPLATE_EDITORS, "edit checklist templates")
    slug = slug or unique_slug(ChecklistTemplate, name or "checklist")
    template = ChecklistTemplate(
        name=name, slug=slug, channel=channel, change_type=change_type, phase=phase
    )
    specs = _item_specs(items)
    with transaction.atomic():
        template.full_clean()
        set_change_reason(template, f"created by {_who(actor)}")
        template.save()
        _publish_version(template, specs, actor, changelog)
    return template


def _copy_name(model: Any, name: str) -> str:
    base = f"Copy of {name}"
    candidate, n = base, 1
    while model.objects.filter(name__iexact=candidate).exists():
        n += 1
        candidate = f"{base} ({n})"
    return candidate[:120]


def checklist_template_copy(*, template: ChecklistTemplate, actor: Any) -> ChecklistTemplate:
    """A new checklist template with the items of `template`'s current version."""
    items = (
        [
            {
                "text": i.text,
                "required": i.required,
                "evidence": i.evidence,
                "automated_check": i.automated_check,
            }
            for i in template.current_version.items.all()
        ]
        if template.current_version
        else []
    )
    return checklist_template_create(
        actor=actor,
        name=_copy_name(ChecklistTemplate, template.name),
        items=items,
        channel=template.channel,
        change_type=template.change_type,
        phase=template.phase,
        changelog=f"Copied from {template.name}.",
    )


def train_copy(*, train: Train, actor: Any) -> Train:
    """A new train with `train`'s schedule, capacity, cutoff and calendar, inactive until
    it is edited (so two trains never silently double a launch window)."""
    fields = {f: getattr(train, f) for f in TRAIN_FIELDS if f not in ("name", "slug", "owner")}
    fields["active"] = False
    return train_create(actor=actor, name=_copy_name(Train, train.name), owner=actor, **fields)


def checklist_template_publish(
    *, template: ChecklistTemplate, actor: Any, items: Iterable[Any], changelog: str
) -> ChecklistTemplateVersion:
    """A new version of the template's items. Existing runs keep the version they used."""
    _require(actor, TEMPLATE_EDITORS, "edit checklist templates")
    specs = _item_specs(items)
    if not changelog.strip():
        raise ValidationError({"changelog": "Say what changed in this version."})
    with transaction.atomic():
        template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        return _publish_version(template, specs, actor, changelog)


def _publish_version(
    template: ChecklistTemplate, specs: list[ItemSpec], actor: Any, changelog: str
) -> ChecklistTemplateVersion:
    last = template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ChecklistTemplateVersion.objects.create(
        template=template, number=last + 1, changelog=changelog, created_by=actor
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            version=version,
            position=index + 1,
            text=spec.text,
            required=spec.required,
            evidence=spec.evidence,
            automated_check=spec.automated_check,
        )
        for index, spec in enumerate(specs)
    )
    template.current_version = version
    set_change_reason(template, f"version {version.number} by {_who(actor)}")
    template.save()
    return version


def matching_templates(*, channels: Iterable[str], change_type: str, phase: str):
    """Active templates of `phase` that apply: the channel matches (or is blank) and the
    change type matches (or is blank)."""
    return (
        ChecklistTemplate.objects.filter(active=True, phase=phase, current_version__isnull=False)
        .filter(Q(channel="") | Q(channel__in=list(channels)))
        .filter(Q(change_type="") | Q(change_type=change_type))
        .select_related("current_version")
    )


def checklists_instantiate(*, request: Any, phase: str = Phase.PREFLIGHT) -> list[ChecklistRun]:
    """Create the request's checklist runs for `phase` from the matching templates' current
    versions. Idempotent: a template version already run for the request is skipped."""
    templates = list(
        matching_templates(
            channels=work.request_channels(request),
            change_type=work.request_change_type(request),
            phase=phase,
        )
    )
    have = set(
        ChecklistRun.objects.filter(request=request, phase=phase).values_list(
            "template_version__template_id", flat=True
        )
    )
    created: list[ChecklistRun] = []
    with transaction.atomic():
        for template in templates:
            if template.pk in have:
                continue
            run, made = ChecklistRun.objects.get_or_create(
                request=request,
                template_version=template.current_version,
                defaults={"phase": phase},
            )
            if not made:
                continue
            ItemResult.objects.bulk_create(
                ItemResult(run=run, item=item) for item in template.current_version.items.all()
            )
            _refresh_run(run)
            created.append(run)
    return created


def _item_satisfied(item: ChecklistItem, result: ItemResult) -> bool:
    if result.state == ItemState.NOT_APPLICABLE:
        return not item.required
    return result.state == ItemState.PASSED


def _refresh_run(run: ChecklistRun) -> ChecklistRun:
    results = list(run.results.select_related("item"))
    failed = any(r.state == ItemState.FAILED for r in results)
    done = all(_item_satisfied(r.item, r) or not r.item.required for r in results)
    status = RunStatus.FAILED if failed else RunStatus.PASSED if done else RunStatus.OPEN
    if status != run.status:
        run.status = status
        run.completed_at = timezone.now() if status == RunStatus.PASSED else None
        set_change_reason(run, f"now {status}")
        run.save()
    return run


def item_result_record(
    *,
    result: ItemResult,
    actor: Any,
    state: str,
    evidence_link: str = "",
    evidence_file: UploadedFile | None = None,
    evidence_note: str = "",
    expected_version: int | None = None,
) -> ItemResult:
    """Tick (or fail, or mark not applicable) one checklist item with its evidence.

    Passing an item that asks for evidence requires that evidence (link, file or note);
    a required item cannot be 'not applicable'. An automated item is passed by its
    pre-flight run, not by hand.
    """
    _require(actor, CHECKERS, "tick QA checklists")
    if state not in ItemState.values:
        raise ValidationError({"state": f"One of {', '.join(ItemState.values)}."})
    with transaction.atomic():
        result = (
            ItemResult.objects.select_for_update().select_related("item", "run").get(pk=result.pk)
        )
        _check_version(result, expected_version)
        item = result.item
        if result.run.status == RunStatus.PASSED and result.run.phase == Phase.PREFLIGHT:
            if work.request_status(result.run.request) != work.IN_QA:
                raise TransitionError("The pre-flight checklist is closed: the work has boarded.")
        if item.automated_check and state == ItemState.PASSED and actor is not None:
            raise ValidationError(
                {"state": "This item is passed by its automated check: run the check."}
            )
        if state == ItemState.NOT_APPLICABLE and item.required:
            raise ValidationError({"state": "A required item cannot be marked not applicable."})
        if evidence_link:
            result.evidence_link = evidence_link
        if evidence_file is not None:
            accepted = validate_upload(
                evidence_file,
                field="evidence_file",
                max_bytes=_setting("RELEASES_EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES),
            )
            result.evidence_file = evidence_file
            result.evidence_filename = accepted.filename
        if evidence_note:
            result.evidence_note = evidence_note
        if state == ItemState.PASSED:
            missing = {
                Evidence.LINK: ("evidence_link", not result.evidence_link, "a link"),
                Evidence.FILE: ("evidence_file", not result.evidence_file, "a file"),
                Evidence.NOTE: ("evidence_note", not result.evidence_note.strip(), "a note"),
            }.get(item.evidence)
            if missing and missing[1]:
                raise ValidationError({missing[0]: f"This item needs {missing[2]} as evidence."})
        result.state = state
        result.checked_by = actor
        result.checked_at = timezone.now()
        result.version += 1
        result.full_clean(exclude=["evidence_file"])
        set_change_reason(result, f"{state} by {_who(actor)}")
        result.save()
        _refresh_run(result.run)
    return result


# --- pre-flight runs --------------------------------------------------------------------------


def preflight_start(
    *,
    request: Any,
    actor: Any,
    check: str,
    html: str = "",
    urls: Iterable[str] = (),
    item_result: ItemResult | None = None,
) -> PreflightRun:
    """Queue an automated check of an asset; a worker runs it after commit."""
    _require(actor, CHECKERS, "run pre-flight checks")
    if check not in AutomatedCheck.values:
        raise ValidationError({"check": f"One of {', '.join(AutomatedCheck.values)}."})
    urls = [u.strip() for u in urls if u and u.strip()]
    if len(html.encode("utf-8")) > _setting(
        "RELEASES_PREFLIGHT_MAX_HTML_BYTES", PREFLIGHT_MAX_HTML_BYTES
    ):
        raise ValidationError({"html": "The HTML is too large to check here."})
    if check == AutomatedCheck.EMAIL_HTML and not html.strip():
        raise ValidationError({"html": "Paste the e-mail's HTML to check."})
    if check != AutomatedCheck.EMAIL_HTML and not (html.strip() or urls):
        raise ValidationError({"urls": "Give the asset's HTML or its URLs."})
    if len(urls) > 500:
        raise ValidationError({"urls": "At most 500 URLs per run."})
    if item_result is not None and item_result.run.request_id != request.pk:
        raise ValidationError({"item_result": "That checklist item belongs to another request."})
    with transaction.atomic():
        run = PreflightRun.objects.create(
            request=request,
            item_result=item_result,
            check_name=check,
            html=html,
            urls=urls,
            created_by=actor,
        )
        transaction.on_commit(lambda: _queue_preflight(run.pk))
    return run


def _queue_preflight(run_id: int) -> None:
    from .tasks import preflight_execute_task

    try:
        preflight_execute_task.delay(run_id)
    except Exception:  # broker down: the sweep picks queued runs up
        log.warning("broker unavailable; pre-flight run %s left for the sweep", run_id)


def _tracking_rule() -> Callable[[str], list[Finding]]:
    """governance's taxonomy validator over its active taxonomy (its default one when none
    is stored), as a pre-flight tracking rule."""
    from governance.selectors import taxonomy_current
    from governance.taxonomy import ERROR, validate_url

    taxonomy = taxonomy_current()

    def rule(url: str) -> list[Finding]:
        result = validate_url(url, taxonomy)
        found = []
        for problem in result.findings:
            message = f"{problem.param}: {problem.message}" if problem.param else problem.message
            if problem.suggestion:
                message += f" (suggestion: {problem.suggestion})"
            severity = "fail" if problem.severity == ERROR else "warn"
            found.append(Finding(f"tracking.{problem.rule}", severity, message, url))
        return found

    return rule


def preflight_execute(*, run_id: int) -> PreflightRun | None:
    """Run one queued check (the worker). The claim is a conditional UPDATE so two workers
    never run the same row; findings are stored as JSON and the linked checklist item is
    passed or failed."""
    from . import preflight

    claimed = PreflightRun.objects.filter(pk=run_id, status=PreflightStatus.QUEUED).update(
        status=PreflightStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    run = PreflightRun.objects.get(pk=run_id)
    details: dict[str, Any] = {}
    try:
        urls = list(run.urls) or [link.url for link in preflight.extract_links(run.html)]
        channels = work.request_channels(run.request) if run.request_id else []
        if run.check_name == AutomatedCheck.EMAIL_HTML:
            findings = preflight.check_email_html(run.html)
        elif not urls:
            findings = preflight.check_links_present(urls, channels)
        elif run.check_name == AutomatedCheck.TRACKING:
            findings = preflight.check_tracking(urls, rule=_tracking_rule())
        else:
            results = preflight.check_links(
                urls,
                timeout=_setting("RELEASES_LINKCHECK_TIMEOUT", LINKCHECK_TIMEOUT),
                allow=settings.MOPS_OUTBOUND_ALLOWLIST,
            )
            findings = [f for r in results for f in r.findings()]
            details["links"] = [r.as_dict() for r in results]
        details["checked_urls"] = len(urls)
        run.findings = [f.as_dict() for f in findings]
        failed = any(f.severity == "fail" for f in findings)
        run.status = PreflightStatus.FAILED if failed else PreflightStatus.PASSED
    except Exception as exc:  # a crash in a check is reported on the run, never lost
        log.exception("pre-flight run %s crashed", run_id)
        run.status = PreflightStatus.ERROR
        run.error = f"{type(exc).__name__}: {exc}"
    run.details = details
    run.finished_at = timezone.now()
    run.save()
    if run.item_result_id and run.status in (PreflightStatus.PASSED, PreflightStatus.FAILED):
        state = ItemState.PASSED if run.status == PreflightStatus.PASSED else ItemState.FAILED
        item_result_record(
            result=ItemResult(pk=run.item_result_id),
            actor=None,
            state=state,
            evidence_note=f"Automated check run {run.pk}: {len(run.failures)} failure(s).",
        )
    return run


def preflight_sweep(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Run queued checks the broker never delivered, and fail ones stuck running."""
    cutoff = timezone.now() - older_than
    stuck = PreflightRun.objects.filter(
        status=PreflightStatus.RUNNING, started_at__lt=timezone.now() - timedelta(minutes=30)
    ).update(status=PreflightStatus.ERROR, error="worker stopped while running the check")
    count = 0
    for pk in PreflightRun.objects.filter(
        status=PreflightStatus.QUEUED, created_at__lt=cutoff
    ).values_list("pk", flat=True)[:50]:
        if preflight_execute(run_id=pk) is not None:
            count += 1
    return count + stuck


# --- feed tokens ------------------------------------------------------------------------------


def feed_token_rotate(*, user: Any) -> FeedToken:
    """Issue (or replace) the user's calendar-feed secret; old feed URLs stop working."""
    key = FeedToken.generate_key()
    with transaction.atomic():
        token, _ = FeedToken.objects.select_for_update().get_or_create(
            user=user, defaults={"digest": FeedToken.digest_of(key), "key": key}
        )
        token.digest = FeedToken.digest_of(key)
        token.key = key
        token.created_at = timezone.now()
        set_change_reason(token, "rotated")
        token.save()
    return token


def feed_token_for(user: Any) -> FeedToken:
    token = FeedToken.objects.filter(user=user).first()
    return token or feed_token_rotate(user=user)


# --- experiments ------------------------------------------------------------------------------

EXPERIMENT_FIELDS = (
    "name",
    "hypothesis",
    "owner",
    "team",
    "request",
    "departure",
    "channel",
    "primary_metric",
    "baseline_rate",
    "minimum_detectable_effect",
    "alpha",
    "power",
    "variants",
    "cost",
    "learnings",
)
# The design fixes the sample size: it may change only before the test starts.
DESIGN_FIELDS = ("baseline_rate", "minimum_detectable_effect", "alpha", "power", "variants")
# What an ended experiment still takes (the invoice arrives late; learnings get rewritten).
AFTER_END_FIELDS = ("cost", "learnings")


def experiment_editable_fields(experiment: Experiment) -> tuple[str, ...]:
    """Everything while planned; all but the design while running; cost and learnings
    once it has ended."""
    if experiment.status == ExperimentStatus.PLANNED:
        return EXPERIMENT_FIELDS
    if experiment.status in EXPERIMENT_ENDED:
        return AFTER_END_FIELDS
    return tuple(f for f in EXPERIMENT_FIELDS if f not in DESIGN_FIELDS)


def _clean_experiment(experiment: Experiment) -> None:
    """Validate the fields, then compute the required sample per variant from the design
    (`releases.experiments`); every problem names its field."""
    errors: dict[str, list[str]] = {}
    try:
        experiment.full_clean(exclude=["required_sample_per_variant"])
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    if not any(f in errors for f in DESIGN_FIELDS):
        try:
            required = design.required_sample_per_variant(
                baseline=experiment.baseline_rate,
                mde=experiment.minimum_detectable_effect,
                alpha=experiment.alpha,
                power=experiment.power,
            )
        except design.DesignError as exc:
            errors.setdefault(exc.field, []).append(exc.message)
        else:
            if required > MAX_SAMPLE:
                errors.setdefault("minimum_detectable_effect", []).append(
                    f"This design needs {required:,} per variant: detect a larger effect."
                )
            else:
                experiment.required_sample_per_variant = required
    if errors:
        raise ValidationError(errors)


def _experiment_event(
    experiment: Experiment, *, actor: Any, at: datetime, name: str, source: str, note: str = ""
) -> ExperimentEvent:
    return ExperimentEvent.objects.create(
        experiment=experiment,
        actor=actor,
        at=at,
        transition=name,
        from_status=source,
        to_status=experiment.status,
        note=note,
    )


def experiment_create(*, actor: Any, now: datetime | None = None, **fields: Any) -> Experiment:
    """Register a planned experiment. The owner defaults to the actor, the team to the
    owner's team; the required sample per variant is computed from the design."""
    _require(actor, EXPERIMENT_EDITORS, "register experiments")
    unknown = set(fields) - set(EXPERIMENT_FIELDS)
    if unknown:
        raise ValidationError({f: "Not an experiment field." for f in sorted(unknown)})
    if fields.get("owner") is None:
        fields["owner"] = actor
    if fields.get("team") is None:
        fields.pop("team", None)
        team = getattr(fields["owner"], "team", None)
        if team is None:
            raise ValidationError({"team": "Choose the team the experiment is for."})
        fields["team"] = team
    experiment = Experiment(**fields)
    with transaction.atomic():
        _clean_experiment(experiment)
        set_change_reason(experiment, f"registered by {_who(actor)}")
        experiment.save()
        _experiment_event(
            experiment, actor=actor, at=now or timezone.now(), name="create", source=""
        )
    return experiment


def experiment_update(
    *, experiment: Experiment, actor: Any, expected_version: int | None = None, **changes: Any
) -> Experiment:
    """Edit an experiment (If-Match). The design cannot change once it runs; an ended one
    takes only its cost and learnings."""
    _require(actor, EXPERIMENT_EDITORS, "edit experiments")
    unknown = set(changes) - set(EXPERIMENT_FIELDS)
    if unknown:
        raise ValidationError({f: "Not an experiment field." for f in sorted(unknown)})
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        _check_version(experiment, expected_version)
        allowed = experiment_editable_fields(experiment)
        refused = {
            key: (
                "An ended experiment only takes its cost and learnings."
                if experiment.is_ended
                else "The design is fixed once the experiment runs: register a new one."
            )
            for key, value in changes.items()
            if key not in allowed and getattr(experiment, key) != value
        }
        if refused:
            raise ValidationError(refused)
        for key, value in changes.items():
            setattr(experiment, key, value)
        experiment.version += 1
        _clean_experiment(experiment)
        set_change_reason(experiment, f"edited by {_who(actor)}")
        experiment.save()
    return experiment


def experiment_transition(
    *,
    experiment: Experiment,
    name: str,
    actor: Any,
    note: str = "",
    result: str = "",
    learnings: str = "",
    observed_sample_per_variant: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Experiment:
    """planned → running (start) → concluded (conclude) or stopped (stop, with a note);
    planned → cancelled (cancel, with a note). Each step is an `ExperimentEvent`.

    Concluding needs the result (win / loss / inconclusive), the learnings and the sample
    each variant reached (the smallest arm); `met_power` is then observed ≥ required."""
    now = now or timezone.now()
    note = (note or "").strip()
    learnings = (learnings or "").strip()
    with transaction.atomic():
        experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
        _check_version(experiment, expected_version)
        transition = Experiment.lifecycle.check(
            state=experiment.status, name=name, roles=_roles(actor)
        )
        if transition.needs_note and not note:
            raise ValidationError({"note": f"Say why ({transition.title.lower()})."})
        misplaced: dict[str, str] = {}
        if name != "conclude":
            if result:
                misplaced["result"] = "A result is given when concluding."
            if observed_sample_per_variant is not None:
                misplaced["observed_sample_per_variant"] = "The sample is given when concluding."
        if learnings and name not in ("conclude", "stop"):
            misplaced["learnings"] = "Learnings are written when concluding or stopping."
        if misplaced:
            raise ValidationError(misplaced)
        source = experiment.status
        experiment.status = transition.target
        if name == "start":
            experiment.started_at = now
        elif name == "conclude":  # missing or bad values are reported by the model's clean
            experiment.result = result
            experiment.learnings = learnings or experiment.learnings
            experiment.observed_sample_per_variant = observed_sample_per_variant
            experiment.concluded_at = now
            if observed_sample_per_variant is not None:
                experiment.met_power = design.met_power(
                    observed_per_variant=observed_sample_per_variant,
                    required_per_variant=experiment.required_sample_per_variant,
                )
        elif name == "stop" and learnings:
            experiment.learnings = learnings
        experiment.version += 1
        _clean_experiment(experiment)
        set_change_reason(experiment, f"{name} by {_who(actor)}")
        experiment.save()
        _experiment_event(experiment, actor=actor, at=now, name=name, source=source, note=note)
    return experiment
