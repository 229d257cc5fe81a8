"""API of boardings."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from mops.core.actors import actor_of
from mops.core.api_views import valid_data
from releases.api.common import RELEASE_READERS
from releases.boarding import services as boarding_services
from releases.boarding.models import Boarding
from releases.boarding.serializers import (
    MarkSerializer,
    MoveSerializer,
    NoteSerializer,
)
from releases.common import BOARDERS, LAUNCHERS
from releases.trains.models import Departure
from releases.trains.serializers import (
    ManifestEntrySerializer,
)


class BoardingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Manifest entries. Actions: move (to the next open departure by default), remove
    (a request goes back to QA), mark (live — the TTC clock stops — or rolled_back)."""

    serializer_class = ManifestEntrySerializer
    queryset = Boarding.objects.none()
    read_roles = RELEASE_READERS
    write_roles = BOARDERS
    action_roles = {
        "move": BOARDERS,
        "remove": BOARDERS,
        "mark": LAUNCHERS,
    }
    ordering_fields = ["boarded_at"]

    def get_queryset(self) -> QuerySet[Boarding]:
        return Boarding.objects.select_related("boarded_by").order_by("-boarded_at", "-id")

    @extend_schema(request=MoveSerializer, responses=ManifestEntrySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        data = valid_data(MoveSerializer, request)
        target = get_object_or_404(Departure, pk=data["to"]) if data.get("to") else None
        moved = boarding_services.boarding_move(
            boarding=self.get_object(),
            actor=actor_of(request),
            to=target,
            override_reason=data["override_reason"],
        )
        return Response(ManifestEntrySerializer(moved).data)

    @extend_schema(request=NoteSerializer, responses=ManifestEntrySerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        data = valid_data(NoteSerializer, request)
        boarding = boarding_services.boarding_remove(
            boarding=self.get_object(), actor=actor_of(request), note=data["note"]
        )
        return Response(ManifestEntrySerializer(boarding).data)

    @extend_schema(request=MarkSerializer, responses=ManifestEntrySerializer)
    @action(detail=True, methods=["post"])
    def mark(self, request: Request, pk: str | None = None) -> Response:
        data = valid_data(MarkSerializer, request)
        boarding = boarding_services.boarding_mark(
            boarding=self.get_object(),
            outcome=data["outcome"],
            note=data["note"],
            actor=actor_of(request),
        )
        return Response(ManifestEntrySerializer(boarding).data)
