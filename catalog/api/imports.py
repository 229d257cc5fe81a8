"""POST /api/v1/catalog-imports/{kind}/ — calendars or services from a CSV / YAML file.

Multipart: `file`, `commit` (default false: a preview). 200 with each row's line, key,
action and errors when nothing is wrong; 400 in the error format with one error per row
problem (`field` = "line.<N>", message "Line N: column: problem") — nothing written."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mops.core.actors import actor_of
from mops.core.tabular import TableError, upload_bytes
from mops.core.uploads import upload_max_bytes

from ..imports import calendars_import, services_import
from ..services import CALENDAR_EDITORS, CATALOG_EDITORS

KINDS = {"calendars": calendars_import, "services": services_import}


class CatalogImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8) or YAML (.yaml / .yml).")
    commit = serializers.BooleanField(default=False, help_text="false: preview only.")


class ImportedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    key = serializers.CharField(help_text="The row's slug.")
    action = serializers.CharField(help_text="create, update or unchanged.")
    # a field (DRF's metaclass takes it off the class), not the serializer's `errors`
    errors = serializers.ListField(child=serializers.CharField())  # type: ignore[assignment]


class CatalogImportResultSerializer(serializers.Serializer):
    committed = serializers.BooleanField()
    rows = ImportedRowSerializer(many=True)


def row_errors(rows: list[Any]) -> list[dict[str, Any]]:
    """Each row problem in the API's error format (field `line.<N>`)."""
    return [
        {"field": f"line.{r.line}", "code": "invalid_row", "message": f"Line {r.line}: {e}"}
        for r in rows
        for e in r.errors
    ]


class CatalogImportView(APIView):
    """Import business calendars (admins) or catalog services (PMs, admins)."""

    read_roles = CATALOG_EDITORS | CALENDAR_EDITORS
    write_roles = CATALOG_EDITORS | CALENDAR_EDITORS
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CatalogImportSerializer},
        responses={
            200: CatalogImportResultSerializer,
            400: OpenApiResponse(description="Rows with errors (each names its line)"),
        },
    )
    def post(self, request: Request, kind: str) -> Response:
        if kind not in KINDS:
            return Response(
                {
                    "errors": [
                        {
                            "field": "kind",
                            "code": "invalid",
                            "message": "Use calendars or services.",
                        }
                    ]
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        body = CatalogImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        commit = body.validated_data["commit"]
        try:
            data = upload_bytes(upload, max_bytes=upload_max_bytes())
        except TableError as exc:
            raise ValidationError({"file": str(exc)}) from None
        rows = KINDS[kind](
            actor=actor_of(request), data=data, filename=upload.name or "", commit=commit
        )
        if any(r.errors for r in rows):
            return Response({"errors": row_errors(rows)}, status=status.HTTP_400_BAD_REQUEST)
        result = {
            "committed": commit,
            "rows": [
                {"line": r.line, "key": r.key, "action": r.action, "errors": []} for r in rows
            ],
        }
        return Response(result)
