"""Office hours pages: series, sessions, booking, attendance and the iCalendar feeds."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, has_role
from mops.core.actors import actor_of
from mops.core.views import call_service

from .. import feeds, selectors
from ..forms import (
    AttendanceForm,
    OfficeHoursForm,
)
from ..models import OfficeHours, OfficeHoursSession
from ..services import (
    EDITORS,
    LEARNERS,
    OFFICE_HOURS_FIELDS,
    booking_cancel,
    office_hours_save,
    session_attendance,
    session_book,
    session_cancel,
)


class OfficeHoursView(RoleRequiredMixin, View):
    """Upcoming sessions with seats left and the person's bookings; the series for editors;
    the calendar feed address, which POST replaces (one's own)."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES  # rotating one's own feed address

    def get(self, request: HttpRequest) -> HttpResponse:
        sessions = list(selectors.sessions_upcoming(request.user)[:60])
        feed = reverse("enablement:office_hours_feed", args=[feeds.feed_token(actor_of(request))])
        feed_url = request.build_absolute_uri(feed)
        return render(
            request,
            "enablement/office_hours.html",
            {
                "sessions": sessions,
                "mine": [s for s in sessions if s.mine],  # type: ignore[attr-defined]  # annotated
                "series": selectors.office_hours_series()
                if has_role(request.user, EDITORS)
                else [],
                "can_edit": has_role(request.user, EDITORS),
                "can_book": has_role(request.user, LEARNERS),
                "feed_url": feed_url,
                "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        feeds.office_hours_feed_rotate(actor=actor_of(request))
        messages.success(request, "New feed address issued; the old one no longer works.")
        return redirect(reverse("enablement:office_hours") + "#feed")


class OfficeHoursEditView(RoleRequiredMixin, View):
    read_roles = EDITORS
    write_roles = EDITORS

    def _render(self, request: HttpRequest, form: OfficeHoursForm, series: OfficeHours | None, status: int = 200) -> HttpResponse:  # fmt: skip
        return render(
            request,
            "enablement/office_hours_form.html",
            {"form": form, "series": series},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        series = get_object_or_404(OfficeHours, pk=pk) if pk else None
        initial: dict[str, Any] = {"host": request.user.pk}
        if series is not None:
            initial = {f: getattr(series, f) for f in OFFICE_HOURS_FIELDS}
            initial["host"], initial["version"] = series.host_id, series.version
        return self._render(request, OfficeHoursForm(initial=initial), series)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        series = get_object_or_404(OfficeHours, pk=pk) if pk else None
        form = OfficeHoursForm(request.POST)
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in OFFICE_HOURS_FIELDS}
            ok, saved = call_service(
                request,
                office_hours_save,
                form=form,
                actor=request.user,
                data=data,
                series=series,
                expected_version=form.cleaned_data["version"] if series else None,
            )
            if ok and saved is not None:
                messages.success(request, f"Office hours saved: {saved.describe()}.")
                return redirect("enablement:office_hours")
        return self._render(request, form, series, status=400)


def _session(pk: int, user: Any) -> OfficeHoursSession:
    return get_object_or_404(selectors.sessions_with_seats(user), pk=pk)


class SessionDetailView(RoleRequiredMixin, View):
    """One session: book or give back a seat; for the host (or a PM/admin) the bookings,
    attendance marking and cancelling the session."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, pk: int, form: AttendanceForm | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
        session = _session(pk, request.user)
        manage = selectors.session_manageable_by(request.user, session)
        bookings = list(selectors.session_bookings(session)) if manage else []
        active = [b for b in bookings if b.cancelled_at is None]
        if form is None and manage:
            form = AttendanceForm(
                active,
                initial={
                    "version": session.version,
                    "attended": [str(b.user_id) for b in active if b.attended],
                },
            )
        now = timezone.now()
        return render(
            request,
            "enablement/session_detail.html",
            {
                "session": session,
                "series": session.series,
                "started": session.starts_at <= now,
                "cancelled": session.status == "cancelled",
                "can_book": has_role(request.user, LEARNERS),
                "manage": manage,
                "bookings": bookings,
                "form": form,
            },
            status=status,
        )


class SessionBookView(RoleRequiredMixin, View):
    """Take a seat; `SessionUnbookView` gives it back. One service call, then the session."""

    write_roles = LEARNERS
    service = staticmethod(session_book)
    done = "You have a seat. It is in your office-hours calendar feed."

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(OfficeHoursSession, pk=pk)
        ok, _ = call_service(request, self.service, actor=request.user, session=session)
        if ok:
            messages.success(request, self.done)
        return redirect(session.get_absolute_url())


class SessionUnbookView(SessionBookView):
    service = staticmethod(booking_cancel)
    done = "Your booking is cancelled; the seat is free again."


class SessionAttendanceView(RoleRequiredMixin, View):
    write_roles = MOPS_STAFF  # the service also requires the host, a PM or an admin

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(OfficeHoursSession, pk=pk)
        active = selectors.session_bookings(session).filter(cancelled_at__isnull=True)
        form = AttendanceForm(list(active), request.POST)
        if form.is_valid():
            ok, _ = call_service(
                request,
                session_attendance,
                form=form,
                actor=request.user,
                session=session,
                attended=form.cleaned_data["attended"],
                expected_version=form.cleaned_data["version"],
            )
            if ok:
                messages.success(request, "Attendance saved.")
                return redirect(session.get_absolute_url())
        return SessionDetailView().get(request, pk, form=form, status=400)


class SessionCancelView(RoleRequiredMixin, View):
    write_roles = MOPS_STAFF  # the service also requires the host, a PM or an admin

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(OfficeHoursSession, pk=pk)
        ok, _ = call_service(
            request,
            session_cancel,
            actor=request.user,
            session=session,
            reason=request.POST.get("reason", "")[:300],
        )
        if ok:
            messages.success(request, "Session cancelled; everyone booked is told by e-mail.")
        return redirect(session.get_absolute_url())


def _ics(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="office-hours.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def office_hours_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """The feed for calendar subscriptions: the token in the address is the credential."""
    user = feeds.feed_user(token)
    if user is None:
        raise Http404("Unknown feed.")
    return _ics(feeds.office_hours_feed(user, base_url=request.build_absolute_uri("/")[:-1]))


class OfficeHoursMyFeedView(RoleRequiredMixin, View):
    """The same feed for a signed-in person (a download)."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return _ics(
            feeds.office_hours_feed(request.user, base_url=request.build_absolute_uri("/")[:-1])
        )
