"""SLA policy and business calendar pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, READ_EVERYTHING
from mops.core.views import ObjectEditView

from .. import selectors
from ..forms import CalendarForm, SlaPolicyForm
from ..models import Calendar, SlaPolicy
from ..services import (
    calendar_create,
    calendar_update,
    can_edit_calendars,
    sla_policy_create,
    sla_policy_update,
)


class SlaListView(RoleRequiredMixin, TemplateView):
    template_name = "catalog/sla_list.html"
    read_roles = READ_EVERYTHING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["policies"] = list(selectors.sla_policies())
        context["calendars"] = list(selectors.calendars())
        context["can_edit"] = can_edit_calendars(self.request.user)
        return context


class CalendarDetailView(RoleRequiredMixin, TemplateView):
    template_name = "catalog/calendar_detail.html"
    read_roles = READ_EVERYTHING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        calendar = get_object_or_404(selectors.calendars(), slug=kwargs["slug"])
        today = timezone.localdate()
        upcoming = [
            (day, name)
            for day, name in calendar.closed_dates([today.year, today.year + 1]).items()
            if today <= day <= today + timedelta(days=365)
        ]
        context = super().get_context_data(**kwargs)
        context.update(
            calendar=calendar,
            upcoming=upcoming,
            can_edit=can_edit_calendars(self.request.user),
            policies=list(calendar.sla_policies.all()),
        )
        return context


class CalendarEditView(ObjectEditView):
    read_roles = write_roles = ADMINS
    model, form_class, object_name = Calendar, CalendarForm, "calendar"
    template_name = "catalog/calendar_form.html"
    create_service = staticmethod(calendar_create)  # calendar_create(actor=, **fields)
    update_service = staticmethod(calendar_update)  # calendar_update(calendar=, actor=, **fields)
    success_message = "Calendar “{obj.name}” saved."
    field_map = {"working_hours": "day_0"}  # the week's hours are entered day by day

    def get_initial(self, calendar: Calendar | None) -> dict[str, Any]:
        if calendar is not None:
            return CalendarForm.initial_for(calendar)
        return {"time_zone": settings.TIME_ZONE, **{f"day_{d}": "09:00-17:00" for d in range(5)}}

    def service_fields(self, calendar: Calendar | None, form: Any) -> dict[str, Any]:
        names = ("name", "slug", "time_zone", "working_hours", "closed_days")
        return {n: form.cleaned_data[n] for n in names} | {
            "holiday_regions": form.holiday_regions()
        }

    def get_success_url(self, saved: Calendar) -> str:
        return reverse("catalog:calendar_detail", args=[saved.slug])


class SlaPolicyEditView(ObjectEditView):
    read_roles = write_roles = ADMINS
    model, form_class, object_name = SlaPolicy, SlaPolicyForm, "policy"
    template_name = "catalog/policy_form.html"
    create_service = staticmethod(sla_policy_create)
    update_service = staticmethod(sla_policy_update)
    success_message = "SLA policy “{obj.name}” saved."
    success_url = "catalog:sla_list"

    def service_fields(self, obj: Any, form: Any) -> dict[str, Any]:
        return cast(SlaPolicyForm, form).service_fields()


class HolidayPreviewView(RoleRequiredMixin, View):
    """htmx: the calendar form's region choices for the picked country and its next holidays."""

    read_roles = ADMINS

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CalendarForm(
            initial={
                "holiday_country": request.GET.get("holiday_country", "")[:10],
                "holiday_subdivision": request.GET.get("holiday_subdivision", "")[:10],
            }
        )
        return render(request, "catalog/includes/holiday_fields.html", {"form": form})
