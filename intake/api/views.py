"""Requests API: list (backlog filters), create (Idempotency-Key), detail (events, clocks,
score explanation), PATCH (If-Match), transition action, comments; scoring models.

Every response about one request carries `ETag: "<version>"`; writes accept
`If-Match: "<version>"` and answer 412 when it is stale.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # 404, not 500, on malformed ids
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from mops.accounts.roles import ADMINS, ALL_ROLES, COMMENTERS, READ_EVERYTHING, Role, has_role
from mops.core.actors import actor_of
from mops.core.api_views import valid_data
from mops.core.concurrency import IF_MATCH_PARAMETER as IF_MATCH
from mops.core.concurrency import if_match_version
from mops.core.filters import FilterBackend
from mops.core.uploads import attachment_response

from .. import selectors, services
from ..filters import RequestFilter
from ..models import Request, ScoringModel
from ..tally import TalliedRows
from .listing import LOOKUPS, list_rows
from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CommentSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestSerializer,
    RequestTransitionSerializer,
    RequestUpdateSerializer,
    ScoringModelSerializer,
    ScoringModelUpdateSerializer,
)

MAKERS = frozenset({Role.REQUESTER, Role.PM, Role.ADMIN})

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Repeat-safe create: the same key and body return the same request; "
    "the same key with another body gets 422.",
)
ERRORS = {
    400: OpenApiResponse(description="Invalid input"),
    403: OpenApiResponse(description="Not allowed"),
    404: OpenApiResponse(description="Not found"),
    409: OpenApiResponse(description="Transition not allowed from this state"),
    412: OpenApiResponse(description="Stale If-Match"),
}


def _with_etag(response: Response, obj: Request) -> Response:
    response["ETag"] = obj.etag
    return response


class RequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Requests. Requesters see their team's; MOPS staff and leadership see all. The list
    takes the backlog's filters (scope defaults to open requests; `scope=all` for all)."""

    serializer_class = RequestSerializer
    queryset = Request.objects.none()
    read_roles = ALL_ROLES
    write_roles = MAKERS
    action_roles = {
        "transition": ALL_ROLES,
        "comments": ALL_ROLES,
        "attachments": ALL_ROLES,
        "attachment_download": ALL_ROLES,
    }
    filter_backends = [FilterBackend]
    filterset_class = RequestFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Request]:
        if self.action == "retrieve":
            return selectors.request_detail(self.request.user)
        return selectors.request_list(self.request.user)

    def get_serializer_class(self) -> type[BaseSerializer]:
        if self.action == "retrieve":
            return RequestDetailSerializer
        return RequestSerializer

    def list(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        # RequestSerializer's shape (still the schema's) from one `.values()` read of the page
        # (intake/api/listing.py): same filters, order, page and count, no model rows built.
        # (A comment, not a docstring: the schema takes the class's as the description.)
        queryset = self.filter_queryset(self.get_queryset())
        filterset = getattr(self, "filterset", None)  # kept by mops.core.filters.FilterBackend
        rows = TalliedRows(
            queryset.values(*LOOKUPS),
            filterset.tallied_count if filterset is not None else None,
            counted=queryset,  # the request table alone: no join of the page's columns
        )
        page: list[dict[str, Any]] | None = self.paginate_queryset(rows)  # type: ignore[arg-type]
        if page is None:
            return Response(list_rows(queryset))
        return self.get_paginated_response(list_rows(page))

    def _detail(self, obj: Request, code: int = status.HTTP_200_OK) -> Response:
        obj = selectors.request_detail(self.request.user).get(pk=obj.pk)
        clocks = services.request_clocks(
            obj, timeline=[(e.to_status, e.at) for e in obj.events.all()]
        )
        data = RequestDetailSerializer(
            obj, context={"request": self.request, "clocks": clocks}
        ).data
        return _with_etag(Response(data, status=code), obj)

    @extend_schema(responses={200: RequestDetailSerializer, 404: ERRORS[404]})
    def retrieve(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        request=RequestCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: RequestDetailSerializer, 201: RequestDetailSerializer, 422: None, **ERRORS},
    )
    def create(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        data = valid_data(RequestCreateSerializer, request)

        def make() -> Request:
            return services.request_create(actor=actor_of(request), **data)

        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key:
            return self._detail(make(), status.HTTP_201_CREATED)
        if len(key) > 200:
            raise serializers.ValidationError({"Idempotency-Key": "At most 200 characters."})
        obj, created = services.request_create_idempotent(
            actor=actor_of(request), key=key, data=request.data, create=make
        )
        return self._detail(obj, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=RequestUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: RequestDetailSerializer, **ERRORS},
    )
    def partial_update(self, request: ApiRequest, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        data = valid_data(RequestUpdateSerializer, request, partial=True)
        updated = services.request_update(
            request=obj, actor=actor_of(request), expected_version=if_match_version(request), **data
        )
        return self._detail(updated)

    @extend_schema(
        request=RequestTransitionSerializer,
        parameters=[IF_MATCH],
        responses={200: RequestDetailSerializer, **ERRORS},
        description="Take a lifecycle transition (submit, accept, reject, needs_info, answer, "
        "start, send_to_qa, close, roll_back, cancel, override_live for admins with a note). "
        "schedule, unschedule and go_live are refused (409 system_transition): a request is "
        "scheduled by boarding a departure (POST /api/v1/departures/{id}/board/) and goes "
        "live when its departure marks it live.",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: ApiRequest, pk: str | None = None) -> Response:
        obj = self.get_object()
        data = valid_data(RequestTransitionSerializer, request)
        updated = services.request_transition(
            request=obj,
            name=data["name"],
            note=data.get("note", ""),
            actor=actor_of(request),
            expected_version=if_match_version(request),
        )
        return self._detail(updated)

    @extend_schema(
        methods=["GET"], request=None, responses={200: CommentSerializer(many=True), 404: None}
    )
    @extend_schema(
        methods=["POST"], request=CommentSerializer, responses={201: CommentSerializer, **ERRORS}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def comments(self, request: ApiRequest, pk: str | None = None) -> Response:
        obj = get_object_or_404(selectors.request_visible_to(request.user), pk=pk)
        if request.method == "POST":
            if not has_role(request.user, COMMENTERS):  # leadership reads only
                raise exceptions.PermissionDenied("Your role does not allow this.")
            data = valid_data(CommentSerializer, request)
            comment = services.comment_create(
                request=obj, actor=actor_of(request), body=data["body"]
            )
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)
        comments = obj.comments.select_related("author").prefetch_related("mentions")
        return Response(CommentSerializer(comments, many=True).data)

    @extend_schema(
        methods=["GET"], request=None, responses={200: AttachmentSerializer(many=True), 404: None}
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer(many=True), **ERRORS},
        description="Upload one or more files (`file` parts). Types are checked on content "
        "(PDF, images, text, CSV, Office documents), up to UPLOAD_MAX_BYTES each.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request: ApiRequest, pk: str | None = None) -> Response:
        obj = get_object_or_404(selectors.request_visible_to(request.user), pk=pk)
        if request.method == "POST":
            files = request.FILES.getlist("file")
            if not files:
                raise serializers.ValidationError({"file": "Send one or more files as `file`."})
            added = services.attachments_add(request=obj, files=files, actor=actor_of(request))
            return Response(
                AttachmentSerializer(added, many=True).data, status=status.HTTP_201_CREATED
            )
        attachments = selectors.request_attachments(request.user, obj.pk)
        return Response(AttachmentSerializer(attachments, many=True).data)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such file, or the request is not visible."),
        }
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]{1,18})",
        url_name="attachment-download",
        pagination_class=None,
        filterset_class=None,
    )
    def attachment_download(
        self, request: ApiRequest, pk: str | None = None, attachment_id: str = ""
    ) -> FileResponse:
        """Download one attachment, served inert (attachment, nosniff, sandbox)."""
        if not re.fullmatch(r"[0-9]{1,18}", str(pk or "")):  # the router's pk accepts any text
            raise Http404("No such request.")
        attachment = get_object_or_404(
            selectors.request_attachments(request.user, int(pk or 0)), pk=int(attachment_id)
        )
        return attachment_response(attachment.file, filename=attachment.filename)


class ScoringModelViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Scoring models. Admins save a new version (POST …/versions/), which rescores the
    open backlog in one UPDATE when the model is the default."""

    serializer_class = ScoringModelSerializer
    queryset = Request.objects.none()
    read_roles = READ_EVERYTHING | ADMINS
    write_roles = ADMINS
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ScoringModel]:
        services.default_scoring_version()
        return selectors.scoring_models().order_by("name")

    @extend_schema(
        request=ScoringModelUpdateSerializer,
        parameters=[IF_MATCH],
        responses={201: ScoringModelSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="versions")
    def versions(self, request: ApiRequest, pk: str | None = None) -> Response:
        model = self.get_object()
        data = valid_data(ScoringModelUpdateSerializer, request)
        services.scoring_model_update(
            scoring_model=model,
            factors=data["factors"],
            note=data.get("note", ""),
            actor=actor_of(request),
            expected_version=if_match_version(request),
        )
        model = self.get_queryset().get(pk=model.pk)
        response = Response(ScoringModelSerializer(model).data, status=status.HTTP_201_CREATED)
        response["ETag"] = f'"{model.version}"'
        return response
