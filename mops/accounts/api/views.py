from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from mops.core.actors import actor_of

from ..models import ApiToken, IdpGroupMapping, Team, User
from ..roles import ADMINS, ALL_ROLES, READ_EVERYTHING
from ..services import (
    api_token_create,
    api_token_revoke,
    team_create,
    team_update,
    user_deactivate,
    user_invite,
    user_update,
)
from ..sso import idp_mapping_delete, idp_mapping_save
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    IdpGroupMappingSerializer,
    TeamSerializer,
    TeamWriteSerializer,
    UserChangeSerializer,
    UserInviteSerializer,
    UserSerializer,
)


class MeView(APIView):
    read_roles = ALL_ROLES

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Teams; admins create and rename them (the Teams page's services)."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    read_roles = ALL_ROLES
    write_roles = ADMINS
    search_fields = ["name"]
    ordering_fields = ["name"]

    @extend_schema(request=TeamWriteSerializer, responses={201: TeamSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TeamWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = team_create(actor=actor_of(request), **body.validated_data)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamWriteSerializer, responses=TeamSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TeamWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = team_update(actor=actor_of(request), team=self.get_object(), **body.validated_data)
        return Response(TeamSerializer(team).data)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People (MOPS staff and leadership see everyone; used for assignment pickers).
    Admins invite, change roles/team and deactivate: the People page's services."""

    queryset = (
        User.objects.filter(is_active=True)
        .select_related("team")
        .prefetch_related("groups")
        .order_by("username")
    )
    serializer_class = UserSerializer
    read_roles = READ_EVERYTHING
    write_roles = ADMINS
    search_fields = ["username", "first_name", "last_name", "email"]
    filterset_fields = ["team"]

    def get_queryset(self) -> QuerySet[User]:
        if self.action in ("partial_update", "deactivate"):
            return User.objects.select_related("team").order_by("username")
        return super().get_queryset()

    @extend_schema(request=UserInviteSerializer, responses={201: UserSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Invite a person: an inactive account and an e-mail to choose a password."""
        body = UserInviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = user_invite(actor=actor_of(request), **data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserChangeSerializer, responses=UserSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = UserChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        team = data.pop("team", None)
        user = user_update(
            actor=actor_of(request),
            user=self.get_object(),
            team=team or None,
            clear_team=team == "",
            **data,
        )
        user.__dict__.pop("_mops_roles", None)
        return Response(UserSerializer(user).data)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        user = user_deactivate(actor=actor_of(request), user=self.get_object())
        return Response(UserSerializer(user).data)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Your own API tokens. The key is returned once, at creation."""

    queryset = ApiToken.objects.none()  # per-user; see get_queryset
    serializer_class = ApiTokenSerializer
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=actor_of(self.request))

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(
            user=actor_of(request), name=serializer.validated_data["name"]
        )
        data = ApiTokenSerializer(token).data | {"key": key}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = api_token_revoke(token=self.get_object(), actor=actor_of(request))
        return Response(ApiTokenSerializer(token).data)


class IdpGroupMappingViewSet(viewsets.ModelViewSet):
    """Which IdP groups give which role and team (read at every SSO log-in and SCIM group
    change). Admins only."""

    queryset = IdpGroupMapping.objects.select_related("team").order_by("group", "provider")
    serializer_class = IdpGroupMappingSerializer
    read_roles = ADMINS
    write_roles = ADMINS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = idp_mapping_save(
            actor=actor_of(self.request), data=serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.instance = idp_mapping_save(
            actor=actor_of(self.request),
            data=serializer.validated_data,
            mapping=serializer.instance,
        )

    def perform_destroy(self, instance: IdpGroupMapping) -> None:
        idp_mapping_delete(actor=actor_of(self.request), mapping=instance)
