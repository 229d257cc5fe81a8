from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import READ_EVERYTHING

from .. import standup
from .figures import DEFINITIONS, EnablementFigures, enablement_figures


def _days(raw: str | None) -> int:
    try:
        days = int(raw or 90)
    except ValueError:
        raise serializers.ValidationError({"days": "Give a whole number of days."}) from None
    if not 1 <= days <= 731:
        raise serializers.ValidationError({"days": "Give between 1 and 731 days."})
    return days


class EnablementFiguresView(RoleRequiredMixin, View):
    """Training, playbook use and deflection, knowledge concentration."""

    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        raw = request.GET.get("days", "90")
        days = int(raw) if raw.isdigit() and 1 <= int(raw) <= 731 else 90
        return render(
            request,
            "metrics/enablement/figures.html",
            {"f": enablement_figures(days=days), "choices": (30, 90, 365), "d": DEFINITIONS},
        )


def as_dict(f: EnablementFigures) -> dict:
    return {
        "since": f.since,
        "days": f.days,
        "training_by_team": [
            {"team": t.team, "enrolled": t.enrolled, "completed": t.completed, "rate": t.rate}
            for t in f.training
        ],
        "training_enrolled": f.enrolled,
        "training_completed": f.completed,
        "training_completion": f.training_rate,
        "playbook_reads": f.reads,
        "playbook_readers": f.readers,
        "helpful_share": f.helpful_share,
        "self_served": f.self_served,
        "ticketed": f.ticketed,
        "deflection": f.deflection,
        "single_author_documents": f.single_author,
        "documents": f.documents,
        "knowledge_concentration": f.concentration,
        "top_owner": f.top_owner,
        "top_owner_share": f.top_owner_share,
        "office_hours_sessions_held": f.sessions_held,
        "office_hours_sessions_marked": f.sessions_marked,
        "office_hours_seats_offered": f.seats_offered,
        "office_hours_seats_booked": f.seats_booked,
        "office_hours_fill_rate": f.fill_rate,
        "office_hours_marked_bookings": f.marked_bookings,
        "office_hours_attended": f.attended,
        "office_hours_attendance": f.attendance,
        "definitions": [d.as_dict() for d in DEFINITIONS.values()],
    }


_FIGURES = inline_serializer(
    "EnablementFigures",
    fields={
        "since": serializers.DateTimeField(),
        "days": serializers.IntegerField(),
        "training_by_team": serializers.ListField(child=serializers.DictField()),
        "training_enrolled": serializers.IntegerField(),
        "training_completed": serializers.IntegerField(),
        "training_completion": serializers.FloatField(allow_null=True),
        "playbook_reads": serializers.IntegerField(),
        "playbook_readers": serializers.IntegerField(),
        "helpful_share": serializers.FloatField(allow_null=True),
        "self_served": serializers.IntegerField(),
        "ticketed": serializers.IntegerField(),
        "deflection": serializers.FloatField(allow_null=True),
        "single_author_documents": serializers.IntegerField(),
        "documents": serializers.IntegerField(),
        "knowledge_concentration": serializers.FloatField(allow_null=True),
        "top_owner": serializers.CharField(),
        "top_owner_share": serializers.FloatField(allow_null=True),
        "office_hours_sessions_held": serializers.IntegerField(),
        "office_hours_sessions_marked": serializers.IntegerField(),
        "office_hours_seats_offered": serializers.IntegerField(),
        "office_hours_seats_booked": serializers.IntegerField(),
        "office_hours_fill_rate": serializers.FloatField(allow_null=True),
        "office_hours_marked_bookings": serializers.IntegerField(),
        "office_hours_attended": serializers.IntegerField(),
        "office_hours_attendance": serializers.FloatField(allow_null=True),
        "definitions": serializers.ListField(
            child=serializers.DictField(), help_text="What each figure means (key, title, ...)."
        ),
    },
)


class EnablementFiguresApiView(APIView):
    """Enablement figures over the last `days` (default 90): training completion by team,
    playbook use and deflection, office-hours attendance and knowledge concentration, with
    their written `definitions`. Percentages are null when there is nothing to divide by."""

    read_roles = READ_EVERYTHING

    @extend_schema(parameters=[OpenApiParameter("days", int)], responses=_FIGURES)
    def get(self, request: Request) -> Response:
        return Response(as_dict(enablement_figures(days=_days(request.query_params.get("days")))))


class StandupView(RoleRequiredMixin, View):
    """The guide's 30-60-90 stand-up plan, each goal evaluated from live data."""

    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        started = standup.install_started()
        today = timezone.localdate()
        evidence = standup.standup_evidence(started=started)
        phases = standup.standup_plan(evidence, started=started, today=today)
        return render(
            request,
            "metrics/enablement/standup.html",
            {
                "phases": phases,
                "started": started,
                "day": standup.standup_day(started=started, today=today),
            },
        )


_PLAN = inline_serializer(
    "StandupPlan",
    fields={
        "started": serializers.DateField(),
        "day": serializers.IntegerField(),
        "phases": serializers.ListField(child=serializers.DictField()),
    },
)


class StandupApiView(APIView):
    """The 30-60-90 plan: per phase its due date and goals (status met / partial / missing /
    "not measurable yet", overdue, evidence, what is missing, where to do it)."""

    read_roles = READ_EVERYTHING

    @extend_schema(responses=_PLAN)
    def get(self, request: Request) -> Response:
        started = standup.install_started()
        today = timezone.localdate()
        phases = standup.standup_plan(
            standup.standup_evidence(started=started), started=started, today=today
        )
        return Response(
            {
                "started": started,
                "day": standup.standup_day(started=started, today=today),
                "phases": [
                    {
                        "title": p.title,
                        "due": p.due,
                        "goals": [g.as_dict() for g in p.goals],
                    }
                    for p in phases
                ],
            }
        )
