"""Stack pages: tool registry (with CSV import/export), integration map and flows, vendor
contracts and the renewal calendar. Thin: parse input, call a service or selector, render."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View
from django.views.generic import ListView

from governance.taxonomy import spreadsheet_safe
from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import has_role
from mops.core.actors import actor_of
from mops.core.concurrency import StaleVersion

from . import ical, selectors, services
from .filters import ContractFilter, FlowFilter, ToolFilter
from .forms import (
    AttestForm,
    ContractForm,
    DecisionForm,
    FlowForm,
    ReviewStartForm,
    SeatUploadForm,
    ToolForm,
    ToolImportForm,
)
from .models import AccessReview, AccessReviewItem, Contract, Flow, GoldenPath, Tool
from .services import STACK_EDITORS, STACK_READERS


def _errors_onto(form: Any, exc: ValidationError) -> None:
    """A service's field errors next to the form's fields (else above the form)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _can_edit(request: HttpRequest) -> bool:
    return has_role(request.user, STACK_EDITORS)


def _uploaded_text(form: Any) -> str:
    """The CSV of an upload form (file or pasted), or "" with the error on the form."""
    upload = form.cleaned_data["file"]
    text = ""
    if upload is not None:
        try:
            text = upload.read(2_000_000).decode("utf-8-sig")
        except UnicodeDecodeError:
            form.add_error("file", "The file is not UTF-8 text; save it as CSV UTF-8.")
    else:
        text = form.cleaned_data["text"]
    if not form.errors and not text.strip():
        form.add_error("text", "Choose a CSV file or paste its lines.")
    return text


# --- tools ------------------------------------------------------------------------------------


class FilteredListView(RoleRequiredMixin, ListView):
    """A stack list page: the filterset it shares with the API over a selector."""

    read_roles = STACK_READERS
    paginate_by = 50
    filterset_class: Any = None

    def base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        self.filterset = self.filterset_class(self.request.GET, queryset=self.base_queryset())
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = _can_edit(self.request)
        return context


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
        runbooks, monitors = data.pop("runbooks"), data.pop("monitors")
        try:
            if tool is None:
                tool = services.tool_create(
                    actor=actor_of(request), runbooks=runbooks, monitors=monitors, **data
                )
            else:
                tool = services.tool_update(
                    tool=tool,
                    actor=actor_of(request),
                    expected_version=version,
                    runbooks=runbooks,
                    monitors=monitors,
                    **data,
                )
        except ValidationError as exc:
            _errors_onto(form, exc)
            return self._render(request, form, tool, 400)
        except StaleVersion as exc:
            form.add_error(None, exc.message)
            return self._render(request, form, tool, 412)
        messages.success(request, f"{tool} saved.")
        return redirect(tool.get_absolute_url())


class CsvImportView(RoleRequiredMixin, View):
    """A CSV import page: a preview with each line's action or its errors, then the
    import (nothing is written while any line has an error)."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS
    template_name = ""
    form_class: Any = None
    noun = ""
    done = ""  # URL name after a successful import

    def run(self, actor: User, text: str, commit: bool) -> list[services.ImportRow]:
        raise NotImplementedError

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self.form_class()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES)
        rows = None
        text = ""
        if form.is_valid():
            text = _uploaded_text(form)
        if not form.errors:
            commit = request.POST.get("action") == "import"
            try:
                rows = self.run(actor_of(request), text, commit)
            except ValidationError as exc:
                form.add_error("text", exc.message_dict.get("file", exc.messages))
            else:
                if commit and not any(r.errors for r in rows):
                    created = sum(1 for r in rows if r.action == "create")
                    messages.success(
                        request,
                        f"Imported {len(rows)} {self.noun}: {created} new, "
                        f"{len(rows) - created} updated.",
                    )
                    return redirect(self.done)
        has_errors = bool(rows and any(r.errors for r in rows))
        return render(
            request,
            self.template_name,
            {"form": form, "rows": rows, "text": text, "has_errors": has_errors},
            status=400 if form.errors or has_errors else 200,
        )


class ToolImportView(CsvImportView):
    template_name = "stack/tool_import.html"
    form_class = ToolImportForm
    noun = "tools"
    done = "stack:tool_list"

    def run(self, actor: User, text: str, commit: bool) -> list[services.ImportRow]:
        return services.tools_import_csv(actor=actor, text=text, commit=commit)


# --- flows and the map --------------------------------------------------------------------


class MapView(RoleRequiredMixin, View):
    """The integration map: tools in layer columns, each flow an edge coloured by its
    heartbeat monitor and linking to the flow. `?golden=1` keeps golden-path flows only."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> HttpResponse:
        golden_only = request.GET.get("golden") == "1"
        drawing = selectors.integration_map(golden_only=golden_only)
        return render(
            request,
            "stack/map.html",
            {
                # Escaped piece by piece in maplayout.render_svg (names are user text).
                "svg": mark_safe(selectors.integration_map_svg(drawing)),  # noqa: S308
                "edges": len(drawing.edges),
                "golden_only": golden_only,
                "summary": selectors.golden_path_summary(),
                "can_edit": _can_edit(request),
            },
        )


class FlowListView(FilteredListView):
    template_name = "stack/flow_list.html"
    filterset_class = FlowFilter

    def base_queryset(self) -> QuerySet[Flow]:
        return selectors.flows()


class FlowDetailView(RoleRequiredMixin, View):
    read_roles = STACK_READERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        flow = get_object_or_404(selectors.flows(), pk=pk)
        return render(
            request,
            "stack/flow_detail.html",
            {
                "flow": flow,
                "golden": flow.on_golden_path,
                "can_edit": _can_edit(request),
            },
        )


class _ModelFormView(RoleRequiredMixin, View):
    """Create/edit pages of flows and contracts: one service call each way."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS
    model: Any = None
    form_class: Any = None
    noun = ""
    list_label = ""

    def create(self, actor: User, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update(self, obj: Any, actor: User, version: int | None, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _render(self, request: HttpRequest, form: Any, obj: Any, code: int) -> HttpResponse:
        return render(
            request,
            "stack/form.html",
            {
                "form": form,
                "title": f"Edit {self.noun}" if obj else f"New {self.noun}",
                "back": obj.get_absolute_url() if obj else "",
                "back_label": str(obj) if obj else self.list_label,
            },
            status=code,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=pk) if pk else None
        initial = {"version": obj.version} if obj else dict(request.GET.items())
        return self._render(request, self.form_class(instance=obj, initial=initial), obj, 200)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=pk) if pk else None
        form = self.form_class(request.POST, instance=obj)
        if not form.is_valid():
            return self._render(request, form, obj, 400)
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            saved = (
                self.create(actor_of(request), data)
                if obj is None
                else self.update(obj, actor_of(request), version, data)
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
            return self._render(request, form, obj, 400)
        except StaleVersion as exc:
            form.add_error(None, exc.message)
            return self._render(request, form, obj, 412)
        messages.success(request, f"{self.noun.capitalize()} saved.")
        return redirect(saved.get_absolute_url())


class FlowFormView(_ModelFormView):
    model = Flow
    form_class = FlowForm
    noun = "flow"
    list_label = "Flows"

    def create(self, actor: User, data: dict[str, Any]) -> Flow:
        return services.flow_create(actor=actor, **data)

    def update(self, obj: Flow, actor: User, version: int | None, data: dict[str, Any]) -> Flow:
        return services.flow_update(flow=obj, actor=actor, expected_version=version, **data)


# --- contracts and renewals ---------------------------------------------------------------


class RenewalsView(RoleRequiredMixin, View):
    """The renewal calendar: contracts by month of their notice deadline, the next year
    (and any deadline passed in the last 30 days)."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        contracts = list(
            ContractFilter(
                request.GET,
                queryset=selectors.renewals_between(
                    today - timedelta(days=30), today + timedelta(days=366)
                ),
            ).qs
        )
        months: dict[str, list[Contract]] = {}
        for c in contracts:
            months.setdefault(c.deadline.strftime("%B %Y"), []).append(c)
        return render(
            request,
            "stack/renewals.html",
            {
                "months": months,
                "today": today,
                "soon": today + timedelta(days=60),
                "can_edit": _can_edit(request),
            },
        )


class RenewalsFeedView(RoleRequiredMixin, View):
    """The renewal calendar as iCalendar: one all-day event per notice deadline."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> HttpResponse:
        body = ical.renewals_feed(base_url=request.build_absolute_uri("/")[:-1])
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="renewals.ics"'
        return response


class ContractDetailView(RoleRequiredMixin, View):
    """A contract: term, cost, seats, the notice deadline, alerts sent and decisions."""

    read_roles = STACK_READERS
    write_roles = STACK_EDITORS

    def get(self, request: HttpRequest, pk: int, form: DecisionForm | None = None) -> HttpResponse:
        contract = get_object_or_404(selectors.contracts(), pk=pk)
        return render(
            request,
            "stack/contract_detail.html",
            {
                "contract": contract,
                "alerts": contract.alerts.all(),
                "decisions": contract.decisions.select_related("decided_by"),
                "form": form or DecisionForm(),
                "can_edit": _can_edit(request),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = get_object_or_404(Contract, pk=pk)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return self.get(request, pk, form=form)
        try:
            services.renewal_decide(
                contract=contract,
                actor=actor_of(request),
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
            return self.get(request, pk, form=form)
        messages.success(request, "Decision recorded.")
        return redirect(contract.get_absolute_url())


class ContractFormView(_ModelFormView):
    model = Contract
    form_class = ContractForm
    noun = "contract"
    list_label = "Renewals"

    def create(self, actor: User, data: dict[str, Any]) -> Contract:
        return services.contract_create(actor=actor, **data)

    def update(
        self, obj: Contract, actor: User, version: int | None, data: dict[str, Any]
    ) -> Contract:
        return services.contract_update(contract=obj, actor=actor, expected_version=version, **data)


# --- licence utilisation --------------------------------------------------------------------


class UtilisationView(RoleRequiredMixin, ListView):
    """Seats bought / assigned / active per tool, utilisation and unused-seat cost; tools
    below the threshold (STACK_UTILISATION_THRESHOLD) flagged, lowest first."""

    template_name = "stack/utilisation.html"
    read_roles = STACK_READERS
    paginate_by = 100

    def get_queryset(self) -> QuerySet[Tool]:
        return selectors.utilisation(today=timezone.localdate())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["threshold"] = selectors.utilisation_threshold()
        return context


class SeatUploadView(RoleRequiredMixin, View):
    """Upload a tool's seat export (replaces its seats); errors by line, nothing changed."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS

    def _render(
        self, request: HttpRequest, tool: Tool, form: Any, lines: Any, code: int
    ) -> HttpResponse:
        return render(
            request,
            "stack/seat_upload.html",
            {"tool": tool, "form": form, "lines": lines},
            status=code,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk)
        return self._render(request, tool, SeatUploadForm(), None, 200)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk)
        form = SeatUploadForm(request.POST, request.FILES)
        lines = None
        text = _uploaded_text(form) if form.is_valid() else ""
        if not form.errors:
            try:
                lines = services.seats_import(tool=tool, actor=actor_of(request), text=text)
            except ValidationError as exc:
                form.add_error("text", exc.message_dict.get("file", exc.messages))
            else:
                if not any(line.errors for line in lines):
                    messages.success(request, f"{len(lines)} seats of {tool} imported.")
                    return redirect("stack:utilisation")
        return self._render(request, tool, form, lines, 400)


# --- access reviews ---------------------------------------------------------------------------


class ReviewListView(RoleRequiredMixin, View):
    """Access reviews, open first, with due date and completion %."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "stack/review_list.html",
            {"reviews": selectors.access_reviews()[:200], "today": timezone.localdate()},
        )


class ReviewStartView(RoleRequiredMixin, View):
    """Start a tool's access review from its current seat holders."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS

    def _render(self, request: HttpRequest, tool: Tool, form: Any, code: int) -> HttpResponse:
        return render(
            request,
            "stack/form.html",
            {
                "form": form,
                "title": f"Start an access review of {tool}",
                "back": tool.get_absolute_url(),
                "back_label": str(tool),
            },
            status=code,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk)
        initial = {"due_on": timezone.localdate() + timedelta(days=14)}
        return self._render(request, tool, ReviewStartForm(initial=initial), 200)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk)
        form = ReviewStartForm(request.POST)
        if form.is_valid():
            try:
                review = services.access_review_start(
                    tool=tool, actor=actor_of(request), due_on=form.cleaned_data["due_on"]
                )
            except ValidationError as exc:
                _errors_onto(form, exc)
            else:
                messages.success(request, "Access review started.")
                return redirect(review.get_absolute_url())
        return self._render(request, tool, form, 400)


class ReviewDetailView(RoleRequiredMixin, View):
    """One review: each holder with the owner's attestation or a form to give it. Anyone
    on the stack team may open it; only the tool's owner (or an admin) attests."""

    read_roles = STACK_READERS
    write_roles = STACK_EDITORS

    def get(self, request: HttpRequest, pk: int, error: str = "") -> HttpResponse:
        review = get_object_or_404(selectors.access_reviews(), pk=pk)
        return render(
            request,
            "stack/review_detail.html",
            {
                "review": review,
                "items": review.items.select_related("decided_by"),
                "can_attest": review.completed_at is None
                and services.can_attest(actor_of(request), review),
                "decisions": cast(forms.ChoiceField, AttestForm.base_fields["decision"]).choices,
                "error": error,
            },
            status=400 if error else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = get_object_or_404(AccessReview, pk=pk)
        form = AttestForm(request.POST)
        if not form.is_valid():
            return self.get(
                request,
                pk,
                error="; ".join(
                    f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
                ),
            )
        item = get_object_or_404(AccessReviewItem, pk=form.cleaned_data["item"], review=review)
        try:
            services.access_review_attest(
                item=item,
                actor=actor_of(request),
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            return self.get(request, pk, error=f"{item.email}: {' '.join(exc.messages)}")
        return redirect(review.get_absolute_url())


class ReviewEvidenceView(RoleRequiredMixin, View):
    """The review as CSV evidence for auditors: every holder, decision, reason, who, when."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = get_object_or_404(AccessReview.objects.select_related("tool"), pk=pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="access-review-{review.pk}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "tool",
                "due_on",
                "email",
                "permission_level",
                "last_active",
                "decision",
                "reason",
                "decided_by",
                "decided_at",
            ]
        )
        for item in review.items.select_related("decided_by"):
            writer.writerow(
                [
                    spreadsheet_safe(str(cell))
                    for cell in [
                        review.tool.name,
                        review.due_on.isoformat(),
                        item.email,
                        item.permission_level,
                        item.last_active_on.isoformat() if item.last_active_on else "",
                        item.decision,
                        item.reason,
                        item.decided_by.username if item.decided_by else "",
                        item.decided_at.isoformat() if item.decided_at else "",
                    ]
                ]
            )
        return response
