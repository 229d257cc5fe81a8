from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from mops.accounts.roles import ADMINS, ALL_ROLES
from mops.core.actors import actor_of

from ..models import Channel, Notification, OutboxMessage
from ..services import (
    channel_create,
    channel_delete,
    channel_update,
    notifications_mark_read,
    outbox_replay,
)
from .serializers import ChannelSerializer, NotificationSerializer, OutboxMessageSerializer


class OutboxViewSet(viewsets.ReadOnlyModelViewSet):
    """Outbound messages (admins): filter `status=dead` for the dead-letter list; replay one."""

    queryset = OutboxMessage.objects.all().order_by("-created_at")
    serializer_class = OutboxMessageSerializer
    read_roles = ADMINS
    write_roles = ADMINS
    filterset_fields = ["status", "kind", "source"]

    @extend_schema(request=None, responses=OutboxMessageSerializer)
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        return Response(
            OutboxMessageSerializer(
                outbox_replay(message=self.get_object(), actor=request.user)
            ).data
        )


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Notification.objects.none()  # per-user; see get_queryset
    serializer_class = NotificationSerializer
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(user=actor_of(self.request))

    @extend_schema(request=None, responses={200: None})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        return Response({"marked": notifications_mark_read(user=actor_of(request))})


class ChannelViewSet(viewsets.ModelViewSet):
    """Notification channels (admins): the Django admin's channel form over the API; the
    target and signing secret are write-only. Writes go through the channel services."""

    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer
    read_roles = ADMINS
    write_roles = ADMINS

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = channel_create(
            actor=actor_of(self.request), data=serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.instance = channel_update(
            actor=actor_of(self.request), channel=self.get_object(), data=serializer.validated_data
        )

    def perform_destroy(self, instance: Channel) -> None:
        channel_delete(actor=actor_of(self.request), channel=instance)
