"""Metrics API: every figure at /api/v1/metrics/<key>/ with the dashboard's filters, the
drill-down list, the checklist and NPS answers. Read-only for leadership, PMs, engineers
and admins (answering the survey: the invited requester)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mops.accounts.roles import ALL_ROLES, READ_EVERYTHING
from mops.core.actors import actor_of

from .. import periods, selectors
from ..checklist import checklist_evaluate
from ..definitions import DRILLS, METRICS
from ..filters import GROUP_BY, MetricFilterForm, MetricFilters, filter_errors
from ..models import NpsInvitation, RequestFact
from ..services import nps_respond
from .serializers import (
    ChecklistSerializer,
    DefinitionSerializer,
    DrillRequestSerializer,
    MetricSerializer,
    NpsAnswerSerializer,
    NpsResponseSerializer,
)

FILTER_PARAMETERS = [
    OpenApiParameter("period", str, enum=list(periods.PERIODS), description="Bucket size (default week)."),
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (rounded down to its period)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default today)."),
    OpenApiParameter("class", str, enum=["simple", "standard", "complex"], description="Complexity class."),
    OpenApiParameter("service", str, description="Catalog service slug."),
    OpenApiParameter("team", str, description="Team slug."),
    OpenApiParameter("channel", str, description="Channel of the service."),
    OpenApiParameter("group_by", str, enum=[g for g, _ in GROUP_BY], description="One series per group."),
    OpenApiParameter("group", str, description="NPS only: requester group (demand_gen, field, sales…)."),
]  # fmt: skip


def validated_filters(request: Request, *, metric: str | None = None) -> MetricFilters:
    """The URL filters, or a 400 naming each bad parameter."""
    form = MetricFilterForm(request.query_params)
    if not form.is_valid():
        raise serializers.ValidationError(filter_errors(form))
    filters = form.filters()
    if metric:
        problem = selectors.group_by_error(metric, filters.group_by)
        if problem:
            raise serializers.ValidationError({"group_by": [problem]})
    return filters


class MetricListView(APIView):
    read_roles = READ_EVERYTHING

    @extend_schema(
        summary="Every figure mops computes, with its written definition",
        responses=DefinitionSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        data = [
            {**m.as_dict(), "url": request.build_absolute_uri(f"/api/v1/metrics/{m.key}/")}
            for m in METRICS.values()
        ]
        return Response(data)


class MetricView(APIView):
    """One figure by period (and group), each point with the previous period's value."""

    read_roles = READ_EVERYTHING
    metric = ""

    @extend_schema(parameters=FILTER_PARAMETERS, responses=MetricSerializer)
    def get(self, request: Request) -> Response:
        filters = validated_filters(request, metric=self.metric)
        return Response(selectors.metric_result(self.metric, filters).as_dict())


def metric_view(key: str) -> Any:
    """A view class per figure, so the schema documents each URL with its own summary."""
    definition = METRICS[key]

    # A fresh method per figure: extend_schema annotates the function it decorates, and
    # operation ids belong on methods, not on view classes.
    def get(self: MetricView, request: Request) -> Response:
        return MetricView.get(self, request)

    get = extend_schema(
        summary=definition.title,
        description=definition.definition,
        operation_id=f"metrics_{key}",
        parameters=FILTER_PARAMETERS,
        responses=MetricSerializer,
    )(get)
    return type(f"Metric_{key}", (MetricView,), {"metric": key, "get": get})


class ChecklistView(APIView):
    read_roles = READ_EVERYTHING

    @extend_schema(
        summary='"Are we high-performing yet?" evaluated now', responses=ChecklistSerializer
    )
    def get(self, request: Request) -> Response:
        items = checklist_evaluate()
        return Response(
            {
                "met": sum(1 for i in items if i.status == "met"),
                "items": [i.as_dict() for i in items],
            }
        )


class DrillView(generics.ListAPIView):
    """The requests behind a number: `metric` names the drill, plus the figure filters and
    an optional `bucket` (start of one period)."""

    read_roles = READ_EVERYTHING
    serializer_class = DrillRequestSerializer
    filter_backends: list = []

    @extend_schema(
        summary="The requests behind a number",
        parameters=[
            OpenApiParameter("metric", str, enum=sorted(DRILLS), required=True),
            OpenApiParameter("bucket", OpenApiTypes.DATE, description="Start of one period."),
            OpenApiParameter("ttc_bin", int, description="TTC distribution bin (0–6)."),
            *FILTER_PARAMETERS[:-2],
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[RequestFact]:
        filters = validated_filters(self.request)
        drill = self.request.query_params.get("metric", "")
        errors: dict[str, list[str]] = {}
        if drill not in DRILLS:
            errors["metric"] = [f"Choose one of {', '.join(sorted(DRILLS))}."]
        raw_bin = self.request.query_params.get("ttc_bin", "")
        ttc_bin = None
        if raw_bin:
            if not raw_bin.isdigit() or int(raw_bin) >= len(selectors.TTC_BINS):
                errors["ttc_bin"] = [f"A number from 0 to {len(selectors.TTC_BINS) - 1}."]
            else:
                ttc_bin = int(raw_bin)
        if errors:
            raise serializers.ValidationError(errors)
        return selectors.drill_facts(drill, filters, ttc_bin=ttc_bin)


class NpsAnswerView(APIView):
    """The invited requester answers the survey (the token comes from their notification)."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    @extend_schema(
        summary="Answer a survey invitation (0–10 and a comment)",
        request=NpsAnswerSerializer,
        responses={201: NpsResponseSerializer},
    )
    def post(self, request: Request, token: str) -> Response:
        invitation = get_object_or_404(
            NpsInvitation.objects.filter(requester=actor_of(request)).select_related("survey"),
            token=token,
        )
        body = NpsAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        response = nps_respond(
            invitation=invitation,
            score=body.validated_data["score"],
            comment=body.validated_data.get("comment", ""),
            actor=actor_of(request),
        )
        return Response(NpsResponseSerializer(response).data, status=status.HTTP_201_CREATED)
