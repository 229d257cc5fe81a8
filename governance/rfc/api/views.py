"""RFC API: RFCs (+ transitions, approvals, schedule, diff) and approval policies. Thin:
the same services and selectors as the pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from governance.rfc.filters import RfcFilter
from governance.rfc.models import (
    REVIEWERS,
    RFC_AUTHORS,
    SCHEDULERS,
    Approval,
    Rfc,
)
from governance.rfc.services import (
    approval_policy_save,
    rfc_approve,
    rfc_create,
    rfc_reject,
    rfc_request_changes,
    rfc_schedule,
    rfc_transition,
    rfc_update,
)
from mops.accounts.roles import ADMINS, MOPS_STAFF
from mops.core.actors import actor_of
from mops.core.api_views import valid_data
from mops.core.concurrency import if_match_version

from .. import selectors

if TYPE_CHECKING:
    from governance.rfc.models import ApprovalPolicy
from .serializers import (
    ApprovalPolicySerializer,
    ApprovalSerializer,
    DiffQuerySerializer,
    DiffSerializer,
    ReviewRequestSerializer,
    RfcCreateSerializer,
    RfcListSerializer,
    RfcRevisionSerializer,
    RfcSerializer,
    ScheduleRequestSerializer,
    TransitionRequestSerializer,
)

CSV_JSON_RESULTS = 1000


# --- RFCs ---------------------------------------------------------------------------------


class RfcViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """RFCs. Edits (`PUT`/`PATCH`, `If-Match: "<version>"`) that change the content void
    earlier approvals. Approvals carry the content hash the reviewer read."""

    queryset = Rfc.objects.none()
    read_roles = selectors.RFC_READERS
    write_roles = RFC_AUTHORS
    action_roles = {
        "transition": MOPS_STAFF,
        "approve": REVIEWERS,
        "request_changes": REVIEWERS,
        "reject": REVIEWERS,
        "schedule": SCHEDULERS,
    }
    filterset_class = RfcFilter
    ordering_fields = ["updated_at", "created_at", "risk", "status"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Rfc]:
        qs = selectors.rfcs_visible_to(self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related("approvals__reviewer", "services", "templates")
        return qs.order_by("-updated_at")

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "list":
            return RfcListSerializer
        if self.action == "create":
            return RfcCreateSerializer
        return RfcSerializer

    def _respond(self, rfc: Rfc, code: int = status.HTTP_200_OK) -> Response:
        rfc = self.get_queryset().get(pk=rfc.pk)
        response = Response(RfcSerializer(rfc, context={"request": self.request}).data, status=code)
        response["ETag"] = f'"{rfc.version}"'
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._respond(self.get_object())

    @extend_schema(request=RfcCreateSerializer, responses={201: RfcSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = valid_data(RfcCreateSerializer, request)
        rfc = rfc_create(actor=actor_of(request), **data)
        return self._respond(rfc, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        rfc = self.get_object()
        data = valid_data(RfcSerializer, request, instance=rfc, partial=partial)
        rfc = rfc_update(
            rfc=rfc, actor=actor_of(request), expected_version=if_match_version(request), **data
        )
        return self._respond(rfc)

    @extend_schema(request=TransitionRequestSerializer, responses={200: RfcSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """submit, resubmit, unschedule, implement, verify, roll_back (needs a note)."""
        data = valid_data(TransitionRequestSerializer, request)
        rfc = rfc_transition(rfc=self.get_object(), actor=actor_of(request), **data)
        return self._respond(rfc)

    def _review(self, request: Request, service: Any) -> Response:
        data = valid_data(ReviewRequestSerializer, request)
        rfc = self.get_object()
        service(
            rfc=rfc,
            actor=request.user,
            comment=data["comment"],
            expected_hash=data.get("content_hash"),
        )
        return self._respond(rfc)

    @extend_schema(
        request=ReviewRequestSerializer,
        responses={200: RfcSerializer, 412: OpenApiResponse(description="Content changed")},
        description="Approve the current content (no self-approval). Approved once the "
        "risk level's quorum is met.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, rfc_approve)

    @extend_schema(request=ReviewRequestSerializer, responses={200: RfcSerializer})
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, rfc_request_changes)

    @extend_schema(request=ReviewRequestSerializer, responses={200: RfcSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._review(request, rfc_reject)

    @extend_schema(
        request=ScheduleRequestSerializer,
        responses={200: RfcSerializer},
        description="approved → scheduled into a window. Release trains board RFCs onto "
        "departures through releases; this is the window-only form.",
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str | None = None) -> Response:
        data = valid_data(ScheduleRequestSerializer, request)
        rfc = rfc_schedule(
            rfc=self.get_object(),
            actor=actor_of(request),
            window_start=data["window_start"],
            window_end=data["window_end"],
            window_ref=data["window_ref"],
            note=data["note"],
        )
        return self._respond(rfc)

    @extend_schema(
        parameters=[
            OpenApiParameter("from_version", int, description="Default: the previous version."),
            OpenApiParameter("to_version", int, description="Default: the current version."),
        ],
        responses={200: DiffSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def diff(self, request: Request, pk: str | None = None) -> Response:
        """Readable differences between two versions, and what changed since the last approval."""
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rfc = self.get_object()
        to_v = query.validated_data.get("to_version", rfc.version)
        from_v = query.validated_data.get("from_version", max(to_v - 1, 1))
        for name, value in (("from_version", from_v), ("to_version", to_v)):
            if value > rfc.version:
                raise serializers.ValidationError({name: f"{rfc.reference} has v1–v{rfc.version}."})
        changes = selectors.rfc_diff(rfc, from_number=from_v, to_number=to_v)
        approved, since = selectors.rfc_changes_since_approval(rfc)
        data = {
            "from_version": from_v,
            "to_version": to_v,
            "changes": changes,
            "approved_version": approved,
            "changed_since_approval": since,
        }
        return Response(DiffSerializer(data).data)

    @extend_schema(responses=RfcRevisionSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            RfcRevisionSerializer(selectors.rfc_revisions(self.get_object()), many=True).data
        )

    @extend_schema(responses=ApprovalSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def approvals(self, request: Request, pk: str | None = None) -> Response:
        qs = Approval.objects.filter(rfc=self.get_object()).select_related("reviewer")
        return Response(ApprovalSerializer(qs, many=True).data)


class ApprovalPolicyViewSet(viewsets.GenericViewSet):
    """What each risk level needs. Everyone who reads RFCs reads these; admins change them."""

    serializer_class = ApprovalPolicySerializer
    read_roles = selectors.RFC_READERS
    write_roles = ADMINS
    lookup_field = "risk"
    lookup_value_regex = "low|medium|high"
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ApprovalPolicy]:
        from governance.rfc.models import ApprovalPolicy

        return ApprovalPolicy.objects.all()

    @extend_schema(responses=ApprovalPolicySerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(ApprovalPolicySerializer(selectors.approval_policies(), many=True).data)

    @extend_schema(responses=ApprovalPolicySerializer)
    def retrieve(self, request: Request, risk: str | None = None) -> Response:
        return Response(ApprovalPolicySerializer(selectors.approval_policy_for(risk or "")).data)

    @extend_schema(request=ApprovalPolicySerializer, responses=ApprovalPolicySerializer)
    def partial_update(self, request: Request, risk: str | None = None) -> Response:
        data = valid_data(ApprovalPolicySerializer, request, partial=True)
        policy = approval_policy_save(actor=actor_of(request), risk=risk or "", **data)
        return Response(ApprovalPolicySerializer(policy).data)
