"""Warehouses over the API (admins): the same service as the page, the connection string
write-only — it is accepted on create/update and never returned."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.health import selectors as hs
from governance.health.models import Warehouse
from governance.health.services import (
    datasets_import_dbt,
    warehouse_save,
)
from mops.accounts.roles import ADMINS
from mops.core.actors import actor_of

from .serializers import DatasetSerializer


class WarehouseSerializer(serializers.ModelSerializer):
    dsn = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        max_length=2000,
        help_text="PostgreSQL connection string of the warehouse's own least-privilege login "
        "(never the app's database or role). Write-only; omit it on update to keep the stored "
        "one.",
    )
    has_connection = serializers.BooleanField(read_only=True)

    class Meta:
        model = Warehouse
        fields = [
            "id",
            "name",
            "dsn",
            "has_connection",
            "statement_timeout_ms",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}}


class DbtManifestSerializer(serializers.Serializer):
    manifest = serializers.CharField(
        trim_whitespace=False, help_text="The text of a dbt project's target/manifest.json."
    )


class DbtImportResultSerializer(serializers.Serializer):
    datasets = DatasetSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class WarehouseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Warehouses: where datasets live. Admins only; writes go through `warehouse_save`
    (a blank DSN, the app's own database or role, or a superuser login is refused, naming
    `dsn`)."""

    serializer_class = WarehouseSerializer
    queryset = Warehouse.objects.order_by("name")
    read_roles = ADMINS
    write_roles = ADMINS

    def _save(self, request: Request, warehouse: Warehouse | None, partial: bool) -> Warehouse:
        serializer = self.get_serializer(warehouse, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        if warehouse is None and "dsn" not in data:
            raise serializers.ValidationError({"dsn": "This field is required."})
        return warehouse_save(
            actor=actor_of(request),
            warehouse=warehouse,
            name=data.get("name", warehouse.name if warehouse else ""),
            dsn=data.get("dsn"),
            statement_timeout_ms=data.get(
                "statement_timeout_ms", warehouse.statement_timeout_ms if warehouse else 30_000
            ),
            is_demo=warehouse.is_demo if warehouse else False,
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        warehouse = self._save(request, None, partial=False)
        return Response(self.get_serializer(warehouse).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        warehouse = self._save(request, self.get_object(), partial=kwargs.get("partial", False))
        return Response(self.get_serializer(warehouse).data)

    @extend_schema(request=DbtManifestSerializer, responses={201: DbtImportResultSerializer})
    @action(detail=True, methods=["post"], url_path="import-dbt")
    def import_dbt(self, request: Request, pk: str | None = None) -> Response:
        """Datasets and contracts from a dbt manifest's models and schema tests (not_null,
        unique, accepted_values, relationships); errors name the JSON line or the dbt node."""
        body = DbtManifestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        datasets, notes = datasets_import_dbt(
            actor=actor_of(request),
            warehouse=self.get_object(),
            manifest=body.validated_data["manifest"],
        )
        rows = hs.datasets_with_health().filter(pk__in=[d.pk for d in datasets])
        return Response(
            {"datasets": DatasetSerializer(rows, many=True).data, "notes": notes},
            status=status.HTTP_201_CREATED,
        )
