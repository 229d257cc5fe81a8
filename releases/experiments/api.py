"""API of the experiment register."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from mops.core.actors import actor_of
from mops.core.api_views import ServiceWriteViewSet, valid_data
from mops.core.concurrency import IF_MATCH_PARAMETER as IF_MATCH
from mops.core.concurrency import if_match_version
from releases.common import EXPERIMENT_EDITORS, EXPERIMENT_READERS
from releases.experiments import selectors
from releases.experiments import services as experiments_services
from releases.experiments.filters import ExperimentFilter
from releases.experiments.models import Experiment
from releases.experiments.serializers import (
    ExperimentDetailSerializer,
    ExperimentSerializer,
    ExperimentTransitionSerializer,
    ExperimentWriteSerializer,
)

EXPERIMENT_ERRORS = {
    400: OpenApiResponse(description="Invalid input; `field` names the input at fault"),
    403: OpenApiResponse(description="Not allowed"),
    404: OpenApiResponse(description="Not found"),
    409: OpenApiResponse(description="Transition not allowed from this state"),
    412: OpenApiResponse(description="Stale If-Match"),
}


@extend_schema_view(
    partial_update=extend_schema(
        request=ExperimentWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ExperimentDetailSerializer, **EXPERIMENT_ERRORS},
    )
)
class ExperimentViewSet(ServiceWriteViewSet):
    """The experiment register. MOPS staff write; staff and leadership read. The detail
    carries the event timeline and `ETag: "<version>"`; PATCH and transitions accept
    `If-Match` (412 when stale). The required sample per variant is computed from
    baseline, MDE, α and power (two-proportion z-test)."""

    serializer_class = ExperimentSerializer
    write_serializer_class = ExperimentWriteSerializer
    queryset = Experiment.objects.none()
    read_roles = EXPERIMENT_READERS
    write_roles = EXPERIMENT_EDITORS
    action_roles = {"transition": EXPERIMENT_EDITORS}
    filterset_class = ExperimentFilter
    ordering_fields = ["created_at", "concluded_at", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Experiment]:
        if self.action == "list":
            return selectors.experiments()
        return selectors.experiment_detail()

    def get_serializer_class(self) -> type[BaseSerializer]:
        return ExperimentSerializer if self.action == "list" else ExperimentDetailSerializer

    def respond(self, obj: Experiment, code: int = status.HTTP_200_OK) -> Response:
        """The detail, read again, with its `ETag`."""
        experiment = selectors.experiment_detail().get(pk=obj.pk)
        data = ExperimentDetailSerializer(experiment, context=self.get_serializer_context()).data
        response = Response(data, status=code)
        response["ETag"] = experiment.etag
        return response

    @extend_schema(responses={200: ExperimentDetailSerializer, 404: EXPERIMENT_ERRORS[404]})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.respond(self.get_object())

    @extend_schema(
        request=ExperimentWriteSerializer,
        responses={201: ExperimentDetailSerializer, **EXPERIMENT_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        experiment = experiments_services.experiment_create(actor=actor_of(request), **data)
        return self.respond(experiment, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        experiment = self.get_object()
        data = self.validated(request, partial=partial)
        experiment = experiments_services.experiment_update(
            experiment=experiment,
            actor=actor_of(request),
            expected_version=if_match_version(request),
            **data,
        )
        return self.respond(experiment)

    @extend_schema(
        request=ExperimentTransitionSerializer,
        parameters=[IF_MATCH],
        responses={200: ExperimentDetailSerializer, **EXPERIMENT_ERRORS},
        description="start (planned → running), conclude (running → concluded: `result`, "
        "`learnings` and `observed_sample_per_variant` required; `met_power` is computed), "
        "stop (running → stopped, `note` required), cancel (planned → cancelled, `note` "
        "required).",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        experiment = self.get_object()
        data = valid_data(ExperimentTransitionSerializer, request)
        experiment = experiments_services.experiment_transition(
            experiment=experiment,
            name=data["name"],
            note=data["note"],
            result=data["result"],
            learnings=data["learnings"],
            observed_sample_per_variant=data.get("observed_sample_per_variant"),
            actor=actor_of(request),
            expected_version=if_match_version(request),
        )
        return self.respond(experiment)
