"""Pages of the request import: upload, map and preview, dry run, import with progress."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views import View

from catalog.models import Service
from governance.taxonomy import spreadsheet_safe
from mops.accounts.models import Team
from mops.accounts.permissions import RoleRequiredMixin
from mops.core.actors import actor_of
from mops.core.views import call_service

from .. import importmapping as im
from . import selectors, services
from .models import ImportRun, ImportStatus, ImportSystem

IMPORTERS = selectors.IMPORTERS


def _run(request: HttpRequest, pk: int) -> ImportRun:
    return get_object_or_404(selectors.import_runs_visible_to(request.user), pk=pk)


class ImportListView(RoleRequiredMixin, View):
    """The runs so far and the upload form."""

    read_roles = IMPORTERS
    write_roles = IMPORTERS

    def get(self, request: HttpRequest, error: str = "") -> HttpResponse:
        runs = selectors.import_runs_visible_to(request.user)[:20]
        context = {"runs": runs, "systems": ImportSystem.choices, "error": error}
        return render(request, "intake/import_list.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        upload = request.FILES.get("file")
        if upload is None:
            return self.get(request, error="Choose a CSV file to upload.")
        try:
            run = services.import_run_create(
                actor=actor_of(request),
                filename=upload.name or "import.csv",
                data=services.import_upload_bytes(upload),
                system=request.POST.get("system", ""),
            )
        except ValidationError as exc:
            return self.get(request, error=" ".join(exc.messages))
        return HttpResponseRedirect(run.get_absolute_url())


def _choices_context(preview: services.Preview) -> dict[str, Any]:
    return {
        "fields": [
            (name, im.FIELD_LABELS[name], name in im.REQUIRED, preview.mapping.get(name, ""))
            for name in im.FIELDS
        ],
        "status_rows": list(enumerate(preview.statuses.items())),
        "service_rows": list(enumerate(preview.services.items())),
        "preview_columns": [name for name in im.FIELDS if name in preview.mapping],
        "preview_rows": [
            (line, [values.get(name, "") for name in im.FIELDS if name in preview.mapping])
            for line, values in preview.rows
        ],
        "states": im.STATES,
        "catalog": Service.objects.exclude(current_version=None).order_by("name"),
        "teams": Team.objects.order_by("name"),
    }


class ImportDetailView(RoleRequiredMixin, View):
    """Map the columns, statuses and services (with a preview), then dry-run or import; while
    it runs, a progress bar; afterwards the counts, the errors and the imported requests."""

    read_roles = IMPORTERS
    write_roles = IMPORTERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, _run(request, pk))

    def _render(self, request: HttpRequest, run: ImportRun) -> HttpResponse:
        context: dict[str, Any] = {"run": run}
        if run.status != ImportStatus.DONE and not run.is_active:
            preview = services.import_preview(run)
            context.update(_choices_context(preview))
        context["phase"], context["done"] = services.import_progress(run)
        context["imported"] = selectors.imported_requests(run) if run.status == "done" else []
        return render(request, "intake/import_detail.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = _run(request, pk)
        data = request.POST
        mapping = {name: data.get(f"map_{name}", "") for name in im.FIELDS}
        statuses = {
            data.get(f"status_value_{i}", ""): data.get(f"status_{i}", "")
            for i in range(int(data.get("status_count", "0") or 0))
        }
        service_map = {
            data.get(f"service_value_{i}", ""): data.get(f"service_{i}", "")
            for i in range(int(data.get("service_count", "0") or 0))
        }
        options = {
            "default_service": data.get("default_service", ""),
            "default_team": data.get("default_team", ""),
            "time_zone": data.get("time_zone", ""),
            "dayfirst": data.get("dayfirst") == "1",
        }
        ok, result = call_service(
            request,
            services.import_run_start,
            run=run,
            actor=request.user,
            dry_run=data.get("action") != "import",
            mapping=mapping,
            statuses={k: v for k, v in statuses.items() if k},
            services={k: v for k, v in service_map.items() if k},
            options=options,
        )
        if not ok:  # show what was chosen again, with the errors as messages
            run.mapping, run.statuses, run.services = mapping, statuses, service_map
            run.options = options
            return self._render(request, run)
        return HttpResponseRedirect(run.get_absolute_url())


class ImportProgressView(RoleRequiredMixin, View):
    """The progress partial htmx polls while the run is queued or running."""

    read_roles = IMPORTERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = _run(request, pk)
        phase, done = services.import_progress(run)
        response = render(
            request,
            "intake/_import_progress.html",
            {"run": run, "phase": phase, "done": done},
        )
        if not run.is_active and getattr(request, "htmx", None):  # set by django-htmx
            response["HX-Refresh"] = "true"  # finished: reload the page with the results
        return response


class ImportErrorsView(RoleRequiredMixin, View):
    """The run's errors as CSV (cells a spreadsheet would evaluate are defused)."""

    read_roles = IMPORTERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = _run(request, pk)
        if not run.errors:
            raise Http404
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["line", "column", "problem"])
        for e in run.errors:
            writer.writerow(
                [e["line"], spreadsheet_safe(e["field"]), spreadsheet_safe(e["message"])]
            )
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-errors.csv"'
        return response
