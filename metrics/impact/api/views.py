"""Business-impact API: snapshots (every model's figures), recompute, role mappings, team
cost, cohort drill-down and the monthly review. Same services and selectors as the pages."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mops.accounts.roles import ADMINS, READ_EVERYTHING, Role
from mops.core.actors import actor_of
from mops.core.concurrency import if_match_version

from .. import selectors, services
from ..models import DatasetRole, ImpactReview, ImpactSnapshot, TeamCost
from ..warehouse import Dataset
from .serializers import (
    AcknowledgeSerializer,
    CohortSerializer,
    DatasetRoleSerializer,
    ReviewSerializer,
    SnapshotSerializer,
    SnapshotSummarySerializer,
    TeamCostSerializer,
)

PERIOD = OpenApiParameter("period", str, enum=["month", "quarter"], description="Default month.")


def _period(request: Request) -> str:
    period = request.query_params.get("period", "month")
    if period not in ImpactSnapshot.Period.values:
        raise serializers.ValidationError({"period": ["Use month or quarter."]})
    return period


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise serializers.ValidationError({"month": ["Give the month as YYYY-MM."]}) from None


class SnapshotListView(APIView):
    read_roles = READ_EVERYTHING

    @extend_schema(
        summary="Business-impact snapshots, newest first",
        parameters=[PERIOD],
        responses=SnapshotSummarySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        qs = ImpactSnapshot.objects.filter(period=_period(request))[:24]
        return Response(SnapshotSummarySerializer(qs, many=True).data)


class SnapshotDetailView(APIView):
    read_roles = READ_EVERYTHING

    @extend_schema(summary="One period's business-impact figures", responses=SnapshotSerializer)
    def get(self, request: Request, period: str, start: str) -> Response:
        try:
            day = date.fromisoformat(start)
        except ValueError:
            raise Http404("Give the start as YYYY-MM-DD.") from None
        snapshot = get_object_or_404(ImpactSnapshot, period=period, start=day)
        return Response(SnapshotSerializer(snapshot).data)


class RefreshView(APIView):
    read_roles = ADMINS
    write_roles = ADMINS

    @extend_schema(
        summary="Recompute the current and previous month and quarter in the warehouse",
        request=None,
        responses=inline_serializer("ImpactRefresh", {"refreshed": serializers.IntegerField()}),
    )
    def post(self, request: Request) -> Response:
        return Response({"refreshed": services.snapshots_refresh()})


class RolesView(APIView):
    read_roles = READ_EVERYTHING
    write_roles = ADMINS

    @extend_schema(summary="Dataset role mappings", responses=DatasetRoleSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(DatasetRoleSerializer(DatasetRole.objects.all(), many=True).data)

    @extend_schema(
        summary="Map a dataset to a role (validated against the warehouse's columns)",
        request=DatasetRoleSerializer,
        responses=DatasetRoleSerializer,
    )
    def post(self, request: Request) -> Response:
        data = DatasetRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dataset = Dataset.objects.filter(pk=data.validated_data["dataset_id"]).first()
        if dataset is None:
            raise serializers.ValidationError({"dataset": ["No such dataset."]})
        item = services.dataset_role_save(
            role=data.validated_data["role"],
            dataset=dataset,
            columns=data.validated_data["columns"],
            actor=actor_of(request),
            expected_version=if_match_version(request),
        )
        return Response(DatasetRoleSerializer(item).data)


class CostsView(APIView):
    read_roles = READ_EVERYTHING
    write_roles = ADMINS

    @extend_schema(summary="MOPS team cost per month", responses=TeamCostSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(TeamCostSerializer(TeamCost.objects.all()[:60], many=True).data)

    @extend_schema(
        summary="Enter or correct one month's team cost",
        request=TeamCostSerializer,
        responses=TeamCostSerializer,
    )
    def post(self, request: Request) -> Response:
        data = TeamCostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.team_cost_save(
            actor=actor_of(request),
            expected_version=if_match_version(request),
            **data.validated_data,
        )
        return Response(TeamCostSerializer(item).data)


class CohortView(APIView):
    read_roles = READ_EVERYTHING

    @extend_schema(
        summary="Campaigns and a sample of opportunities (masked) behind one cohort side",
        parameters=[PERIOD, OpenApiParameter("start", str, description="YYYY-MM-DD")],
        responses=CohortSerializer,
    )
    def get(self, request: Request, dimension: str, side: str) -> Response:
        if dimension not in selectors.DIMENSION_LABELS or side not in ("yes", "no"):
            raise Http404("No such cohort.")
        raw = request.query_params.get("start", "")
        try:
            start = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise serializers.ValidationError({"start": ["Give the date as YYYY-MM-DD."]}) from None
        snapshot = selectors.snapshot_latest(_period(request), start)
        if snapshot is None:
            raise Http404("No snapshot for that period.")
        campaigns = selectors.cohort_campaigns(snapshot, dimension, side == "yes")
        try:
            sample = selectors.opportunities_sample(snapshot, [c["campaign"] for c in campaigns])
        except ValidationError as exc:
            return Response({"errors": [{"field": "", "code": "unavailable",
                                         "message": " ".join(exc.messages)}]}, status=503)  # fmt: skip
        return Response({"campaigns": campaigns, "opportunities": sample})


class ReviewListView(APIView):
    read_roles = READ_EVERYTHING

    @extend_schema(summary="Monthly impact reviews", responses=ReviewSerializer(many=True))
    def get(self, request: Request) -> Response:
        qs = ImpactReview.objects.select_related("acknowledged_by")[:24]
        return Response(ReviewSerializer(qs, many=True).data)


class ReviewAcknowledgeView(APIView):
    read_roles = READ_EVERYTHING
    write_roles = frozenset({Role.LEADERSHIP}) | ADMINS

    @extend_schema(
        summary="Acknowledge a month's impact review (leadership)",
        request=AcknowledgeSerializer,
        responses=ReviewSerializer,
    )
    def post(self, request: Request, month: str) -> Response:
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_acknowledge(
            month=_month(month), actor=actor_of(request), note=data.validated_data["note"]
        )
        return Response(ReviewSerializer(review).data)
