"""Releases API: trains, departures (with manifest; board and transitions as actions),
boardings (move, remove, mark live / rolled back), freezes, checklist templates, checklist
runs and item results, pre-flight check runs, the experiment register. Thin: validate
input, call a service."""

from __future__ import annotations

import re
from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, READ_EVERYTHING, Role
from mops.core.uploads import attachment_response

from .. import selectors, services, work
from ..filters import (
    ChecklistRunFilter,
    ChecklistTemplateFilter,
    DepartureFilter,
    ExperimentFilter,
    FreezeFilter,
    PreflightRunFilter,
    TrainFilter,
)
from ..models import Boarding, ChecklistTemplate, Departure, Experiment, Freeze, ItemResult
from .serializers import (
    BoardSerializer,
    ChecklistPublishSerializer,
    ChecklistRunSerializer,
    ChecklistTemplateSerializer,
    ChecklistVersionSerializer,
    DepartureDetailSerializer,
    DepartureSerializer,
    DepartureUpdateSerializer,
    ExperimentDetailSerializer,
    ExperimentSerializer,
    ExperimentTransitionSerializer,
    ExperimentWriteSerializer,
    FreezeSerializer,
    ItemResultRecordSerializer,
    ItemResultSerializer,
    ManifestEntrySerializer,
    MarkSerializer,
    MoveSerializer,
    NoteSerializer,
    PreflightRunSerializer,
    PreflightStartSerializer,
    TrainSerializer,
    TransitionSerializer,
)

RELEASE_READERS = READ_EVERYTHING | {Role.APPROVER}


def if_match(request: Request) -> int | None:
    raw = request.headers.get("If-Match")
    if not raw:
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', raw)
    if not match:
        raise serializers.ValidationError({"If-Match": 'Send the version as If-Match: "<n>".'})
    return int(match.group(1))


def _valid(serializer_class: type, request: Request, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class TrainViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Release trains. Creating one materialises its departures over its horizon; a
    timing change re-generates future departures nobody boarded or edited.
    Updates may send `If-Match: "<version>"` (412 when stale)."""

    serializer_class = TrainSerializer
    queryset = selectors.trains()
    read_roles = RELEASE_READERS
    write_roles = services.TRAIN_EDITORS
    filterset_class = TrainFilter
    ordering_fields = ["name", "created_at"]
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.trains()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(TrainSerializer, request)
        train = services.train_create(actor=request.user, owner=request.user, **data)
        return Response(TrainSerializer(train).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        train = self.get_object()
        partial = kwargs.pop("partial", False)
        data = _valid(TrainSerializer, request, instance=train, partial=partial)
        train = services.train_update(
            train=train, actor=request.user, expected_version=if_match(request), **data
        )
        return Response(TrainSerializer(train).data)


class DepartureViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Departures with seats taken and freezes touching them; the detail carries the
    manifest. PATCH moves one (`starts_at`) or changes its capacity/note (If-Match)."""

    serializer_class = DepartureSerializer
    queryset = Departure.objects.none()
    read_roles = RELEASE_READERS
    write_roles = services.DEPARTURE_EDITORS
    action_roles = {"board": services.BOARDERS, "transition": MOPS_STAFF}
    filterset_class = DepartureFilter
    ordering_fields = ["starts_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.departures(with_manifest=self.action != "list")

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return DepartureSerializer if self.action == "list" else DepartureDetailSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "frozen": selectors.frozen_map(rows)}
        data = DepartureSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _detail(self, departure: Departure, code: int = 200) -> Response:
        departure = self.get_queryset().get(pk=departure.pk)
        context = {
            **self.get_serializer_context(),
            "frozen": selectors.frozen_map([departure]),
        }
        return Response(DepartureDetailSerializer(departure, context=context).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    @extend_schema(request=DepartureUpdateSerializer, responses=DepartureDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        departure = self.get_object()
        data = _valid(DepartureUpdateSerializer, request)
        departure = services.departure_update(
            departure=departure, actor=request.user, expected_version=if_match(request), **data
        )
        return self._detail(departure)

    @extend_schema(request=TransitionSerializer, responses=DepartureDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """close_boarding, reopen, depart, close or cancel (cancel needs a note)."""
        data = _valid(TransitionSerializer, request)
        departure = services.departure_transition(
            departure=self.get_object(), name=data["name"], note=data["note"], actor=request.user
        )
        return self._detail(departure)

    @extend_schema(request=BoardSerializer, responses={201: ManifestEntrySerializer})
    @action(detail=True, methods=["post"])
    def board(self, request: Request, pk: str | None = None) -> Response:
        """Board a request (in QA) or an approved RFC. A refusal is a 400 whose error
        `field` names the rule that failed: channel, capacity, cutoff, freeze, checklist,
        departure or state."""
        departure = self.get_object()
        data = _valid(BoardSerializer, request)
        subject: dict[str, Any] = {}
        if data.get("request"):
            subject["request"] = get_object_or_404(
                work.requests_visible_to(request.user), pk=data["request"]
            )
        else:
            subject["rfc"] = get_object_or_404(work.rfcs_visible_to(request.user), pk=data["rfc"])
        boarding = services.departure_board(
            departure=departure,
            actor=request.user,
            override_reason=data["override_reason"],
            note=data["note"],
            **subject,
        )
        return Response(ManifestEntrySerializer(boarding).data, status=status.HTTP_201_CREATED)


class BoardingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Manifest entries. Actions: move (to the next open departure by default), remove
    (a request goes back to QA), mark (live — the TTC clock stops — or rolled_back)."""

    serializer_class = ManifestEntrySerializer
    queryset = Boarding.objects.none()
    read_roles = RELEASE_READERS
    write_roles = services.BOARDERS
    action_roles = {
        "move": services.BOARDERS,
        "remove": services.BOARDERS,
        "mark": services.LAUNCHERS,
    }
    ordering_fields = ["boarded_at"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Boarding.objects.select_related("boarded_by").order_by("-boarded_at", "-id")

    @extend_schema(request=MoveSerializer, responses=ManifestEntrySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        data = _valid(MoveSerializer, request)
        target = get_object_or_404(Departure, pk=data["to"]) if data.get("to") else None
        moved = services.boarding_move(
            boarding=self.get_object(),
            actor=request.user,
            to=target,
            override_reason=data["override_reason"],
        )
        return Response(ManifestEntrySerializer(moved).data)

    @extend_schema(request=NoteSerializer, responses=ManifestEntrySerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        data = _valid(NoteSerializer, request)
        boarding = services.boarding_remove(
            boarding=self.get_object(), actor=request.user, note=data["note"]
        )
        return Response(ManifestEntrySerializer(boarding).data)

    @extend_schema(request=MarkSerializer, responses=ManifestEntrySerializer)
    @action(detail=True, methods=["post"])
    def mark(self, request: Request, pk: str | None = None) -> Response:
        data = _valid(MarkSerializer, request)
        boarding = services.boarding_mark(
            boarding=self.get_object(),
            outcome=data["outcome"],
            note=data["note"],
            actor=request.user,
        )
        return Response(ManifestEntrySerializer(boarding).data)


class FreezeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Change freezes, one-off or recurring, global or per channel (admins write)."""

    serializer_class = FreezeSerializer
    queryset = Freeze.objects.none()
    read_roles = RELEASE_READERS
    write_roles = services.FREEZE_EDITORS
    filterset_class = FreezeFilter
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.freezes()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(FreezeSerializer, request)
        freeze = services.freeze_create(actor=request.user, **data)
        return Response(FreezeSerializer(freeze).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        freeze = self.get_object()
        partial = kwargs.pop("partial", False)
        data = _valid(FreezeSerializer, request, instance=freeze, partial=partial)
        freeze = services.freeze_update(
            freeze=freeze, actor=request.user, expected_version=if_match(request), **data
        )
        return Response(FreezeSerializer(freeze).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.freeze_delete(freeze=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
    write_roles = services.TEMPLATE_EDITORS
    filterset_class = ChecklistTemplateFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return (
            ChecklistTemplate.objects.select_related("current_version__created_by")
            .prefetch_related("current_version__items")
            .order_by("phase", "name")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(ChecklistTemplateSerializer, request)
        template = services.checklist_template_create(actor=request.user, **data)
        return Response(
            ChecklistTemplateSerializer(self.get_queryset().get(pk=template.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ChecklistPublishSerializer, responses=ChecklistVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """A new version of the items; runs already made keep the version they used."""
        data = _valid(ChecklistPublishSerializer, request)
        version = services.checklist_template_publish(
            template=self.get_object(),
            actor=request.user,
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

    def get_queryset(self):  # type: ignore[no-untyped-def]
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
    write_roles = services.CHECKERS
    # Evidence follows the visibility of its request: its requester's team may download it.
    action_roles = {"evidence": ALL_ROLES}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        visible = work.requests_visible_to(self.request.user).values("pk")
        return ItemResult.objects.filter(run__request__in=visible).select_related(
            "item", "checked_by"
        )

    @extend_schema(request=ItemResultRecordSerializer, responses=ItemResultSerializer)
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        data = _valid(ItemResultRecordSerializer, request)
        result = services.item_result_record(
            result=self.get_object(),
            actor=request.user,
            state=data["state"],
            evidence_link=data.get("evidence_link") or "",
            evidence_file=data.get("evidence_file"),
            evidence_note=data.get("evidence_note") or "",
            expected_version=if_match(request),
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
    write_roles = services.CHECKERS
    filterset_class = PreflightRunFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        visible = work.requests_visible_to(self.request.user).values("pk")
        return selectors.preflight_runs().filter(request__in=visible)

    @extend_schema(request=PreflightStartSerializer, responses={201: PreflightRunSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(PreflightStartSerializer, request)
        work_request = get_object_or_404(work.requests_visible_to(request.user), pk=data["request"])
        item_result = None
        if data.get("item_result"):
            item_result = get_object_or_404(
                ItemResult.objects.select_related("run"), pk=data["item_result"]
            )
        run = services.preflight_start(
            request=work_request,
            actor=request.user,
            check=data["check_name"],
            html=data["html"],
            urls=data["urls"],
            item_result=item_result,
        )
        run.refresh_from_db()
        return Response(PreflightRunSerializer(run).data, status=status.HTTP_201_CREATED)


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version you read (ETag), e.g. "3"; a stale one gets 412.',
)
EXPERIMENT_ERRORS = {
    400: OpenApiResponse(description="Invalid input; `field` names the input at fault"),
    403: OpenApiResponse(description="Not allowed"),
    404: OpenApiResponse(description="Not found"),
    409: OpenApiResponse(description="Transition not allowed from this state"),
    412: OpenApiResponse(description="Stale If-Match"),
}


class ExperimentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The experiment register. MOPS staff write; staff and leadership read. The detail
    carries the event timeline and `ETag: "<version>"`; PATCH and transitions accept
    `If-Match` (412 when stale). The required sample per variant is computed from
    baseline, MDE, α and power (two-proportion z-test)."""

    serializer_class = ExperimentSerializer
    queryset = Experiment.objects.none()
    read_roles = services.EXPERIMENT_READERS
    write_roles = services.EXPERIMENT_EDITORS
    action_roles = {"transition": services.EXPERIMENT_EDITORS}
    filterset_class = ExperimentFilter
    ordering_fields = ["created_at", "concluded_at", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if self.action == "list":
            return selectors.experiments()
        return selectors.experiment_detail()

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return ExperimentSerializer if self.action == "list" else ExperimentDetailSerializer

    def _detail(self, experiment: Experiment, code: int = status.HTTP_200_OK) -> Response:
        experiment = selectors.experiment_detail().get(pk=experiment.pk)
        data = ExperimentDetailSerializer(experiment, context=self.get_serializer_context()).data
        response = Response(data, status=code)
        response["ETag"] = experiment.etag
        return response

    @extend_schema(responses={200: ExperimentDetailSerializer, 404: EXPERIMENT_ERRORS[404]})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        request=ExperimentWriteSerializer,
        responses={201: ExperimentDetailSerializer, **EXPERIMENT_ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _valid(ExperimentWriteSerializer, request)
        experiment = services.experiment_create(actor=request.user, **data)
        return self._detail(experiment, status.HTTP_201_CREATED)

    @extend_schema(
        request=ExperimentWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ExperimentDetailSerializer, **EXPERIMENT_ERRORS},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        experiment = self.get_object()
        data = _valid(ExperimentWriteSerializer, request, partial=True)
        experiment = services.experiment_update(
            experiment=experiment,
            actor=request.user,
            expected_version=if_match(request),
            **data,
        )
        return self._detail(experiment)

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
        data = _valid(ExperimentTransitionSerializer, request)
        experiment = services.experiment_transition(
            experiment=experiment,
            name=data["name"],
            note=data["note"],
            result=data["result"],
            learnings=data["learnings"],
            observed_sample_per_variant=data.get("observed_sample_per_variant"),
            actor=request.user,
            expected_version=if_match(request),
        )
        return self._detail(experiment)
