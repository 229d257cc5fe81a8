"""Tool registry pages: list, export, detail, add/edit and the CSV import."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from governance.taxonomy import spreadsheet_safe
from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin
from mops.core.actors import actor_of
from mops.core.views import call_service, invalid_status

from .. import selectors, services
from ..filters import ToolFilter
from ..forms import (
    ToolForm,
    ToolImportForm,
)
from ..models import GoldenPath, Tool
from ..services import STACK_EDITORS, STACK_READERS
from ._base import CsvImportView, FilteredListView, _can_edit


class ToolListView(FilteredListView):
    """The registry: every tool with its layer, owner, golden-path status and flows."""

    template_name = "stack/tool_list.html"
    filterset_class = ToolFilter

    def base_queryset(self) -> QuerySet[Tool]:
        return selectors.tools()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["export_query"] = self.request.GET.urlencode()
        return context


class ToolExportView(RoleRequiredMixin, View):
    """The registry (as filtered) as CSV, in the import's columns: a round trip."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        tools = ToolFilter(request.GET, queryset=selectors.tools()).qs

        class Echo:
            def write(self, value: str) -> str:
                return value

        writer = csv.writer(Echo())

        def rows() -> Iterator[str]:
            yield writer.writerow(services.TOOL_CSV_COLUMNS)
            for t in tools.iterator(chunk_size=500):
                contract = t.data_contract
                yield writer.writerow(
                    [
                        spreadsheet_safe(str(cell))
                        for cell in [
                            t.name,
                            t.layer,
                            t.vendor,
                            t.owner.username if t.owner else "",
                            t.team.slug if t.team else "",
                            t.status,
                            t.status_reason,
                            t.purpose,
                            "yes" if t.holds_personal_data else "no",
                            str(contract.dataset) if contract else "",
                            "yes" if t.sso else "no",
                            t.admin_url,
                            t.docs_url,
                        ]
                    ]
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="tools.csv"'
        return response


class ToolDetailView(RoleRequiredMixin, View):
    """One tool: its golden-path status and what keeps it off the path, its runbooks and
    monitors, and everything that depends on it (what retiring it touches)."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        tool = get_object_or_404(selectors.tool_detail(), pk=pk)
        return render(
            request,
            "stack/tool_detail.html",
            {
                "tool": tool,
                "gaps": tool.approval_gaps(),
                "dependents": selectors.tool_dependents(tool),
                "retiring": tool.status in (GoldenPath.RETIRING, GoldenPath.REJECTED),
                "can_edit": _can_edit(request),
            },
        )


class ToolFormView(RoleRequiredMixin, View):
    """Register a tool or edit one; approval is refused with what is missing."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS

    def _render(
        self, request: HttpRequest, form: ToolForm, tool: Tool | None, code: int
    ) -> HttpResponse:
        return render(
            request,
            "stack/form.html",
            {
                "form": form,
                "title": f"Edit {tool}" if tool else "Register a tool",
                "back": tool.get_absolute_url() if tool else "",
                "back_label": str(tool) if tool else "Tech stack",
            },
            status=code,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk) if pk else None
        form = ToolForm(instance=tool, initial={"version": tool.version if tool else None})
        return self._render(request, form, tool, 200)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk) if pk else None
        form = ToolForm(request.POST, instance=tool)
        if not form.is_valid():
            return self._render(request, form, tool, 400)
        data = dict(form.cleaned_data)
        version = data.pop("version")
        data["runbooks"], data["monitors"] = data.pop("runbooks"), data.pop("monitors")
        if tool is None:
            ok, saved = call_service(
                request, services.tool_create, form=form, actor=actor_of(request), **data
            )
        else:
            ok, saved = call_service(
                request,
                services.tool_update,
                form=form,
                tool=tool,
                actor=actor_of(request),
                expected_version=version,
                **data,
            )
        if not ok or saved is None:
            status = invalid_status(form)
            return self._render(request, form, tool, status)
        messages.success(request, f"{saved} saved.")
        return redirect(saved.get_absolute_url())


class ToolImportView(CsvImportView):
    template_name = "stack/tool_import.html"
    form_class = ToolImportForm
    noun = "tools"
    done = "stack:tool_list"

    def run(self, actor: User, text: str, commit: bool) -> list[services.ImportRow]:
        return services.tools_import_csv(actor=actor, text=text, commit=commit)
