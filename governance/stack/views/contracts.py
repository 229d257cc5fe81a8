"""Contracts, the renewal calendar and its feed, licence utilisation and seat uploads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin
from mops.core.actors import actor_of
from mops.core.views import call_service, uploaded_text

from .. import ical, selectors, services
from ..filters import ContractFilter
from ..forms import (
    ContractForm,
    DecisionForm,
    SeatUploadForm,
)
from ..models import Contract, Tool
from ..services import STACK_EDITORS, STACK_READERS
from ._base import CSV_ERRORS, CSV_MAX_BYTES, _can_edit, _ModelFormView


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
        ok, _ = call_service(
            request,
            services.renewal_decide,
            form=form,
            contract=contract,
            actor=actor_of(request),
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
        if not ok:
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
        text = uploaded_text(form, max_bytes=CSV_MAX_BYTES) if form.is_valid() else ""
        if not form.errors:
            ok, lines = call_service(
                request,
                services.seats_import,
                form=form,
                field_map=CSV_ERRORS,
                tool=tool,
                actor=actor_of(request),
                text=text,
            )
            if ok and lines is not None:
                if not any(line.errors for line in lines):
                    messages.success(request, f"{len(lines)} seats of {tool} imported.")
                    return redirect("stack:utilisation")
        return self._render(request, tool, form, lines, 400)
