"""API of trains, departures and freezes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from mops.accounts.roles import MOPS_STAFF
from mops.core.actors import actor_of
from mops.core.api_views import ServiceWriteViewSet, valid_data
from mops.core.concurrency import if_match_version
from releases import work
from releases.api.common import RELEASE_READERS
from releases.boarding import services as boarding_services
from releases.boarding.serializers import (
    BoardSerializer,
)
from releases.common import BOARDERS, DEPARTURE_EDITORS, FREEZE_EDITORS, TRAIN_EDITORS
from releases.trains import selectors
from releases.trains import services as trains_services
from releases.trains.filters import DepartureFilter, FreezeFilter, TrainFilter
from releases.trains.models import Departure, Freeze, Train
from releases.trains.serializers import (
    DepartureDetailSerializer,
    DepartureSerializer,
    DepartureUpdateSerializer,
    FreezeSerializer,
    ManifestEntrySerializer,
    TrainSerializer,
    TransitionSerializer,
)


class TrainViewSet(ServiceWriteViewSet):
    """Release trains. Creating one materialises its departures over its horizon; a
    timing change re-generates future departures nobody boarded or edited.
    Updates may send `If-Match: "<version>"` (412 when stale)."""

    serializer_class = TrainSerializer
    queryset = selectors.trains()
    read_roles = RELEASE_READERS
    write_roles = TRAIN_EDITORS
    filterset_class = TrainFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Train]:
        return selectors.trains()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(request)
        train = trains_services.train_create(
            actor=actor_of(request), owner=actor_of(request), **data
        )
        return self.respond(train, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        train = self.get_object()
        data = self.validated(request, train, partial=partial)
        train = trains_services.train_update(
            train=train, actor=actor_of(request), expected_version=if_match_version(request), **data
        )
        return self.respond(train)


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
    write_roles = DEPARTURE_EDITORS
    action_roles = {"board": BOARDERS, "transition": MOPS_STAFF}
    filterset_class = DepartureFilter
    ordering_fields = ["starts_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Departure]:
        return selectors.departures(with_manifest=self.action != "list")

    def get_serializer_class(self) -> type[BaseSerializer]:
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
        data = valid_data(DepartureUpdateSerializer, request)
        departure = trains_services.departure_update(
            departure=departure,
            actor=actor_of(request),
            expected_version=if_match_version(request),
            **data,
        )
        return self._detail(departure)

    @extend_schema(request=TransitionSerializer, responses=DepartureDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """close_boarding, reopen, depart, close or cancel (cancel needs a note)."""
        data = valid_data(TransitionSerializer, request)
        departure = trains_services.departure_transition(
            departure=self.get_object(),
            name=data["name"],
            note=data["note"],
            actor=actor_of(request),
        )
        return self._detail(departure)

    @extend_schema(request=BoardSerializer, responses={201: ManifestEntrySerializer})
    @action(detail=True, methods=["post"])
    def board(self, request: Request, pk: str | None = None) -> Response:
        """Board a request (in QA) or an approved RFC. A refusal is a 400 whose error
        `field` names the rule that failed: channel, capacity, cutoff, freeze, checklist,
        departure or state."""
        departure = self.get_object()
        data = valid_data(BoardSerializer, request)
        subject: dict[str, Any] = {}
        if data.get("request"):
            subject["request"] = get_object_or_404(
                work.requests_visible_to(request.user), pk=data["request"]
            )
        else:
            subject["rfc"] = get_object_or_404(work.rfcs_visible_to(request.user), pk=data["rfc"])
        boarding = boarding_services.departure_board(
            departure=departure,
            actor=actor_of(request),
            override_reason=data["override_reason"],
            note=data["note"],
            **subject,
        )
        return Response(ManifestEntrySerializer(boarding).data, status=status.HTTP_201_CREATED)


class FreezeViewSet(mixins.DestroyModelMixin, ServiceWriteViewSet):
    """Change freezes, one-off or recurring, global or per channel (admins write)."""

    serializer_class = FreezeSerializer
    queryset = Freeze.objects.none()
    read_roles = RELEASE_READERS
    write_roles = FREEZE_EDITORS
    filterset_class = FreezeFilter
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Freeze]:
        return selectors.freezes()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        freeze = trains_services.freeze_create(actor=actor_of(request), **self.validated(request))
        return self.respond(freeze, status.HTTP_201_CREATED)

    def write_update(self, request: Request, partial: bool) -> Response:
        freeze = self.get_object()
        data = self.validated(request, freeze, partial=partial)
        freeze = trains_services.freeze_update(
            freeze=freeze,
            actor=actor_of(request),
            expected_version=if_match_version(request),
            **data,
        )
        return self.respond(freeze)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        trains_services.freeze_delete(freeze=self.get_object(), actor=actor_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
