"""API conventions shared by every app: pagination and the one error format.

Every error response has the body `{"errors": [{"field", "code", "message"}]}`; `field`
is a dotted path into the request body (`inputs.budget`, `items.0.url`) or null.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .concurrency import StaleVersion
from .lifecycle import TransitionError


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(detail: Any, prefix: str | None = None) -> list[dict[str, Any]]:
    if isinstance(detail, dict):
        out: list[dict[str, Any]] = []
        for key, value in detail.items():
            field = None if key in ("non_field_errors", "__all__") else str(key)
            path = ".".join(p for p in (prefix, field) if p) or None
            out.extend(_flatten(value, path))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                out.extend(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
            else:
                out.extend(_flatten(value, prefix))
        return out
    code = getattr(detail, "code", None) or "invalid"
    return [{"field": prefix, "code": code, "message": str(detail)}]


def error_body(detail: Any) -> dict[str, list[dict[str, Any]]]:
    return {"errors": _flatten(detail)}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler producing the one error format.

    Django's ValidationError / PermissionDenied and lifecycle TransitionError raised by
    services are mapped to 400 / 403 / 409 here, so views stay thin.
    """
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = serializers.ValidationError(detail)
    elif isinstance(exc, StaleVersion):
        return Response(
            {"errors": [{"field": None, "code": exc.code, "message": exc.message}]},
            status=412,
        )
    elif isinstance(exc, TransitionError):
        status = 403 if exc.code == "forbidden" else 409
        return Response(
            {"errors": [{"field": "transition", "code": exc.code, "message": exc.message}]},
            status=status,
        )
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = error_body(response.data)
    return response


def json_error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"field": field, "code": code, "message": message}]}, status=status
    )
