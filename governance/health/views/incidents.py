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
    read_roles = ADMINS
    write_roles = ADMINS
    model = Monitor
    form_class = MonitorForm
    noun = "monitor"

    def initial(self, request: HttpRequest, monitor: Monitor | None) -> dict[str, Any]:
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

    def save(self, request: HttpRequest, form: Any, monitor: Monitor | None) -> Monitor | None:
        period, grace = form.durations()
        _, saved = call_service(
            request,
            monitor_save,
            form=form,
            actor=actor_of(request),
            monitor=monitor,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            period=period,
            grace=grace,
            runbook=form.cleaned_data["runbook"],
            paused=form.cleaned_data["paused"],
        )
        return saved

    def after_save(self, request: HttpRequest, saved: Monitor) -> None:
        messages.success(request, f"Monitor {saved} saved.")


class RunbookEditView(EditPage):
    read_roles = MOPS_STAFF
    write_roles = MOPS_STAFF
    model = Runbook
    form_class = RunbookForm
    noun = "runbook"
    lookup = "slug"

    def initial(self, request: HttpRequest, runbook: Runbook | None) -> dict[str, Any]:
        if runbook is None:
            return {}
        return {
            "slug": runbook.slug,
            "title": runbook.title,
            "summary": runbook.summary,
            "failure_modes": ", ".join(runbook.failure_modes),
            "body": runbook.body,
            "version": runbook.version,
        }

    def save(self, request: HttpRequest, form: Any, runbook: Runbook | None) -> Runbook | None:
        data = form.cleaned_data
        _, saved = call_service(
            request,
            runbook_save,
            form=form,
            actor=actor_of(request),
            runbook=runbook,
            slug=data["slug"],
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            failure_modes=form.modes(),
            expected_version=data["version"],
        )
        return saved

    def after_save(self, request: HttpRequest, saved: Runbook) -> None:
        messages.success(request, f"Runbook saved (v{saved.version}).")


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
