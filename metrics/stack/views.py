"""Tech-stack figures: a page (linked from the dashboard's Tech stack panel) and the API."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import READ_EVERYTHING

from .figures import DEFINITIONS, as_dict, stack_figures


def _day(raw: str | None) -> date | None:
    """The `day` parameter (YYYY-MM-DD, default today) or a 400 naming it."""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise serializers.ValidationError({"day": "Give a date as YYYY-MM-DD."}) from None


class StackFiguresView(RoleRequiredMixin, View):
    """Sprawl, spend, licence use, renewals, access reviews and the golden-path share."""

    read_roles = READ_EVERYTHING

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "metrics/stack/figures.html",
            {"f": stack_figures(), "d": DEFINITIONS},
        )


_MONEY = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
_FIGURES = inline_serializer(
    "StackFigures",
    fields={
        "day": serializers.DateField(),
        "quarter": serializers.CharField(),
        "tools_in_use": serializers.IntegerField(),
        "sprawl_layers": serializers.IntegerField(),
        "tools_per_layer": serializers.ListField(child=serializers.DictField()),
        "spend_per_layer": serializers.ListField(child=serializers.DictField()),
        "licence_utilisation": serializers.FloatField(allow_null=True),
        "seats_bought": serializers.IntegerField(),
        "seats_active": serializers.IntegerField(),
        "seats_unused": serializers.IntegerField(),
        "unused_seat_cost": _MONEY,
        "renewals_this_quarter": serializers.IntegerField(),
        "renewals_undecided": serializers.IntegerField(),
        "renewals_cost": _MONEY,
        "access_reviews_due": serializers.IntegerField(),
        "access_reviews_complete": serializers.IntegerField(),
        "access_review_holders": serializers.IntegerField(),
        "access_review_attested": serializers.IntegerField(),
        "access_review_completion": serializers.FloatField(allow_null=True),
        "access_reviews_overdue": serializers.IntegerField(),
        "live_requests": serializers.IntegerField(),
        "mapped_requests": serializers.IntegerField(),
        "unmapped_requests": serializers.IntegerField(),
        "golden_requests": serializers.IntegerField(),
        "golden_path_share": serializers.FloatField(allow_null=True),
        "definitions": serializers.ListField(child=serializers.DictField()),
    },
)


class StackFiguresApiView(APIView):
    """The tech-stack figures as of `day` (default today, MOPS time zone); percentages are
    null when there is nothing to divide by; amounts are decimal strings per currency."""

    read_roles = READ_EVERYTHING

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, description="As of (YYYY-MM-DD).")],
        responses=_FIGURES,
    )
    def get(self, request: Request) -> Response:
        return Response(as_dict(stack_figures(day=_day(request.query_params.get("day")))))
