"""Watch pages: incidents (acknowledge / resolve), monitors with uptime, runbooks with
search, and the public heartbeat endpoint /ping/<uuid>. Thin: parse, call a service or
selector, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING, has_role, user_roles
from mops.core.actors import actor_of
from mops.core.richtext import render_markdown
from mops.core.views import call_service

from .. import selectors as hs
from ..filters import IncidentFilter
from ..forms import (
    MonitorForm,
    RunbookForm,
)
from ..models import Incident, IncidentStatus, Monitor, Runbook
from ..services import (
    incident_acknowledge,
    incident_resolve,
    monitor_ping,
    monitor_save,
    runbook_save,
)
from .datasets import EditPage


class MonitorEditView(EditPage):
    read_roles = write_roles = ADMINS
    model, form_class, object_name = Monitor, MonitorForm, "monitor"
    create_service = update_service = staticmethod(monitor_save)
    success_message = "Monitor {obj} saved."

    def get_initial(self, monitor: Monitor | None) -> dict[str, Any]:
        if monitor is None:
            return {"period_minutes": 60, "grace_minutes": 15}
        return {
            "name": monitor.name,
            "description": monitor.description,
            "period_minutes": int(monitor.period.total_seconds() // 60),
            "grace_minutes": int(monitor.grace.total_seconds() // 60),
            "runbook": monitor.runbook_id,
            "paused": monitor.status == "paused",
        }

    def service_fields(self, monitor: Monitor | None, form: Any) -> dict[str, Any]:
        period, grace = form.durations()
        names = ("name", "description", "runbook", "paused")
        return {n: form.cleaned_data[n] for n in names} | {"period": period, "grace": grace}


class RunbookEditView(EditPage):
    read_roles = write_roles = MOPS_STAFF
    model, form_class, object_name, lookup = Runbook, RunbookForm, "runbook", "slug"
    create_service = update_service = staticmethod(runbook_save)
    version_field, success_message = "version", "Runbook saved (v{obj.version})."

    def get_initial(self, runbook: Runbook | None) -> dict[str, Any]:
        if runbook is None:
            return {}
        names = ("slug", "title", "summary", "body", "version")
        return {n: getattr(runbook, n) for n in names} | {
            "failure_modes": ", ".join(runbook.failure_modes)
        }

    def service_fields(self, runbook: Runbook | None, form: Any) -> dict[str, Any]:
        return super().service_fields(runbook, form) | {"failure_modes": form.modes()}


class IncidentListView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = IncidentFilter(request.GET, queryset=hs.incidents_list())
        qs = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        return render(
            request,
            "governance/incident_list.html",
            {
                "incidents": qs[:200],
                "filter": filterset,
                "statuses": IncidentStatus.choices,
                "times": hs.incident_response_times(),
            },
        )


class IncidentDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING
    write_roles = MOPS_STAFF

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = get_object_or_404(hs.incidents_list().select_related("run", "rotation"), pk=pk)
        sample_result = None
        if incident.run is not None and incident.check_key:  # loaded with the incident
            sample_result = incident.run.results.filter(key=incident.check_key).first()
        return render(
            request,
            "governance/incident_detail.html",
            {
                "incident": incident,
                "events": incident.events.select_related("actor"),
                "result": sample_result,
                "actions": incident.lifecycle.available(
                    state=incident.status, roles=user_roles(request.user)
                ),
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = get_object_or_404(Incident, pk=pk)
        action = request.POST.get("transition", "")
        note = request.POST.get("note", "")[:2000]
        steps: dict[str, Callable[..., Incident]] = {
            "acknowledge": incident_acknowledge,
            "resolve": incident_resolve,
        }
        step = steps.get(action)
        if step is None:
            messages.error(request, "Unknown action.")
        else:
            call_service(request, step, incident=incident, actor=actor_of(request), note=note)
        return redirect(incident.get_absolute_url())


class MonitorListView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "governance/monitor_list.html",
            {
                "monitors": hs.monitors_with_uptime(7),
                "site_url": request.build_absolute_uri("/")[:-1],
                "can_admin": has_role(request.user, ADMINS),
            },
        )


class MonitorDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        monitor = get_object_or_404(Monitor.objects.select_related("runbook"), pk=pk)
        end = timezone.now()
        windows = [
            (label, hs.monitor_uptime(monitor, end - delta, end))
            for label, delta in (
                ("24 h", timedelta(days=1)),
                ("7 days", timedelta(days=7)),
                ("30 days", timedelta(days=30)),
            )
        ]
        incidents = monitor.incidents.order_by("-opened_at")
        return render(
            request,
            "governance/monitor_detail.html",
            {
                "monitor": monitor,
                "windows": windows,
                "pings": monitor.pings.all()[:20],
                "incidents": incidents[:20],
                "times": hs.incident_response_times(incidents),
                "ping_url": request.build_absolute_uri(monitor.ping_path),
                "can_admin": has_role(request.user, ADMINS),
            },
        )


class RunbookListView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        q = request.GET.get("q", "")[:200]
        return render(
            request,
            "governance/runbook_list.html",
            {
                "runbooks": hs.runbooks_search(q),
                "q": q,
                "can_edit": has_role(request.user, MOPS_STAFF),
            },
        )


class RunbookDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        runbook = get_object_or_404(Runbook, slug=slug)
        return render(
            request,
            "governance/runbook_detail.html",
            {
                "runbook": runbook,
                "html": render_markdown(runbook.body),
                "versions": runbook.history.select_related("history_user")[:10],
                "can_edit": has_role(request.user, MOPS_STAFF),
            },
        )


@csrf_exempt
@require_http_methods(["GET", "POST", "HEAD"])
def ping(request: HttpRequest, uuid: str) -> HttpResponse:
    """Heartbeat from an automation: no login, GET or POST; 404 for an unknown uuid."""
    monitor = Monitor.objects.filter(uuid=uuid).first()
    if monitor is None:
        return HttpResponse("unknown monitor\n", status=404, content_type="text/plain")
    monitor_ping(
        monitor=monitor,
        method=request.method or "GET",
        remote_addr=request.META.get("REMOTE_ADDR"),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return HttpResponse("OK\n", content_type="text/plain")
