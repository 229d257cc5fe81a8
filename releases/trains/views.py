"""Pages of the calendar, trains, departures, freezes and the iCalendar feeds."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import MOPS_STAFF, READ_EVERYTHING, has_role, user_roles
from mops.core.actors import actor_of
from mops.core.views import ObjectEditView, ObjectListView, call_service
from releases.boarding import selectors as boarding_selectors
from releases.boarding import services as boarding_services
from releases.boarding.models import Boarding
from releases.common import (
    BOARDERS,
    DEPARTURE_EDITORS,
    FREEZE_EDITORS,
    LAUNCHERS,
    REFUSAL_LABELS,
    TRAIN_EDITORS,
)
from releases.pages import parse_date
from releases.trains import schedule
from releases.trains import selectors as trains_selectors
from releases.trains import services as trains_services
from releases.trains.filters import FreezeFilter, TrainFilter
from releases.trains.forms import DepartureEditForm, FreezeForm, TrainForm
from releases.trains.ical import freezes_feed, train_feed
from releases.trains.models import Departure, DepartureStatus, FeedToken, Freeze, Train

# --- calendar ---------------------------------------------------------------------------------


class CalendarView(RoleRequiredMixin, View):
    """Month or week view of departures (with what is on them) and freezes; feed URLs."""

    read_roles = READ_EVERYTHING
    write_roles = READ_EVERYTHING  # rotating one's own feed token

    def get(self, request: HttpRequest) -> HttpResponse:
        mode = request.GET.get("mode", "month")
        anchor = parse_date(request.GET.get("date")) or timezone.localdate()
        train_ids = None
        raw_train = request.GET.get("train", "")
        if raw_train.isdigit():
            train_ids = [int(raw_train)]
        view = trains_selectors.calendar_view(
            mode=mode,
            anchor=anchor,
            tz_name=timezone.get_current_timezone_name(),
            train_ids=train_ids,
        )
        token = FeedToken.objects.filter(user=actor_of(request)).first()
        all_trains = list(trains_selectors.trains().filter(active=True))
        feeds = []
        if token is not None:
            base = request.build_absolute_uri("/")[:-1]
            feeds = [
                (t.name, base + reverse("releases:train_feed", args=[token.key, t.pk]))
                for t in all_trains
            ]
            feeds.append(("Freezes", base + reverse("releases:freezes_feed", args=[token.key])))
        # Calendar apps subscribe from a webcal: link (same address, the app's scheme).
        links = [(name, url, "webcal://" + url.split("://", 1)[1]) for name, url in feeds]
        return render(
            request,
            "releases/calendar.html",
            {
                "view": view,
                "trains": all_trains,
                "train_id": train_ids[0] if train_ids else None,
                "feeds": links,
                "has_token": token is not None,
                "today": timezone.localdate(),
                "waiting": boarding_selectors.requests_waiting_to_board(),
                "can_board": has_role(request.user, BOARDERS),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        trains_services.feed_token_rotate(user=request.user)
        messages.success(request, "New feed address issued; the old one no longer works.")
        return redirect(reverse("releases:calendar") + "#feeds")


# --- trains -----------------------------------------------------------------------------------


class TrainListView(ObjectListView):
    template_name = "releases/train_list.html"
    read_roles = MOPS_STAFF | READ_EVERYTHING
    filterset_class = TrainFilter
    selector = staticmethod(trains_selectors.trains)
    edit_roles = TRAIN_EDITORS


class TrainDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        train = get_object_or_404(trains_selectors.trains(), slug=slug)
        upcoming = list(
            trains_selectors.departures()
            .filter(train=train, ends_at__gte=timezone.now())
            .order_by("starts_at")[:30]
        )
        return render(
            request,
            "releases/train_detail.html",
            {
                "train": train,
                "departures": upcoming,
                "frozen": trains_selectors.frozen_map(upcoming),
                "can_edit": has_role(request.user, TRAIN_EDITORS),
            },
        )


class TrainFormView(ObjectEditView):
    read_roles = write_roles = TRAIN_EDITORS
    model, form_class, object_name = Train, TrainForm, "train"
    template_name = "releases/train_form.html"
    create_service = staticmethod(trains_services.train_create)
    update_service = staticmethod(trains_services.train_update)
    version_field, success_message = "version", "Saved {obj.name}."

    def get_initial(self, obj: Train | None) -> dict[str, Any]:
        if obj is None:
            return {"first_date": timezone.localdate()}
        initial = {f: getattr(obj, f) for f in trains_services.TRAIN_FIELDS if f != "owner"}
        return {**initial, "version": obj.version}

    def service_fields(self, obj: Any, form: Any) -> dict[str, Any]:
        fields = super().service_fields(obj, form)
        fields["channels"] = list(fields.get("channels") or [])
        return fields

    def create_kwargs(self, extra: dict[str, Any]) -> dict[str, Any]:
        return {"owner": actor_of(self.request)}


# --- departures -------------------------------------------------------------------------------


class DepartureDetailView(RoleRequiredMixin, View):
    """The manifest: what is on the departure, move to next, remove, mark live / rolled back,
    and the departure's own edits (move, capacity, cancel, close boarding)."""

    read_roles = READ_EVERYTHING
    write_roles = MOPS_STAFF
    action_roles = {
        "edit": DEPARTURE_EDITORS,
        "transition": MOPS_STAFF,
        "move_next": BOARDERS,
        "remove": BOARDERS,
        "live": LAUNCHERS,
        "rolled_back": LAUNCHERS,
    }

    def _departure(self, pk: int) -> Departure:
        return get_object_or_404(trains_selectors.departures(with_manifest=True), pk=pk)

    def get(self, request: HttpRequest, pk: int, form: forms.Form | None = None) -> HttpResponse:
        departure = self._departure(pk)
        tz = schedule.zone(departure.train.time_zone)
        edit_form = form or DepartureEditForm(
            initial={
                "capacity": departure.capacity,
                "note": departure.note,
                "version": departure.version,
                "starts_at": departure.starts_at.astimezone(tz).replace(tzinfo=None),
            }
        )
        return render(
            request,
            "releases/departure_detail.html",
            {
                "departure": departure,
                "rows": trains_selectors.manifest_rows(departure),
                "frozen": trains_selectors.frozen_map([departure]).get(departure.pk, []),
                "transitions": Departure.lifecycle.available(
                    state=departure.status, roles=user_roles(request.user)
                ),
                "next_departure": boarding_services.departure_next(departure),
                "edit_form": edit_form,
                "can_edit": has_role(request.user, DEPARTURE_EDITORS),
                "can_board": has_role(request.user, BOARDERS),
                "has_left": boarding_services.departure_has_left(departure),
                "waiting": boarding_selectors.requests_waiting_to_board(train=departure.train)
                if departure.status == DepartureStatus.OPEN
                else [],
                "now": timezone.now(),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        departure = self._departure(pk)
        action = request.POST.get("action", "")
        if action == "edit":
            form = DepartureEditForm(request.POST)
            if not form.is_valid():
                return self.get(request, pk, form=form)
            starts_at = form.cleaned_data.get("starts_at")
            if starts_at is not None:
                tz = schedule.zone(departure.train.time_zone)
                starts_at = schedule.localize(starts_at.replace(tzinfo=None), tz)
            ok, _ = call_service(
                request,
                trains_services.departure_update,
                departure=departure,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                starts_at=starts_at,
                capacity=form.cleaned_data.get("capacity"),
                note=form.cleaned_data.get("note"),
            )
            done = "Departure updated."
        elif action == "transition":
            ok, _ = call_service(
                request,
                trains_services.departure_transition,
                departure=departure,
                name=request.POST.get("name", ""),
                actor=request.user,
                note=request.POST.get("note", ""),
            )
            done = "Departure updated."
        elif action in ("move_next", "remove", "live", "rolled_back"):
            boarding = get_object_or_404(
                Boarding, pk=request.POST.get("boarding") or 0, departure=departure
            )
            note = request.POST.get("note", "")
            if action == "move_next":
                ok, moved = call_service(
                    request,
                    boarding_services.boarding_move,
                    field_map=REFUSAL_LABELS,
                    boarding=boarding,
                    actor=request.user,
                )
                done = f"Moved to {moved.departure}." if moved is not None else ""
            elif action == "remove":
                ok, _ = call_service(
                    request,
                    boarding_services.boarding_remove,
                    field_map=REFUSAL_LABELS,
                    boarding=boarding,
                    actor=request.user,
                    note=note,
                )
                done = "Taken off the departure."
            else:
                ok, _ = call_service(
                    request,
                    boarding_services.boarding_mark,
                    field_map=REFUSAL_LABELS,
                    boarding=boarding,
                    outcome=action,
                    actor=request.user,
                    note=note,
                )
                done = f"Marked {action.replace('_', ' ')}."
        else:
            ok, done = False, ""
            messages.error(request, f"Unknown action '{action}'.")
        if ok:
            messages.success(request, done)
        return redirect(departure.get_absolute_url())


# --- freezes ----------------------------------------------------------------------------------


class FreezeListView(ObjectListView):
    template_name = "releases/freeze_list.html"
    read_roles = READ_EVERYTHING
    filterset_class = FreezeFilter
    selector = staticmethod(trains_selectors.freezes)
    edit_roles = FREEZE_EDITORS


class FreezeFormView(ObjectEditView):
    read_roles = write_roles = FREEZE_EDITORS
    model, form_class, object_name, lookup = Freeze, FreezeForm, "freeze", "pk"
    template_name = "releases/freeze_form.html"
    create_service = staticmethod(trains_services.freeze_create)
    update_service = staticmethod(trains_services.freeze_update)
    version_field, success_message, success_url = "version", "Freeze saved.", "releases:freeze_list"

    def get_initial(self, obj: Freeze | None) -> dict[str, Any]:
        if obj is None:
            return {}
        tz = schedule.zone(obj.time_zone)
        initial = {f: getattr(obj, f) for f in trains_services.FREEZE_FIELDS}
        initial["version"] = obj.version
        if obj.starts_at:
            initial["starts_on"] = obj.starts_at.astimezone(tz).date()
        if obj.ends_at:
            initial["ends_on"] = (obj.ends_at.astimezone(tz) - timedelta(seconds=1)).date()
        return initial

    def service_fields(self, obj: Any, form: Any) -> dict[str, Any]:
        """The form's dates as the freeze's instants; a rule, zone or time that cannot be
        used is the form's error on its field."""
        data = form.cleaned_data
        try:
            tz = schedule.zone(data.get("time_zone") or "UTC")
        except schedule.ScheduleError as exc:
            field = exc.field if exc.field in form.fields else NON_FIELD_ERRORS
            raise ValidationError({field: exc.message}) from exc
        fields = {
            key: data.get(key)
            for key in ("name", "reason", "kind", "time_zone", "rrule", "first_date", "start_time")
        }
        fields["reason"] = fields["reason"] or ""
        fields["rrule"] = fields["rrule"] or ""
        fields["channels"] = list(data.get("channels") or [])
        fields["duration_minutes"] = data.get("duration_minutes")
        fields["active"] = bool(data.get("active"))
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        fields["starts_at"] = datetime.combine(starts_on, time(0), tzinfo=tz) if starts_on else None
        fields["ends_at"] = (
            datetime.combine(ends_on + timedelta(days=1), time(0), tzinfo=tz) if ends_on else None
        )
        if fields["kind"] == Freeze.Kind.ONE_OFF:
            fields.update(rrule="", first_date=None, start_time=None, duration_minutes=None)
        else:
            fields.update(starts_at=None, ends_at=None)
        return fields

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        freeze = self.get_object()
        if freeze is not None and request.POST.get("action") == "delete":
            trains_services.freeze_delete(freeze=freeze, actor=actor_of(request))
            messages.success(request, "Freeze deleted.")
            return redirect("releases:freeze_list")
        return super().post(request, *args, **kwargs)


# --- iCalendar feeds --------------------------------------------------------------------------


def _feed_user(token: str) -> Any:
    found = trains_selectors.feed_token_lookup(token)
    if found is None or not has_role(found.user, READ_EVERYTHING):
        raise Http404("Unknown feed.")
    trains_services.feed_token_touch(token=found)
    return found.user


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def train_feed_view(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """A train's departures as iCalendar, for Google Calendar / Outlook subscriptions."""
    _feed_user(token)
    train = get_object_or_404(Train, pk=pk)
    return _ics(train_feed(train, base_url=request.build_absolute_uri("/")[:-1]), train.slug)


def freezes_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    _feed_user(token)
    return _ics(freezes_feed(), "freezes")


class TrainCopyView(RoleRequiredMixin, View):
    write_roles = TRAIN_EDITORS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        copy = trains_services.train_copy(
            train=get_object_or_404(Train, slug=slug), actor=actor_of(request)
        )
        messages.success(request, f"Copied to “{copy.name}” (inactive): adjust it, then activate.")
        return redirect("releases:train_edit", slug=copy.slug)
