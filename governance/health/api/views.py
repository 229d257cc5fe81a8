"""Data-health API: datasets (+ run now, contract as JSON and ODCS YAML), runs with results,
monitors (+ ping), incidents (+ acknowledge / resolve), rotations, runbooks (?q= search).
Same services and selectors as the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from governance.health import selectors as hs
from governance.health.filters import (
    CheckRunFilter,
    IncidentFilter,
)
from governance.health.models import (
    CheckRun,
    Dataset,
    Incident,
    Monitor,
    Rotation,
    Runbook,
)
from governance.health.services import (
    RunInProgress,
    contract_draft,
    contract_import_yaml,
    contract_save,
    dataset_run_checks,
    dataset_save,
    incident_acknowledge,
    incident_resolve,
    monitor_ping,
)
from governance.health.views.datasets import contract_yaml
from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING
from mops.core.actors import actor_of
from mops.core.concurrency import if_match_version

from .serializers import (
    CheckDefinitionSerializer,
    CheckRunDetailSerializer,
    CheckRunSerializer,
    ContractDraftSerializer,
    ContractSerializer,
    ContractYamlSerializer,
    DatasetSerializer,
    DatasetWriteSerializer,
    IncidentActionSerializer,
    IncidentSerializer,
    MonitorSerializer,
    RotationSerializer,
    RunbookSerializer,
    RunRequestSerializer,
)


class Conflict(serializers.ValidationError):
    status_code = 409


class DatasetViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Datasets: read by staff and leadership; created and edited by admins through
    `dataset_save` (the page's service: cron checked, beat schedule synced)."""

    serializer_class = DatasetSerializer
    read_roles = READ_EVERYTHING
    write_roles = ADMINS
    action_roles = {"run": MOPS_STAFF}

    def get_queryset(self) -> QuerySet[Dataset]:
        return hs.datasets_with_health()

    def _save(self, request: Request, dataset: Dataset | None, partial: bool) -> Response:
        body = DatasetWriteSerializer(dataset, data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        saved = dataset_save(
            actor=actor_of(request),
            dataset=dataset,
            warehouse=data.pop("warehouse", dataset.warehouse if dataset else None),
            schema=data.pop("schema", dataset.schema if dataset else ""),
            table=data.pop("table", dataset.table if dataset else ""),
            **data,
        )
        created = dataset is None
        return Response(
            DatasetSerializer(self.get_queryset().get(pk=saved.pk)).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(request=DatasetWriteSerializer, responses={201: DatasetSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        return self._save(request, None, partial=False)

    @extend_schema(request=DatasetWriteSerializer, responses={200: DatasetSerializer})
    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        return self._save(request, self.get_object(), partial=bool(kwargs.get("partial")))

    @extend_schema(
        request=RunRequestSerializer,
        responses={
            201: CheckRunDetailSerializer,
            409: OpenApiResponse(description="A run is in progress"),
        },
    )
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str | None = None) -> Response:
        dataset = self.get_object()
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = dataset_run_checks(
                dataset_id=dataset.pk,
                mode=body.validated_data["mode"],
                trigger=CheckRun.Trigger.API,
                actor=actor_of(request),
            )
        except RunInProgress as exc:
            raise Conflict({"dataset": str(exc)}) from None
        return Response(CheckRunDetailSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CheckDefinitionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)  # a plain list, not a page
    def checks(self, request: Request, pk: str | None = None) -> Response:
        """The check definitions the contract compiles to (semantics, thresholds)."""
        return Response(
            CheckDefinitionSerializer(
                hs.dataset_check_definitions(self.get_object()), many=True
            ).data
        )

    @extend_schema(methods=["GET"], responses={200: ContractSerializer})
    @extend_schema(
        methods=["PUT"],
        request=ContractSerializer,
        responses={200: ContractSerializer, 412: OpenApiResponse(description="Stale If-Match")},
    )
    @action(detail=True, methods=["get", "put"])
    def contract(self, request: Request, pk: str | None = None) -> Response:
        dataset = self.get_object()
        if request.method == "GET":
            contract = get_object_or_404(
                type(dataset).contract.related.related_model, dataset=dataset
            )
            return Response(ContractSerializer(contract).data)
        body = ContractSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        contract = contract_save(
            dataset=dataset,
            actor=actor_of(request),
            spec=data["spec"] if isinstance(data["spec"], dict) else {},
            description=data.get("description"),
            consumers=data.get("consumers"),
            status=data.get("status"),
            expected_version=if_match_version(request),
        )
        return Response(ContractSerializer(contract).data)

    @extend_schema(responses={200: ContractDraftSerializer})
    @action(detail=True, methods=["get"], url_path="contract-draft")
    def contract_draft(self, request: Request, pk: str | None = None) -> Response:
        """A contract drafted from the table (types, NOT NULL, keys, observed formats) for the
        owner to refine; nothing is saved. Admins only."""
        draft = contract_draft(dataset=self.get_object(), actor=actor_of(request))
        return Response(ContractDraftSerializer(draft).data)

    @extend_schema(
        methods=["GET"],
        responses={(200, "application/yaml"): OpenApiResponse(description="ODCS v3 YAML")},
    )
    @extend_schema(
        methods=["PUT"], request=ContractYamlSerializer, responses={200: ContractSerializer}
    )
    @action(detail=True, methods=["get", "put"], url_path="contract-yaml")
    def contract_yaml(self, request: Request, pk: str | None = None) -> Response | HttpResponse:
        dataset = self.get_object()
        if request.method == "GET":
            if not hasattr(dataset, "contract"):
                return Response(
                    {
                        "errors": [
                            {"field": None, "code": "not_found", "message": "No contract yet."}
                        ]
                    },
                    status=404,
                )
            return HttpResponse(
                contract_yaml(dataset), content_type="application/yaml; charset=utf-8"
            )
        body = ContractYamlSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contract = contract_import_yaml(
            dataset=dataset,
            actor=actor_of(request),
            text=body.validated_data["yaml"],
            expected_version=if_match_version(request),
        )
        return Response(ContractSerializer(contract).data)


class CheckRunViewSet(viewsets.ReadOnlyModelViewSet):
    read_roles = READ_EVERYTHING
    filterset_class = CheckRunFilter

    def get_queryset(self) -> QuerySet[CheckRun]:
        qs = CheckRun.objects.select_related("dataset").order_by("-started_at")
        if self.action == "retrieve":
            qs = qs.prefetch_related("results")
        return qs

    def get_serializer_class(self) -> type[BaseSerializer]:
        return CheckRunDetailSerializer if self.action == "retrieve" else CheckRunSerializer


class MonitorViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MonitorSerializer
    read_roles = READ_EVERYTHING
    action_roles = {"ping": MOPS_STAFF}
    queryset = Monitor.objects.order_by("name")

    @extend_schema(request=None, responses={200: MonitorSerializer})
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: str | None = None) -> Response:
        monitor = self.get_object()
        monitor_ping(monitor=monitor, method="API", remote_addr=request.META.get("REMOTE_ADDR"))
        monitor.refresh_from_db()
        return Response(MonitorSerializer(monitor).data)


class IncidentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IncidentSerializer
    read_roles = READ_EVERYTHING
    action_roles = {"acknowledge": MOPS_STAFF, "resolve": MOPS_STAFF}

    filterset_class = IncidentFilter

    def get_queryset(self) -> QuerySet[Incident]:
        return hs.incidents_list()

    def _step(self, request: Request, step: Callable[..., Incident]) -> Response:
        body = IncidentActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = step(
            incident=self.get_object(), actor=actor_of(request), note=body.validated_data["note"]
        )
        return Response(IncidentSerializer(Incident.objects.get(pk=incident.pk)).data)

    @extend_schema(request=IncidentActionSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, incident_acknowledge)

    @extend_schema(request=IncidentActionSerializer, responses={200: IncidentSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        return self._step(request, incident_resolve)


class RotationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RotationSerializer
    read_roles = READ_EVERYTHING

    def get_queryset(self) -> QuerySet[Rotation]:
        return hs.rotations()


class RunbookViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RunbookSerializer
    read_roles = READ_EVERYTHING
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Runbook]:
        return hs.runbooks_search(self.request.query_params.get("q", "")[:200])

    @extend_schema(parameters=[OpenApiParameter("q", str, description="Full-text search")])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
