"""Metrics pages: the leadership dashboard, drill-downs, CSV exports, the checklist and the
NPS survey. Thin: validate the URL filters, call selectors/services, render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, READ_EVERYTHING, Role, has_role
from mops.core.actors import actor_of
from mops.core.views import call_service

from . import dashboard, periods, selectors
from .checklist import checklist_evaluate
from .definitions import DRILLS, METRICS
from .export import csv_response
from .filters import MetricFilterForm
from .impact.selectors import impact_panel
from .models import NpsInvitation, NpsSurvey
from .services import SURVEY_SENDERS, nps_respond, nps_survey_send
from .stack.figures import stack_figures

DASHBOARD_ROLES = READ_EVERYTHING


def _filters(request: HttpRequest) -> MetricFilterForm:
    form = MetricFilterForm(request.GET)
    form.is_valid()
    return form


class DashboardView(RoleRequiredMixin, TemplateView):
    """One page a VP reads in a minute; every filter is in the URL."""

    template_name = "metrics/dashboard.html"
    read_roles = DASHBOARD_ROLES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = _filters(self.request)
        context["form"] = form
        if not form.is_valid():
            return context
        ctx = dashboard.Context(form.filters(), form.query())
        context.update(
            filters=ctx.f,
            headline=dashboard.headline(ctx),
            panels=[(dashboard.PANELS[k](ctx), ctx.csv(k)) for k in dashboard.PAGE_PANELS],
            headline_csv=ctx.csv("headline"),
            impact=impact_panel(),
            stack=stack_figures(),
            periods=[
                (p, p.capitalize(), ctx.f.period == p, {**ctx.query, "period": p, "from": ""})
                for p in periods.PERIODS
            ],
        )
        return context


class ExportView(RoleRequiredMixin, View):
    """CSV of one dashboard table, with the same URL filters."""

    read_roles = DASHBOARD_ROLES

    def get(self, request: HttpRequest, panel: str) -> HttpResponse:
        if panel not in dashboard.PANELS:
            raise Http404("No such table.")
        form = _filters(request)
        if not form.is_valid():
            return HttpResponse(
                "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items()),
                status=400,
                content_type="text/plain",
            )
        built = dashboard.PANELS[panel](dashboard.Context(form.filters(), form.query()))
        return csv_response(f"mops-{panel}.csv", built.header, built.csv_rows())


DRILL_HEADER = [
    "Request", "Title", "Service", "Team", "Class", "Status", "Submitted", "Triaged", "Accepted",
    "Live", "TTC business days", "TTC calendar days", "Triage SLA", "Delivery SLA",
]  # fmt: skip


def _met(value: bool | None) -> str:
    return "" if value is None else ("met" if value else "breached")


def drill_row(fact: Any) -> list[object]:
    tz = selectors.zone()

    def when(value: Any) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    def days(seconds: int | None, per: int) -> object:
        return round(seconds / per, 2) if seconds is not None and per else ""

    request = fact.request
    return [
        request.pk,
        str(getattr(request, "title", "") or request),
        fact.service.name,
        fact.team.name if fact.team else "",
        fact.complexity,
        str(getattr(request, "status", "")),
        when(fact.submitted_at),
        when(fact.triaged_at),
        when(fact.accepted_at),
        when(fact.live_at),
        days(fact.ttc_business_seconds, fact.day_seconds),
        days(fact.ttc_calendar_seconds, 86400),
        _met(fact.triage_met),
        _met(fact.delivery_met),
    ]


def _request_url(request: Any) -> str:
    try:
        return request.get_absolute_url()
    except NoReverseMatch:  # intake's pages not mounted (e.g. an API-only deployment)
        return ""


def _drill_input(request: HttpRequest, form: MetricFilterForm) -> tuple[str, int | None]:
    drill = request.GET.get("metric", "")
    if drill not in DRILLS:
        form.add_error(None, f"metric: choose one of {', '.join(sorted(DRILLS))}.")
    raw_bin = request.GET.get("ttc_bin", "")
    ttc_bin = None
    if raw_bin:
        if not raw_bin.isdigit() or int(raw_bin) >= len(selectors.TTC_BINS):
            form.add_error(None, f"ttc_bin: a number from 0 to {len(selectors.TTC_BINS) - 1}.")
        else:
            ttc_bin = int(raw_bin)
    return drill, ttc_bin


class DrillView(RoleRequiredMixin, TemplateView):
    """The requests behind a number (same filters; `metric`, optional `bucket`, `ttc_bin`)."""

    template_name = "metrics/drill.html"
    read_roles = DASHBOARD_ROLES
    paginate_by = 50

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = _filters(request)
        drill, ttc_bin = _drill_input(request, form) if form.is_valid() else ("", None)
        context: dict[str, Any] = {"form": form, "drill": drill}
        if form.is_valid():
            f = form.filters()
            facts = selectors.drill_facts(drill, f, ttc_bin=ttc_bin)
            if request.GET.get("format") == "csv":
                return csv_response(
                    f"mops-requests-{drill}.csv",
                    DRILL_HEADER,
                    (drill_row(x) for x in facts.iterator(2000)),
                )
            page = Paginator(facts, self.paginate_by).get_page(request.GET.get("page"))
            query = request.GET.copy()
            query.pop("page", None)
            context.update(
                title=DRILLS[drill],
                filters=f,
                page_obj=page,
                rows=[(_request_url(fact.request), drill_row(fact)) for fact in page.object_list],
                header=DRILL_HEADER,
                query=query.urlencode(),
                back=f"?{query.urlencode()}",
            )
        status = 200 if form.is_valid() else 400
        return render(request, self.template_name, context, status=status)


class HealthView(RoleRequiredMixin, TemplateView):
    """ "Are we high-performing yet?": the six checks with evidence and what is missing."""

    template_name = "metrics/health.html"
    read_roles = DASHBOARD_ROLES

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        items = checklist_evaluate()
        if request.GET.get("format") == "csv":
            return csv_response(
                "mops-checklist.csv",
                ["Item", "Status", "Evidence", "Missing"],
                ([i.title, i.status, " | ".join(i.evidence), " | ".join(i.missing)] for i in items),
            )
        met = sum(1 for i in items if i.status == "met")
        return render(request, self.template_name, {"items": items, "met": met})


class SurveySendForm(forms.Form):
    quarter = forms.CharField(max_length=7, help_text="YYYY-Qn, e.g. 2025-Q1.")


class NpsView(RoleRequiredMixin, TemplateView):
    """Surveys sent, answers by group, and (PM/admin) sending a quarter's survey."""

    template_name = "metrics/nps.html"
    read_roles = DASHBOARD_ROLES
    write_roles = SURVEY_SENDERS

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        surveys = NpsSurvey.objects.annotate(
            invited=Count("invitations", distinct=True),
            answered=Count("responses", distinct=True),
            promoters=Count("responses", filter=Q(responses__score__gte=9), distinct=True),
            detractors=Count("responses", filter=Q(responses__score__lte=6), distinct=True),
            average=Avg("responses__score"),
        ).order_by("-quarter")[:12]
        previous = periods.period_previous(
            periods.period_floor(timezone.localdate(), "quarter"), "quarter"
        )
        context.update(
            surveys=surveys,
            form=kwargs.get("form")
            or SurveySendForm(initial={"quarter": periods.quarter_of(previous)}),
            can_send=has_role(self.request.user, SURVEY_SENDERS),
            nps_definition=METRICS["nps"],
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SurveySendForm(request.POST)
        if form.is_valid():
            ok, survey = call_service(
                request,
                nps_survey_send,
                form=form,
                quarter=form.cleaned_data["quarter"],
                actor=actor_of(request),
            )
            if ok and survey is not None:
                messages.success(
                    request,
                    f"Survey {survey.quarter} sent to {survey.invitations.count()} requester(s).",
                )
                return redirect("metrics:nps")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class NpsAnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How likely are you to recommend Marketing Ops to a colleague? (0–10)",
        choices=[(i, str(i)) for i in range(11)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="What should we keep doing, or change?",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )


class NpsAnswerView(RoleRequiredMixin, View):
    """The invited requester answers from the in-app link (logged in, their own invitation)."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES
    template_name = "metrics/nps_answer.html"

    def _invitation(self, request: HttpRequest, token: str) -> NpsInvitation:
        invitation = get_object_or_404(NpsInvitation.objects.select_related("survey"), token=token)
        if invitation.requester_id != request.user.pk and not has_role(request.user, {Role.ADMIN}):
            raise Http404("No such survey invitation.")
        return invitation

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(request, token)
        return render(
            request, self.template_name, {"invitation": invitation, "form": NpsAnswerForm()}
        )

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        invitation = self._invitation(request, token)
        form = NpsAnswerForm(request.POST)
        if form.is_valid():
            try:
                nps_respond(
                    invitation=invitation,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    actor=actor_of(request),
                )
            except PermissionDenied:
                raise
            except ValidationError as exc:
                for message in exc.message_dict.get("score", exc.messages):
                    form.add_error(None, message)
            else:
                messages.success(request, "Thank you — your answer was recorded.")
                return redirect("home")
        return render(
            request, self.template_name, {"invitation": invitation, "form": form}, status=400
        )
