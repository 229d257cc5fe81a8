"""Writes on trains, departures, freezes and calendar-feed tokens."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.lifecycle import Transition, TransitionError
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.slugs import unique_slug
from mops.core.timezones import default_time_zone
from releases.boarding.models import BoardingStatus
from releases.common import (
    DEPARTURE_EDITORS,
    FREEZE_EDITORS,
    MAX_MOVE_DAYS,
    TRAIN_EDITORS,
    check_version,
    copy_name,
    roles_of,
    who,
)
from releases.trains import schedule
from releases.trains.models import Departure, DepartureStatus, FeedToken, Freeze, Train

log = logging.getLogger(__name__)

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


def train_create(*, actor: User, **fields: Any) -> Train:
    """Create a train and materialise its departures over the horizon."""
    require_role(actor, TRAIN_EDITORS, "configure release trains")
    fields_check(fields, fields=TRAIN_FIELDS, message="Not a train field.")
    if "rrule" in fields:
        fields["rrule"] = _normalise_rrule(fields["rrule"])
    if not fields.get("slug"):
        fields["slug"] = unique_slug(Train, fields.get("name") or "train")
    if not fields.get("time_zone"):
        fields["time_zone"] = default_time_zone()  # MOPS_TIME_ZONE, not the model's fallback
    train = Train(**fields)
    with transaction.atomic():
        _clean_train(train)
        set_change_reason(train, f"created by {who(actor)}")
        train.save()
        departures_materialise(train=train)
    return train


def _normalise_rrule(value: str) -> str:
    try:
        return schedule.parse_rrule(value)
    except schedule.ScheduleError as exc:
        raise ValidationError({"rrule": exc.message}) from None


def train_update(
    *, train: Train, actor: User, expected_version: int | None = None, **changes: Any
) -> Train:
    """Edit a train. When its timing changes, future open departures nobody boarded or
    edited are re-generated; edited or boarded ones are kept as they are."""
    require_role(actor, TRAIN_EDITORS, "configure release trains")
    fields_check(changes, fields=TRAIN_FIELDS, message="Not a train field.")
    timing = {"rrule", "first_date", "start_time", "duration_minutes", "time_zone"}
    if "slug" in changes and not changes["slug"]:
        del changes["slug"]  # an emptied slug keeps the old one (links stay valid)
    with transaction.atomic():
        train = Train.objects.select_for_update().get(pk=train.pk)
        check_version(train, expected_version)
        if "rrule" in changes:
            changes["rrule"] = _normalise_rrule(changes["rrule"])
        retimed = bool(timing & set(model_update(train, fields=TRAIN_FIELDS, data=changes)))
        train.version += 1
        _clean_train(train)
        set_change_reason(train, f"edited by {who(actor)}")
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
    calendar = train.calendar
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
            closed.get(occurrence.start.astimezone(schedule.zone(calendar.time_zone)).date())
            if closed and calendar is not None
            else None
        )
        if day_off is not None and calendar is not None:
            departure.status = DepartureStatus.CANCELLED
            departure.note = f"Closed day on {calendar.name}: {day_off}."
        set_change_reason(
            departure, "materialised" if day_off is None else "materialised on a closed day"
        )
        departure.save()
        created.append(departure)
    return created


def _closed_dates(train: Train, start: datetime, end: datetime) -> dict[date, str]:
    """The train calendar's holidays and closed days from `start` to `end` (none without
    a calendar)."""
    calendar = train.calendar  # no query without one
    if calendar is None:
        return {}
    return calendar.closed_dates(range(start.year, end.year + 1))


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
    actor: User,
    expected_version: int | None = None,
    starts_at: datetime | None = None,
    capacity: int | None = None,
    note: str | None = None,
) -> Departure:
    """Move one departure or change its capacity. Capacity may not drop below the seats
    already taken; moving recomputes the cutoff."""
    require_role(actor, DEPARTURE_EDITORS, "edit departures")
    with transaction.atomic():
        departure = (
            Departure.objects.select_for_update().select_related("train").get(pk=departure.pk)
        )
        check_version(departure, expected_version)
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
        model_save(departure, reason=f"edited by {who(actor)}")
    return departure


def departure_transition(
    *, departure: Departure, name: str, actor: User | None, note: str = ""
) -> Departure:
    """open → boarding_closed → departed → closed, or cancelled. Cancelling a departure
    with work on it is refused: move the work first. The step is recorded as the
    departure's history row (actor, from, to, note)."""

    def guard(locked: Departure, transition: Transition, source: str) -> None:
        if transition.needs_note and not note.strip():
            raise ValidationError({"note": f"Say why ({transition.title.lower()})."})
        boarded = locked.boardings.filter(status=BoardingStatus.BOARDED)
        if name == "cancel" and boarded.exists():
            raise ValidationError(
                {"departure": "Work is boarded on this departure: move it to another first."}
            )
        if name == "close" and boarded.exists():
            raise ValidationError(
                {"departure": "Mark every item live or rolled back before closing."}
            )
        if note:
            locked.note = (locked.note + "\n" + note).strip()

    return Departure.lifecycle.apply(
        departure, name, actor, note, roles=roles_of(actor), guard=guard
    )


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


def freeze_create(*, actor: User, **fields: Any) -> Freeze:
    require_role(actor, FREEZE_EDITORS, "declare freezes")
    fields_check(fields, fields=FREEZE_FIELDS, message="Not a freeze field.")
    if fields.get("rrule"):
        fields["rrule"] = _normalise_rrule(fields["rrule"])
    freeze = Freeze(created_by=actor, **fields)
    with transaction.atomic():
        model_save(freeze, reason=f"declared by {who(actor)}")
    return freeze


def freeze_update(
    *, freeze: Freeze, actor: User, expected_version: int | None = None, **changes: Any
) -> Freeze:
    require_role(actor, FREEZE_EDITORS, "edit freezes")
    fields_check(changes, fields=FREEZE_FIELDS, message="Not a freeze field.")
    with transaction.atomic():
        freeze = Freeze.objects.select_for_update().get(pk=freeze.pk)
        check_version(freeze, expected_version)
        if changes.get("rrule"):
            changes["rrule"] = _normalise_rrule(changes["rrule"])
        model_update(freeze, fields=FREEZE_FIELDS, data=changes)
        freeze.version += 1
        model_save(freeze, reason=f"edited by {who(actor)}")
    return freeze


def freeze_delete(*, freeze: Freeze, actor: User) -> None:
    require_role(actor, FREEZE_EDITORS, "delete freezes")
    with transaction.atomic():
        set_change_reason(freeze, f"deleted by {who(actor)}")
        freeze.delete()


def active_freeze_rules() -> list[schedule.FreezeRule]:
    return [f.rule() for f in Freeze.objects.filter(active=True)]


def train_copy(*, train: Train, actor: User) -> Train:
    """A new train with `train`'s schedule, capacity, cutoff and calendar, inactive until
    it is edited (so two trains never silently double a launch window)."""
    fields = {f: getattr(train, f) for f in TRAIN_FIELDS if f not in ("name", "slug", "owner")}
    fields["active"] = False
    return train_create(actor=actor, name=copy_name(Train, train.name), owner=actor, **fields)


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


FEED_TOUCH_EVERY = timedelta(minutes=10)


def feed_token_touch(*, token: FeedToken, now: datetime | None = None) -> None:
    """Stamp when a calendar app last fetched the feed, at most every ten minutes.

    A usage stamp, not a change: a plain UPDATE of `last_used_at` with no history row (a
    calendar polling every few minutes would otherwise flood the audit trail)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at > FEED_TOUCH_EVERY:
        FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)


def feed_token_for(user: Any) -> FeedToken:
    token = FeedToken.objects.filter(user=user).first()
    return token or feed_token_rotate(user=user)
