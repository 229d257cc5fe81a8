from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import ApiToken, Team, User
from ..roles import ALL_ROLES, READ_EVERYTHING
from ..services import api_token_create, api_token_revoke
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    TeamSerializer,
    UserSerializer,
)


class MeView(APIView):
    read_roles = ALL_ROLES

    @extend_schema(responses=UserSerializer)
    def get(self, request):  # type: ignore[no-untyped-def]
        return Response(UserSerializer(request.user).data)


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    read_roles = ALL_ROLES
    search_fields = ["name"]
    ordering_fields = ["name"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """People (MOPS staff and leadership see everyone; used for assignment pickers)."""

    queryset = (
        User.objects.filter(is_active=True)
        .select_related("team")
        .prefetch_related("groups")
        .order_by("username")
    )
    serializer_class = UserSerializer
    read_roles = READ_EVERYTHING
    search_fields = ["username", "first_name", "last_name", "email"]
    filterset_fields = ["team"]


class ApiTokenViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Your own API tokens. The key is returned once, at creation."""

    queryset = ApiToken.objects.none()  # per-user; see get_queryset
    serializer_class = ApiTokenSerializer
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, name=serializer.validated_data["name"])
        data = ApiTokenSerializer(token).data | {"key": key}
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):  # type: ignore[no-untyped-def]
        token = api_token_revoke(token=self.get_object(), actor=request.user)
        return Response(ApiTokenSerializer(token).data)
