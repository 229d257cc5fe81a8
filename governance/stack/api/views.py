"""Stack API: tools (with CSV import and dependents), flows, vendor contracts (with their
renewal decisions). Thin: validate input, call the same services as the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mops.accounts.models import User
from mops.core.actors import actor_of
from mops.core.concurrency import if_match_version

from .. import inventory, selectors, services
from ..filters import ContractFilter, FlowFilter, InstrumentFilter, ToolFilter
from ..models import AccessReview, AccessReviewItem, Contract, Flow, Instrument, Tool
from ..services import STACK_EDITORS, STACK_READERS
from .serializers import (
    AccessReviewItemSerializer,
    AccessReviewSerializer,
    AttestSerializer,
    CoverageSerializer,
    DecideSerializer,
    DependentsSerializer,
    FlowSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    InstrumentSerializer,
    RenewalDecisionSerializer,
    SeatsRequestSerializer,
    SeatsResultSerializer,
    ToolSerializer,
    UtilisationSerializer,
    VendorContractSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version you read (ETag), e.g. "3"; a stale one gets 412.',
)
ERRORS = {
    400: OpenApiResponse(description="Invalid input; `field` names the input at fault"),
    403: OpenApiResponse(description="Not allowed"),
    404: OpenApiResponse(description="Not found"),
    412: OpenApiResponse(description="Stale If-Match"),
}


def _csv_import(request: Request, import_csv: Callable[..., list[services.ImportRow]]) -> Response:
    """Preview or run a CSV import (`import_csv(actor=, text=, commit=)`) from the request
    body; the answer lists every line, 400 when any line has an error."""
    body = ImportRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    commit = body.validated_data["commit"]
    rows = import_csv(actor=actor_of(request), text=body.validated_data["text"], commit=commit)
    bad = any(r.errors for r in rows)
    data = {
        "committed": commit and not bad,
        "rows": [
            {"line": r.line, "name": r.name, "action": r.action, "errors": r.errors} for r in rows
        ],
    }
    return Response(data, status=status.HTTP_400_BAD_REQUEST if bad else status.HTTP_200_OK)


class _VersionedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and PATCH through a service; the detail carries `ETag`."""

    read_roles = STACK_READERS
    write_roles = STACK_EDITORS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create_object(self, actor: User, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update_object(self, obj: Any, actor: User, version: int | None, data: dict) -> Any:
        raise NotImplementedError

    def _detail(self, obj: Any, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        response = Response(self.get_serializer(obj).data, status=code)
        response["ETag"] = obj.etag
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.create_object(actor_of(request), dict(serializer.validated_data))
        return self._detail(obj, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        serializer = self.get_serializer(obj, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        obj = self.update_object(
            obj, actor_of(request), if_match_version(request), dict(serializer.validated_data)
        )
        return self._detail(obj)


@extend_schema(parameters=[IF_MATCH], responses={200: ToolSerializer, **ERRORS}, methods=["PATCH"])
class ToolViewSet(_VersionedViewSet):
    """The tool registry. MOPS staff write; staff and leadership read. A tool becomes
    `approved` only with an owner, `sso` true and, when `holds_personal_data`, a
    `data_contract` (400 naming each missing field); `approval_gaps` says what is missing."""

    serializer_class = ToolSerializer
    queryset = Tool.objects.none()
    filterset_class = ToolFilter
    ordering_fields = ["name", "layer", "status", "updated_at"]
    action_roles = {"import_csv": STACK_EDITORS, "seats": STACK_EDITORS}

    def get_queryset(self) -> QuerySet[Tool]:
        return selectors.tool_detail()

    def create_object(self, actor: User, data: dict[str, Any]) -> Tool:
        return services.tool_create(actor=actor, **data)

    def update_object(self, obj: Tool, actor: User, version: int | None, data: dict) -> Tool:
        return services.tool_update(tool=obj, actor=actor, expected_version=version, **data)

    @extend_schema(responses={200: DependentsSerializer, 404: ERRORS[404]})
    @action(detail=True, methods=["get"])
    def dependents(self, request: Request, pk: str | None = None) -> Response:
        """What depends on the tool (what retiring it touches): flow, monitor, data
        contract and vendor contract ids."""
        found = selectors.tool_dependents(self.get_object())
        return Response(
            {
                "flows": [f.pk for f in found.flows],
                "monitors": [m.pk for m in found.monitors],
                "data_contracts": [c.pk for c in found.data_contracts],
                "contracts": [c.pk for c in found.contracts],
            }
        )

    @extend_schema(
        request=ImportRequestSerializer,
        responses={200: ImportResultSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        description="Preview (`commit: false`) or import a tool CSV. Each row says what "
        "happens or its errors (`Line N: column: problem`); with any error nothing is "
        "written and the answer is 400.",
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        return _csv_import(request, services.tools_import_csv)

    @extend_schema(
        request=SeatsRequestSerializer,
        responses={200: SeatsResultSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        description="Push the tool's seat export (replaces its seats). With any bad line "
        "nothing changes and the answer is 400 listing each line's errors.",
    )
    @action(detail=True, methods=["post"])
    def seats(self, request: Request, pk: str | None = None) -> Response:
        tool = self.get_object()
        body = SeatsRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lines = services.seats_import(
            tool=tool, actor=actor_of(request), text=body.validated_data["text"], source="api"
        )
        bad = [
            {"line": line.line, "email": line.email, "errors": line.errors}
            for line in lines
            if line.errors
        ]
        return Response(
            {"imported": 0 if bad else len(lines), "errors": bad},
            status=status.HTTP_400_BAD_REQUEST if bad else status.HTTP_200_OK,
        )


@extend_schema(parameters=[IF_MATCH], responses={200: FlowSerializer, **ERRORS}, methods=["PATCH"])
class FlowViewSet(_VersionedViewSet):
    """Integration flows between tools, with pattern, heartbeat monitor (its state as
    `monitor_status`) and data contract."""

    serializer_class = FlowSerializer
    queryset = Flow.objects.none()
    filterset_class = FlowFilter
    ordering_fields = ["created_at", "updated_at"]

    def get_queryset(self) -> QuerySet[Flow]:
        return selectors.flows().prefetch_related("services")

    def create_object(self, actor: User, data: dict[str, Any]) -> Flow:
        return services.flow_create(actor=actor, **data)

    def update_object(self, obj: Flow, actor: User, version: int | None, data: dict) -> Flow:
        return services.flow_update(flow=obj, actor=actor, expected_version=version, **data)


@extend_schema(
    parameters=[IF_MATCH], responses={200: VendorContractSerializer, **ERRORS}, methods=["PATCH"]
)
class ContractViewSet(_VersionedViewSet):
    """Vendor contracts: term, cost, seats, notice period; `notice_deadline` = end of term
    − notice days; the alerts sent and the renewal decisions recorded."""

    serializer_class = VendorContractSerializer
    queryset = Contract.objects.none()
    filterset_class = ContractFilter
    ordering_fields = ["ends_on", "annual_cost"]
    action_roles = {"decide": STACK_EDITORS}

    def get_queryset(self) -> QuerySet[Contract]:
        return (
            Contract.objects.select_related("tool", "owner")
            .prefetch_related("alerts", "decisions__decided_by")
            .order_by("ends_on", "pk")
        )

    def create_object(self, actor: User, data: dict[str, Any]) -> Contract:
        return services.contract_create(actor=actor, **data)

    def update_object(
        self, obj: Contract, actor: User, version: int | None, data: dict
    ) -> Contract:
        return services.contract_update(contract=obj, actor=actor, expected_version=version, **data)

    @extend_schema(request=DecideSerializer, responses={201: RenewalDecisionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        """Record the renewal decision (renew / renegotiate / cancel) with its reason."""
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.renewal_decide(
            contract=self.get_object(), actor=actor_of(request), **body.validated_data
        )
        return Response(RenewalDecisionSerializer(record).data, status=status.HTTP_201_CREATED)


class UtilisationApiView(APIView):
    """Licence utilisation per tool (the same figures as the page)."""

    read_roles = STACK_READERS

    @extend_schema(responses=UtilisationSerializer(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.utilisation(today=timezone.localdate())
        return Response(UtilisationSerializer(rows, many=True).data)


class AccessReviewViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Access reviews: POST {tool, due_on} starts one from the tool's seat holders;
    `attest` records the owner's keep / reduce / remove (reduce and remove need a reason)."""

    serializer_class = AccessReviewSerializer
    queryset = AccessReview.objects.none()
    read_roles = STACK_READERS
    write_roles = STACK_EDITORS
    action_roles = {"attest": STACK_EDITORS}

    def get_queryset(self) -> QuerySet[AccessReview]:
        return selectors.access_reviews().prefetch_related("items__decided_by")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        review = services.access_review_start(actor=actor_of(request), **body.validated_data)
        data = self.get_serializer(self.get_queryset().get(pk=review.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AttestSerializer, responses={200: AccessReviewItemSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def attest(self, request: Request, pk: str | None = None) -> Response:
        review = self.get_object()
        body = AttestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = get_object_or_404(AccessReviewItem, pk=body.validated_data["item"], review=review)
        item = services.access_review_attest(
            item=item,
            actor=actor_of(request),
            decision=body.validated_data["decision"],
            reason=body.validated_data["reason"],
        )
        return Response(AccessReviewItemSerializer(item).data)


@extend_schema(
    parameters=[IF_MATCH], responses={200: InstrumentSerializer, **ERRORS}, methods=["PATCH"]
)
class InstrumentViewSet(_VersionedViewSet):
    """The instrumentation inventory: events and pixels per property with consent
    category, tag-manager container and destination tools (ids). Unique per kind, name
    and property (without case)."""

    serializer_class = InstrumentSerializer
    queryset = Instrument.objects.none()
    filterset_class = InstrumentFilter
    ordering_fields = ["name", "property", "updated_at"]
    action_roles = {"import_csv": STACK_EDITORS}

    def get_queryset(self) -> QuerySet[Instrument]:
        return selectors.instruments()

    def create_object(self, actor: User, data: dict[str, Any]) -> Instrument:
        return inventory.instrument_create(actor=actor, **data)

    def update_object(self, obj: Instrument, actor: User, version: int | None, data: dict) -> Any:
        return inventory.instrument_update(
            instrument=obj, actor=actor, expected_version=version, **data
        )

    @extend_schema(
        request=ImportRequestSerializer,
        responses={200: ImportResultSerializer, 400: ERRORS[400], 403: ERRORS[403]},
        description="Preview (`commit: false`) or import an inventory CSV (columns kind,name,"
        "property,platform,consent_category,container,destinations,owner,description). Each "
        "row says what happens or its errors (`Line N: column: problem`); with any error "
        "nothing is written and the answer is 400.",
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        return _csv_import(request, inventory.instruments_import_csv)


class CoverageApiView(APIView):
    """Instrumentation coverage: tracking-plan events with no inventory entry, pixels with
    no consent category, destinations that are not approved tools (as the page)."""

    read_roles = STACK_READERS

    @extend_schema(responses=CoverageSerializer)
    def get(self, request: Request) -> Response:
        return Response(CoverageSerializer(selectors.instrumentation_coverage()).data)
