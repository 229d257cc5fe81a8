"""API of checklist templates, runs, results and pre-flight runs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, READ_EVERYTHING
from mops.core.actors import actor_of
from mops.core.api_views import valid_data
from mops.core.concurrency import if_match_version
from mops.core.uploads import attachment_response
from releases import work
from releases.common import CHECKERS, TEMPLATE_EDITORS
from releases.qa import selectors
from releases.qa import services as qa_services
from releases.qa.filters import ChecklistRunFilter, ChecklistTemplateFilter, PreflightRunFilter
from releases.qa.models import ChecklistRun, ChecklistTemplate, ItemResult, PreflightRun
from releases.qa.serializers import (
    ChecklistPublishSerializer,
    ChecklistRunSerializer,
    ChecklistTemplateSerializer,
    ChecklistVersionSerializer,
    ItemResultRecordSerializer,
    ItemResultSerializer,
    PreflightRunSerializer,
    PreflightStartSerializer,
)


class ChecklistTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """QA checklist templates (by channel and/or change type) with versioned items."""

    serializer_class = ChecklistTemplateSerializer
    queryset = ChecklistTemplate.objects.none()
    read_roles = MOPS_STAFF | READ_EVERYTHING
    write_roles = TEMPLATE_EDITORS
    filterset_class = ChecklistTemplateFilter

    def get_queryset(self) -> QuerySet[ChecklistTemplate]:
        return (
            ChecklistTemplate.objects.select_related("current_version__created_by")
            .prefetch_related("current_version__items")
            .order_by("phase", "name")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = valid_data(ChecklistTemplateSerializer, request)
        template = qa_services.checklist_template_create(actor=actor_of(request), **data)
        return Response(
            ChecklistTemplateSerializer(self.get_queryset().get(pk=template.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ChecklistPublishSerializer, responses=ChecklistVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """A new version of the items; runs already made keep the version they used."""
        data = valid_data(ChecklistPublishSerializer, request)
        version = qa_services.checklist_template_publish(
            template=self.get_object(),
            actor=actor_of(request),
            items=data["items"],
            changelog=data["changelog"],
        )
        return Response(ChecklistVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class ChecklistRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Checklist runs (a template version instantiated for a request) with item results."""

    serializer_class = ChecklistRunSerializer
    queryset = selectors.checklist_runs().none()
    read_roles = MOPS_STAFF | READ_EVERYTHING
    filterset_class = ChecklistRunFilter

    def get_queryset(self) -> QuerySet[ChecklistRun]:
        visible = work.requests_visible_to(self.request.user).values("pk")
        return (
            selectors.checklist_runs()
            .filter(request__in=visible)
            .prefetch_related("results__item", "results__checked_by")
        )


class ItemResultViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One checklist item's result. `record` ticks it with evidence (JSON or multipart
    with `evidence_file`); If-Match guards against a stale tick."""

    serializer_class = ItemResultSerializer
    queryset = ItemResult.objects.none()
    read_roles = MOPS_STAFF | READ_EVERYTHING
    write_roles = CHECKERS
    # Evidence follows the visibility of its request: its requester's team may download it.
    action_roles = {"evidence": ALL_ROLES}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ItemResult]:
        visible = work.requests_visible_to(self.request.user).values("pk")
        return ItemResult.objects.filter(run__request__in=visible).select_related(
            "item", "checked_by"
        )

    @extend_schema(request=ItemResultRecordSerializer, responses=ItemResultSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        data = valid_data(ItemResultRecordSerializer, request)
        result = qa_services.item_result_record(
            result=self.get_object(),
            actor=actor_of(request),
            state=data["state"],
            evidence_link=data.get("evidence_link") or "",
            evidence_file=data.get("evidence_file"),
            evidence_note=data.get("evidence_note") or "",
            expected_version=if_match_version(request),
        )
        return Response(
            ItemResultSerializer(
                self.get_queryset().get(pk=result.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such result, not visible, or no file."),
        }
    )
    @action(detail=True, methods=["get"])
    def evidence(self, request: Request, pk: str | None = None) -> FileResponse:
        """Download the evidence file as an attachment (visible requests only)."""
        result = self.get_object()
        return attachment_response(
            result.evidence_file, filename=result.evidence_filename or "evidence"
        )


class PreflightRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Automated pre-flight checks (email_html, tracking, links). POST queues one; a
    worker runs it and stores the findings (check, severity, message, where)."""

    serializer_class = PreflightRunSerializer
    queryset = selectors.preflight_runs().none()
    read_roles = MOPS_STAFF | READ_EVERYTHING
    write_roles = CHECKERS
    filterset_class = PreflightRunFilter

    def get_queryset(self) -> QuerySet[PreflightRun]:
        visible = work.requests_visible_to(self.request.user).values("pk")
        return selectors.preflight_runs().filter(request__in=visible)

    @extend_schema(request=PreflightStartSerializer, responses={201: PreflightRunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = valid_data(PreflightStartSerializer, request)
        work_request = get_object_or_404(work.requests_visible_to(request.user), pk=data["request"])
        item_result = None
        if data.get("item_result"):
            item_result = get_object_or_404(
                ItemResult.objects.select_related("run"), pk=data["item_result"]
            )
        run = qa_services.preflight_start(
            request=work_request,
            actor=actor_of(request),
            check=data["check_name"],
            html=data["html"],
            urls=data["urls"],
            item_result=item_result,
        )
        run.refresh_from_db()
        return Response(PreflightRunSerializer(run).data, status=status.HTTP_201_CREATED)
