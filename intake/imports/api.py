"""Request import API: POST a CSV export with its mapping (dry run or import), GET the run.

`POST /api/v1/request-imports/` (multipart) stores the file and runs it; a small file is
run at once (201 when it went through, 422 listing each line's errors when it did not),
a large one is queued for the worker (202; poll `GET /api/v1/request-imports/{id}/` for
`rows_done` / `rows_total`). A problem with the file itself (encoding, size, header) or
with the mapping is a 400 naming `file`, `mapping.<field>`, `statuses.<value>` …
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request as ApiRequest
from rest_framework.response import Response

from mops.core.actors import actor_of

from .. import importmapping as im
from . import selectors, services
from .models import ImportRun, ImportSystem


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The file's line (1 is the header; 0: the file).")
    field = serializers.CharField(help_text="The file's column.")
    message = serializers.CharField()


class ImportRunSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    # A field (DRF's metaclass takes it off the class), not the serializer's `errors`.
    errors = ImportErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]
    percent = serializers.IntegerField(read_only=True)
    rows_done = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "system",
            "filename",
            "size",
            "headers",
            "mapping",
            "statuses",
            "services",
            "options",
            "dry_run",
            "status",
            "rows_total",
            "rows_done",
            "percent",
            "created_count",
            "updated_count",
            "unchanged_count",
            "skipped_count",
            "error_count",
            "errors",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_rows_done(self, run: ImportRun) -> int:
        return services.import_progress(run)[1]


@extend_schema_field(OpenApiTypes.OBJECT)
class _JsonObject(serializers.Field):
    """An object sent as JSON (a multipart part holds it as text)."""

    default_error_messages = {"invalid": "Send a JSON object."}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, str):
            try:
                data = json.loads(data) if data.strip() else {}
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class _RunOptionsSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(default=True)
    mapping = _JsonObject(
        required=False, help_text=f"field → column; fields: {', '.join(im.FIELDS)}."
    )
    statuses = _JsonObject(required=False, help_text="source status → lifecycle state.")
    services = _JsonObject(required=False, help_text="source request type → service slug.")
    options = _JsonObject(
        required=False, help_text="default_service, default_team, time_zone, dayfirst."
    )


class ImportUploadSerializer(_RunOptionsSerializer):
    file = serializers.FileField(help_text="The CSV export (UTF-8).")
    system = serializers.ChoiceField(choices=ImportSystem.choices, required=False)


class ImportRunStartSerializer(_RunOptionsSerializer):
    pass


RESULTS = {
    201: ImportRunSerializer,
    202: ImportRunSerializer,
    400: OpenApiResponse(description="The file or the mapping is wrong (each error names it)"),
    422: OpenApiResponse(
        description="Rows with errors: nothing imported; each error names its line"
    ),
}


def _answer(run: ImportRun) -> Response:
    data = ImportRunSerializer(run).data
    if run.is_active:
        return Response(data, status=status.HTTP_202_ACCEPTED)
    if run.error_count:
        errors = [
            {"field": e["field"], "code": "invalid_row", "message": e["message"], "line": e["line"]}
            for e in run.errors
        ]
        return Response({"errors": errors, "run": data}, status=422)
    return Response(data, status=status.HTTP_201_CREATED)


class ImportRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Request imports from Jira / Asana CSV exports (MOPS PMs and admins)."""

    serializer_class = ImportRunSerializer
    queryset = ImportRun.objects.none()
    read_roles = selectors.IMPORTERS
    write_roles = selectors.IMPORTERS
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self) -> Any:
        return selectors.import_runs_visible_to(self.request.user)

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses=RESULTS)
    def create(self, request: ApiRequest) -> Response:
        body = ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        upload = data["file"]
        run = services.import_run_create(
            actor=actor_of(request),
            filename=upload.name or "import.csv",
            data=services.import_upload_bytes(upload),
            system=data.get("system", ""),
        )
        return self._start(run, data)

    @extend_schema(request=ImportRunStartSerializer, responses=RESULTS)
    @action(detail=True, methods=["post"])
    def run(self, request: ApiRequest, pk: str | None = None) -> Response:
        """Run an uploaded import again (another mapping, or for real after a dry run)."""
        run = self.get_object()
        body = ImportRunStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._start(run, body.validated_data)

    def _start(self, run: ImportRun, data: dict[str, Any]) -> Response:
        started = services.import_run_start(
            run=run,
            actor=actor_of(self.request),
            dry_run=data.get("dry_run", True),
            mapping=data.get("mapping"),
            statuses=data.get("statuses"),
            services=data.get("services"),
            options=data.get("options"),
        )
        return _answer(started)
