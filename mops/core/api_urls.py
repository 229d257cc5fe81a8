from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .audit import AUDIT_READERS, audit_entries, tracked_models

_entry = inline_serializer(
    "AuditEntry",
    fields={
        "when": serializers.DateTimeField(),
        "who": serializers.CharField(),
        "model": serializers.CharField(),
        "object": serializers.CharField(),
        "action": serializers.CharField(),
        "reason": serializers.CharField(),
        "changes": serializers.ListField(child=serializers.DictField()),
    },
    many=True,
)


class AuditApiView(APIView):
    """Who changed what, newest first (at most `limit`, default 100, max 500): the history of
    what the caller may see, declared secret fields masked."""

    read_roles = AUDIT_READERS

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "model",
                str,
                description="app_label.model, e.g. catalog.service",
                enum=sorted(m._meta.label_lower for m in tracked_models()),
            ),
            OpenApiParameter("user", str),
            OpenApiParameter("limit", int),
        ],
        responses=_entry,
    )
    def get(self, request: Request) -> Response:
        labels = {m._meta.label_lower for m in tracked_models()}
        model = request.query_params.get("model") or None
        if model and model not in labels:
            raise serializers.ValidationError({"model": f"'{model}' is not an audited model."})
        try:
            limit = min(max(int(request.query_params.get("limit", 100)), 1), 500)
        except ValueError:
            raise serializers.ValidationError({"limit": "Must be an integer."}) from None
        entries = audit_entries(
            user=request.user,
            model_label=model,
            username=request.query_params.get("user") or None,
            limit=limit,
        )
        return Response(
            [
                {
                    "when": e.when,
                    "who": e.who,
                    "model": e.model,
                    "object": e.object_repr,
                    "action": e.action,
                    "reason": e.reason,
                    "changes": [
                        {"field": f, "old": str(o), "new": str(n)} for f, o, n in e.changes
                    ],
                }
                for e in entries
            ]
        )


urlpatterns = [path("audit/", AuditApiView.as_view(), name="api-audit")]
