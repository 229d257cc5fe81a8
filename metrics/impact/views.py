"""Business-impact pages: the certified figures with cohorts and campaigns, a cohort's
drill-down (opportunities from the warehouse, masked), role mappings, team cost and the
monthly review. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.generic import TemplateView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, READ_EVERYTHING, Role
from mops.core.actors import actor_of
from mops.core.views import call_service

from ..export import csv_response
from . import selectors, services
from .forms import AcknowledgeForm, RoleMappingForm, TeamCostForm
from .models import DatasetRole, ImpactReview, TeamCost
from .roles import ROLE_FIELDS

IMPACT_READERS = READ_EVERYTHING


def _period_args(request: HttpRequest) -> tuple[str, date | None]:
    period = request.GET.get("period", "month")
    if period not in ("month", "quarter"):
        raise Http404("Unknown period.")
    raw = request.GET.get("start", "")
    try:
        return period, date.fromisoformat(raw) if raw else None
    except ValueError:
        raise Http404("Bad start date.") from None


CSV_HEADER = [
    "Campaign", "Launched", "Within SLA", "Template", "Train", "Opportunities", "SQLs",
    "SQL rate", "Closed", "Won", "Win rate", "Pipeline", "Won amount",
]  # fmt: skip


def _csv_row(c: dict[str, Any]) -> list[object]:
    return [
        c["campaign"], c.get("launched_at", ""), c.get("within_sla"), c.get("template"),
        c.get("train"), c["opportunities"], c["sqls"], c["sql_rate"], c["closed"], c["won"],
        c["win_rate"], c["pipeline"], c["won_amount"],
    ]  # fmt: skip


class ImpactView(RoleRequiredMixin, TemplateView):
    """Business impact of one month or quarter: certification, cohorts, campaigns, revenue."""

    template_name = "metrics/impact/impact.html"
    read_roles = IMPACT_READERS
    write_roles = ADMINS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        period, start = _period_args(request)
        snapshot = selectors.snapshot_latest(period, start)
        if snapshot is not None and request.GET.get("format") == "csv":
            return csv_response(
                f"mops-impact-{period}-{snapshot.start}.csv",
                CSV_HEADER,
                (_csv_row(c) for c in snapshot.figures.get("campaigns", [])),
            )
        context = {
            "period": period,
            "snapshot": snapshot,
            "freshness": selectors.freshness(snapshot),
            "cohorts": selectors.cohort_rows(snapshot) if snapshot else [],
            "snapshots": selectors.snapshot_choices(period),
            "review_month": selectors.review_month_default(),
        }
        return render(request, self.template_name, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        period, start = _period_args(request)
        ok, done = call_service(request, services.snapshots_refresh)
        if ok:
            messages.success(request, f"Recomputed {done} snapshot(s) in the warehouse.")
        return redirect(f"{request.path}?period={period}")


class CohortView(RoleRequiredMixin, TemplateView):
    """The campaigns and a sample of opportunities behind one side of a cohort."""

    template_name = "metrics/impact/cohort.html"
    read_roles = IMPACT_READERS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        dimension, side = kwargs["dimension"], kwargs["side"]
        if dimension not in selectors.DIMENSION_LABELS or side not in ("yes", "no"):
            raise Http404("No such cohort.")
        period, start = _period_args(request)
        snapshot = selectors.snapshot_latest(period, start)
        if snapshot is None:
            raise Http404("No snapshot for that period.")
        campaigns = selectors.cohort_campaigns(snapshot, dimension, side == "yes")
        error = ""
        try:
            sample = selectors.opportunities_sample(snapshot, [c["campaign"] for c in campaigns])
        except ValidationError as exc:
            sample, error = [], " ".join(exc.messages)
        labels = selectors.DIMENSION_LABELS[dimension]
        context = {
            "snapshot": snapshot,
            "period": period,
            "title": labels[0] if side == "yes" else labels[1],
            "campaigns": campaigns,
            "sample": sample,
            "sample_error": error,
        }
        return render(request, self.template_name, context)


class RolesView(RoleRequiredMixin, TemplateView):
    """Which warehouse dataset plays each role, and which column holds each field."""

    template_name = "metrics/impact/roles.html"
    read_roles = READ_EVERYTHING
    write_roles = ADMINS

    def _render(self, request: HttpRequest, bound: RoleMappingForm | None = None) -> HttpResponse:
        mapped = {r.role: r for r in DatasetRole.objects.select_related("dataset__warehouse")}
        sections = []
        for role, fields in ROLE_FIELDS.items():
            current = mapped.get(role)
            form = (
                bound
                if bound is not None and bound.role == role
                else RoleMappingForm(
                    role,
                    prefix=role,
                    initial={
                        "dataset": current.dataset_id if current else None,
                        **{f"col_{k}": v for k, v in (current.columns if current else {}).items()},
                    },
                )
            )
            sections.append({"role": role, "fields": fields, "current": current, "form": form})
        return render(request, self.template_name, {"sections": sections},
                      status=400 if bound is not None else 200)  # fmt: skip

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        role = request.POST.get("role", "")
        if role not in ROLE_FIELDS:
            raise Http404("Unknown role.")
        form = RoleMappingForm(role, request.POST, prefix=role)
        if form.is_valid():
            ok, _ = call_service(
                request,
                services.dataset_role_save,
                form=form,
                field_map=form.service_field_map(),
                role=role,
                dataset=form.cleaned_data["dataset"],
                columns=form.columns(),
                actor=actor_of(request),
            )
            if ok:
                messages.success(request, f"{role} mapped to {form.cleaned_data['dataset']}.")
                return redirect("metrics:impact_roles")
        return self._render(request, form)


class CostsView(RoleRequiredMixin, TemplateView):
    """The fully loaded MOPS team cost entered per month (ROI's denominator with tools and
    experiments)."""

    template_name = "metrics/impact/costs.html"
    read_roles = READ_EVERYTHING
    write_roles = ADMINS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self._render(request, TeamCostForm())

    def _render(self, request: HttpRequest, form: TeamCostForm, status: int = 200) -> HttpResponse:
        costs = TeamCost.objects.all()[:36]
        return render(request, self.template_name, {"form": form, "costs": costs}, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TeamCostForm(request.POST)
        if form.is_valid():
            ok, _ = call_service(
                request,
                services.team_cost_save,
                form=form,
                actor=actor_of(request),
                **form.cleaned_data,
            )
            if ok:
                messages.success(request, f"MOPS cost of {form.cleaned_data['month']} saved.")
                return redirect("metrics:impact_costs")
        return self._render(request, form, status=400)


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise Http404("Give the month as YYYY-MM.") from None


class ReviewView(RoleRequiredMixin, TemplateView):
    """The monthly impact review; leadership acknowledges it here."""

    template_name = "metrics/impact/review.html"
    read_roles = IMPACT_READERS
    write_roles = frozenset({Role.LEADERSHIP}) | ADMINS

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        month = _month(kwargs["month"])
        return self._render(request, month, AcknowledgeForm())

    def _render(
        self, request: HttpRequest, month: date, form: AcknowledgeForm, status: int = 200
    ) -> HttpResponse:
        context = {**selectors.review_context(month), "form": form,
                   "reviews": ImpactReview.objects.select_related("acknowledged_by")[:12]}  # fmt: skip
        return render(request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, month: str) -> HttpResponse:
        day = _month(month)
        form = AcknowledgeForm(request.POST)
        if form.is_valid():
            ok, _ = call_service(
                request,
                services.review_acknowledge,
                form=form,
                month=day,
                actor=actor_of(request),
                note=form.cleaned_data["note"],
            )
            if ok:
                messages.success(request, f"Impact review of {day:%B %Y} acknowledged.")
                return redirect("metrics:impact_review", month=month)
        return self._render(request, day, form, status=400)
