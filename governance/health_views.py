"""Data-health and watch pages: datasets with scores, dataset / contract page (semantics
next to every check, run now, YAML export / import), run detail with failing samples,
incidents (acknowledge / resolve), monitors with uptime, runbooks with search, and the
public heartbeat endpoint /ping/<uuid>. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING, has_role, user_roles
from mops.core.lifecycle import TransitionError
from mops.core.richtext import render_markdown
from mops.core.uploads import content_disposition

from . import health_selectors as hs
from .contract_codec import contract_to_yaml
from .contract_spec import DIMENSIONS
from .filters import IncidentFilter
from .health_forms import (
    ContractYamlForm,
    DatasetForm,
    DbtImportForm,
    MonitorForm,
    RunbookForm,
    WarehouseForm,
)
from .health_services import (
    RunInProgress,
    contract_draft,
    contract_import_yaml,
    dataset_introspect,
    dataset_run_pending,
    dataset_run_queue,
    dataset_save,
    datasets_import_dbt,
    incident_acknowledge,
    incident_resolve,
    monitor_ping,
    monitor_save,
    runbook_save,
    warehouse_save,
)
from .models import CheckRun, Dataset, Incident, IncidentStatus, Monitor, Runbook, Warehouse
from .services import StaleVersion


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def contract_yaml(dataset: Dataset) -> str:
    contract = dataset.contract
    return contract_to_yaml(
        contract.spec,
        name=f"{dataset.schema}.{dataset.table}",
        version=contract.version,
        status=contract.status,
        description=contract.description,
        owner=dataset.owner.username if dataset.owner_id else "",
        consumers=list(contract.consumers),
        server=dataset.warehouse.name,
    )


class DatasetListView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        datasets = list(hs.datasets_with_health())
        return render(
            request,
            "governance/dataset_list.html",
            {
                "datasets": datasets,
                "dimensions": DIMENSIONS,
                "can_admin": has_role(request.user, ADMINS),
            },
        )


class DatasetDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING
    write_roles = MOPS_STAFF

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = get_object_or_404(hs.datasets_with_health(), pk=pk)
        pending = dataset_run_pending(dataset)
        if getattr(request, "htmx", False) and request.htmx.target == "run-status":
            # The page's poll: while the run is queued or running, the status again; when
            # it ended, reload the whole page (scores, checks, incidents all changed).
            if pending:
                return render(request, "governance/_run_status.html", {"pending": True})
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        runs = hs.dataset_runs(dataset)
        last = runs[0] if runs else None
        results = list(last.results.all()) if last else []
        trends = hs.score_trends(runs)
        contract = getattr(dataset, "contract", None)
        return render(
            request,
            "governance/dataset_detail.html",
            {
                "dataset": dataset,
                "contract": contract,
                "runs": runs[:10],
                "last": last,
                "results": results,
                "sparklines": [
                    (d, hs.sparkline_points(trends[d]), trends[d][-1] if trends[d] else None)
                    for d in DIMENSIONS
                ],
                "history": contract.history.all()[:10] if contract else [],
                "incidents": dataset.incidents.exclude(status=IncidentStatus.RESOLVED),
                "can_edit": has_role(request.user, ADMINS),
                "pending": pending,
            },
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = get_object_or_404(Dataset, pk=pk)
        try:
            dataset_run_queue(
                dataset=dataset, actor=request.user, mode=request.POST.get("mode", "full")
            )
        except RunInProgress:
            messages.warning(request, "A run of this dataset is in progress; try again shortly.")
            return redirect(dataset.get_absolute_url())
        except ValidationError as exc:
            messages.error(request, " ".join(_errors(exc)))
            return redirect(dataset.get_absolute_url())
        except Exception:  # the broker refused the task: nothing was queued
            messages.error(request, "The worker queue is unreachable; the run was not queued.")
            return redirect(dataset.get_absolute_url())
        messages.success(request, "Checks queued; this page updates itself when the run ends.")
        return redirect(dataset.get_absolute_url())


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    cancel: str = "",
    errors: list[str] | None = None,
    lede: str = "",
    status: int = 200,
    submit: str = "Save",
    draft_url: str = "",
) -> HttpResponse:
    return render(
        request,
        "governance/health_form.html",
        {
            "form": form,
            "title": title,
            "cancel": cancel,
            "errors": errors or [],
            "lede": lede,
            "submit": submit,
            "draft_url": draft_url,
        },
        status=status,
    )


def _apply_errors(form: Any, exc: ValidationError) -> list[str]:
    """Put a service's field errors on the form's fields; return the rest."""
    rest: list[str] = []
    if hasattr(exc, "message_dict"):
        for field, msgs in exc.message_dict.items():
            if field in form.fields:
                for m in msgs:
                    form.add_error(field, m)
            else:
                rest.extend(msgs)
    else:
        rest.extend(exc.messages)
    return rest


CONTRACT_LEDE = (
    "Open Data Contract Standard (v3) YAML. Rules, references, thresholds and volume live under"
    " customProperties (mops.*). Saving makes a new version."
)


class ContractEditView(RoleRequiredMixin, View):
    read_roles = ADMINS
    write_roles = ADMINS

    def _dataset(self, pk: int) -> Dataset:
        return get_object_or_404(
            Dataset.objects.select_related("contract", "owner", "warehouse"), pk=pk
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = self._dataset(pk)
        has = hasattr(dataset, "contract")
        text = contract_yaml(dataset) if has else ""
        lede = CONTRACT_LEDE
        errors: list[str] = []
        if request.GET.get("draft") == "1":
            # "Draft from table": the introspected columns and observed formats, not saved
            # until the owner has refined them and pressed Save.
            try:
                draft = contract_draft(dataset=dataset, actor=request.user)
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                text = draft["yaml"]
                lede = (
                    f"Drafted from the table ({len(draft['spec']['fields'])} columns"
                    + (
                        f"; formats seen: {_formats_text(draft['formats'])}"
                        if draft["formats"]
                        else ""
                    )
                    + "). Review it, add rules and thresholds, then save."
                    + "".join(f" {note}" for note in draft["notes"])
                )
        form = ContractYamlForm(
            initial={"yaml": text, "version": dataset.contract.version if has else None}
        )
        return _form_page(
            request,
            form,
            title=f"Contract of {dataset}",
            cancel=dataset.get_absolute_url(),
            lede=lede,
            submit="Save contract",
            errors=errors,
            status=400 if errors else 200,
            draft_url=f"{request.path}?draft=1",
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = self._dataset(pk)
        form = ContractYamlForm(request.POST)
        page = {
            "title": f"Contract of {dataset}",
            "cancel": dataset.get_absolute_url(),
            "submit": "Save contract",
        }
        if not form.is_valid():
            return _form_page(request, form, status=400, lede=CONTRACT_LEDE, **page)
        try:
            contract_import_yaml(
                dataset=dataset,
                actor=request.user,
                text=form.cleaned_data["yaml"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            return _form_page(
                request, form, errors=_errors(exc), status=400, lede=CONTRACT_LEDE, **page
            )
        except StaleVersion:
            msg = "Someone saved this contract since you opened it; reload and retry."
            return _form_page(request, form, errors=[msg], status=412, lede=CONTRACT_LEDE, **page)
        messages.success(request, "Contract saved as a new version.")
        return redirect(dataset.get_absolute_url())


def _formats_text(formats: dict[str, str]) -> str:
    return ", ".join(f"{column} = {kind}" for column, kind in sorted(formats.items()))


class WarehouseListView(RoleRequiredMixin, View):
    """Admins: warehouses (connection strings are write-only) and a form to add one."""

    read_roles = ADMINS
    write_roles = ADMINS

    def _page(
        self,
        request: HttpRequest,
        form: WarehouseForm,
        status: int = 200,
        dbt_form: DbtImportForm | None = None,
    ) -> HttpResponse:
        return render(
            request,
            "governance/warehouse_list.html",
            {
                "warehouses": Warehouse.objects.order_by("name"),
                "form": form,
                "dbt_form": dbt_form or DbtImportForm(prefix="dbt"),
            },
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, WarehouseForm())

    def _import_dbt(self, request: HttpRequest) -> HttpResponse:
        form = DbtImportForm(request.POST, request.FILES, prefix="dbt")
        if form.is_valid():
            try:
                datasets, notes = datasets_import_dbt(
                    actor=request.user,
                    warehouse=form.cleaned_data["warehouse"],
                    manifest=form.cleaned_data["manifest"],
                )
            except ValidationError as exc:
                for e in _apply_errors(form, exc):
                    form.add_error(None, e)
            else:
                names = ", ".join(str(d) for d in datasets) or "none"
                messages.success(request, f"Imported {len(datasets)} datasets from dbt: {names}.")
                for note in notes:
                    messages.info(request, f"Not imported: {note}")
                return redirect("governance:warehouse_list")
        return self._page(request, WarehouseForm(), status=400, dbt_form=form)

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "import-dbt":
            return self._import_dbt(request)
        form = WarehouseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            existing = Warehouse.objects.filter(name=data["name"]).first()
            try:
                warehouse_save(
                    actor=request.user,
                    name=data["name"],
                    dsn=data["dsn"] or (None if existing else ""),
                    statement_timeout_ms=data["statement_timeout_ms"],
                    warehouse=existing,
                )
            except ValidationError as exc:
                for e in _apply_errors(form, exc):
                    form.add_error(None, e)
            else:
                messages.success(request, f"Warehouse {data['name']} saved.")
                return redirect("governance:warehouse_list")
        return self._page(request, form, status=400)


class DatasetEditView(RoleRequiredMixin, View):
    read_roles = ADMINS
    write_roles = ADMINS

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        dataset = get_object_or_404(Dataset, pk=pk) if pk else None
        initial = (
            {
                "warehouse": dataset.warehouse_id,
                "schema": dataset.schema,
                "table": dataset.table,
                "description": dataset.description,
                "owner": dataset.owner_id,
                "schedule": dataset.schedule,
                "enabled": dataset.enabled,
            }
            if dataset
            else {"owner": request.user.pk}
        )
        return _form_page(
            request,
            DatasetForm(initial=initial),
            title=f"Edit {dataset}" if dataset else "New dataset",
            cancel=dataset.get_absolute_url() if dataset else "",
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        dataset = get_object_or_404(Dataset, pk=pk) if pk else None
        form = DatasetForm(request.POST)
        title = f"Edit {dataset}" if dataset else "New dataset"
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                saved = dataset_save(
                    actor=request.user,
                    dataset=dataset,
                    warehouse=data.pop("warehouse"),
                    schema=data.pop("schema"),
                    table=data.pop("table"),
                    **data,
                )
            except ValidationError as exc:
                errors = _apply_errors(form, exc)
                return _form_page(request, form, title=title, errors=errors, status=400)
            try:
                dataset_introspect(dataset=saved)
            except ValidationError as exc:
                messages.warning(request, f"Saved, but columns not read: {' '.join(_errors(exc))}")
            else:
                messages.success(request, f"Dataset {saved} saved; columns introspected.")
            return redirect(saved.get_absolute_url())
        return _form_page(request, form, title=title, status=400)


class MonitorEditView(RoleRequiredMixin, View):
    read_roles = ADMINS
    write_roles = ADMINS

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        monitor = get_object_or_404(Monitor, pk=pk) if pk else None
        initial = (
            {
                "name": monitor.name,
                "description": monitor.description,
                "period_minutes": int(monitor.period.total_seconds() // 60),
                "grace_minutes": int(monitor.grace.total_seconds() // 60),
                "runbook": monitor.runbook_id,
                "paused": monitor.status == "paused",
            }
            if monitor
            else {"period_minutes": 60, "grace_minutes": 15}
        )
        return _form_page(
            request,
            MonitorForm(initial=initial),
            title=f"Edit {monitor}" if monitor else "New monitor",
            cancel=monitor.get_absolute_url() if monitor else "",
        )

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        monitor = get_object_or_404(Monitor, pk=pk) if pk else None
        form = MonitorForm(request.POST)
        title = f"Edit {monitor}" if monitor else "New monitor"
        if form.is_valid():
            period, grace = form.durations()
            try:
                saved = monitor_save(
                    actor=request.user,
                    monitor=monitor,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    period=period,
                    grace=grace,
                    runbook=form.cleaned_data["runbook"],
                    paused=form.cleaned_data["paused"],
                )
            except ValidationError as exc:
                return _form_page(
                    request, form, title=title, errors=_apply_errors(form, exc), status=400
                )
            messages.success(request, f"Monitor {saved} saved.")
            return redirect(saved.get_absolute_url())
        return _form_page(request, form, title=title, status=400)


class RunbookEditView(RoleRequiredMixin, View):
    read_roles = MOPS_STAFF
    write_roles = MOPS_STAFF

    def get(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        runbook = get_object_or_404(Runbook, slug=slug) if slug else None
        initial = (
            {
                "slug": runbook.slug,
                "title": runbook.title,
                "summary": runbook.summary,
                "failure_modes": ", ".join(runbook.failure_modes),
                "body": runbook.body,
                "version": runbook.version,
            }
            if runbook
            else {}
        )
        return _form_page(
            request,
            RunbookForm(initial=initial),
            title=f"Edit {runbook}" if runbook else "New runbook",
            cancel=runbook.get_absolute_url() if runbook else "",
        )

    def post(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        runbook = get_object_or_404(Runbook, slug=slug) if slug else None
        form = RunbookForm(request.POST)
        title = f"Edit {runbook}" if runbook else "New runbook"
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = runbook_save(
                    actor=request.user,
                    runbook=runbook,
                    slug=data["slug"],
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                    failure_modes=form.modes(),
                    expected_version=data["version"],
                )
            except ValidationError as exc:
                return _form_page(
                    request, form, title=title, errors=_apply_errors(form, exc), status=400
                )
            except StaleVersion:
                msg = "Someone saved this runbook since you opened it; reload and retry."
                return _form_page(request, form, title=title, errors=[msg], status=412)
            messages.success(request, f"Runbook saved (v{saved.version}).")
            return redirect(saved.get_absolute_url())
        return _form_page(request, form, title=title, status=400)


class ContractYamlView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        dataset = get_object_or_404(
            Dataset.objects.select_related("contract", "owner", "warehouse"), pk=pk
        )
        if not hasattr(dataset, "contract"):
            raise Http404("No contract yet.")
        response = HttpResponse(
            contract_yaml(dataset), content_type="application/yaml; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition(f"{dataset.table}.odcs.yaml")
        return response


class RunDetailView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            run = hs.run_page(pk)
        except CheckRun.DoesNotExist:
            raise Http404("No such run.") from None
        results = list(run.results.all())
        order = {"fail": 0, "error": 1, "warn": 2, "pass": 3, "skipped": 4}
        results.sort(key=lambda r: (order.get(r.status, 5), r.key))
        return render(
            request,
            "governance/run_detail.html",
            {
                "run": run,
                "results": results,
                "incidents": run.incidents.all(),
                # The database's own error text can name what the query touched: admins only.
                "show_error_detail": has_role(request.user, ADMINS),
            },
        )


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
        if incident.run_id and incident.check_key:
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
        try:
            if action == "acknowledge":
                incident_acknowledge(incident=incident, actor=request.user, note=note)
            elif action == "resolve":
                incident_resolve(incident=incident, actor=request.user, note=note)
            else:
                messages.error(request, "Unknown action.")
        except TransitionError as exc:
            if exc.code == "forbidden":
                raise PermissionDenied(exc.message) from None
            messages.error(request, exc.message)
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
