"""The OpenAPI schema tells the truth about every operation, added once here rather than per
view (a drf-spectacular postprocessing hook, `SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`):

- the error responses any operation can give, in the one error format (`Errors`): 400 (bad
  input, including what `mops.core.inputguard` refuses), 401, 403, 404 (an object you may
  not see, a page past the end), 405, 406, 429; on writes also 409, 412, 415 and 422;
- pagination parameters with their ranges (`page` ≥ 1, 1 ≤ `page_size` ≤ 200);
- text values cannot carry NUL (PostgreSQL cannot store it; the input guard refuses it):
  every plain string in a request body or parameter says so with a pattern.
"""

from __future__ import annotations

import threading
from typing import Any

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response

ERRORS_COMPONENT = {
    "type": "object",
    "description": "The one error format: each error names its field (a dotted path) or null.",
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        }
    },
    "required": ["errors"],
}
COMMON = {
    "400": "Invalid input (each error names the field)",
    "401": "Not signed in (no or a revoked token)",
    "403": "Your role does not allow this",
    "404": "Not found: no such object, one you may not see, or a page past the end",
    "405": "Method not allowed",
    "406": "Not acceptable (format)",
    "429": "Too many requests (see Retry-After)",
}
WRITES = {
    "409": "Conflict (a transition not allowed from this state)",
    "412": "Stale If-Match",
    "415": "Unsupported media type",
    "422": "Idempotency key reused with another body",
}
NO_NUL = "^[^\\u0000]*$"
# A `TimeField` is a local wall-clock time ("10:00:00", no offset); OpenAPI's `format: time`
# is RFC 3339's full-time, which needs an offset, so the schema says what we really send.
LOCAL_TIME = {
    "type": "string",
    "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?$",
    "description": "Local time, HH:MM[:SS[.ffffff]], no UTC offset.",
}
# Pagination (mops.core.api.Pagination): pages count from 1, at most 200 rows a page.
PAGING = {"page": {"minimum": 1}, "page_size": {"minimum": 1, "maximum": 200}}


def _no_nul(schema: Any, components: dict[str, Any], seen: set[str]) -> None:
    """Add the no-NUL pattern to every plain string inside `schema` (components once)."""
    if not isinstance(schema, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen and name in components:
            seen.add(name)
            _no_nul(components[name], components, seen)
        return
    if (
        schema.get("type") == "string"
        and "enum" not in schema
        and "format" not in schema
        and "pattern" not in schema
        and not schema.get("readOnly")
    ):
        schema["pattern"] = NO_NUL
    for key in ("properties",):
        for value in (schema.get(key) or {}).values():
            _no_nul(value, components, seen)
    for key in ("items", "additionalProperties", "not"):
        _no_nul(schema.get(key), components, seen)
    for key in ("allOf", "anyOf", "oneOf"):
        for value in schema.get(key) or []:
            _no_nul(value, components, seen)


def _local_times(schema: Any) -> None:
    """Replace `format: time` with the local-time pattern everywhere inside `schema`."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and schema.get("format") == "time":
            del schema["format"]
            for key, value in LOCAL_TIME.items():
                schema.setdefault(key, value)
        for value in schema.values():
            _local_times(value)
    elif isinstance(schema, list):
        for value in schema:
            _local_times(value)


def postprocess(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict:
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Errors", ERRORS_COMPONENT)
    error_ref = {"$ref": "#/components/schemas/Errors"}
    seen: set[str] = set()
    for component in components.values():  # response shapes too (e.g. local times)
        _local_times(component)
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            wanted = dict(COMMON)
            if method in ("post", "put", "patch", "delete"):
                wanted.update(WRITES)
            responses = operation["responses"]
            for code, description in wanted.items():
                existing = responses.get(code)
                if existing is None:
                    responses[code] = {
                        "content": {"application/json": {"schema": error_ref}},
                        "description": description,
                    }
                elif "content" not in existing:
                    existing["content"] = {"application/json": {"schema": error_ref}}
            for parameter in operation.get("parameters", []):
                _no_nul(parameter.get("schema"), components, seen)
                if parameter.get("in") == "query" and parameter.get("name") in PAGING:
                    parameter.setdefault("schema", {}).update(PAGING[parameter["name"]])
            for media in (operation.get("requestBody") or {}).get("content", {}).values():
                _no_nul(media.get("schema"), components, seen)
    return result


# --- serving ------------------------------------------------------------------------------
# Generating the schema walks every view and serializer: 3-6 s on a 2-core machine, paid by
# each visit to the docs pages (Swagger UI and Redoc both fetch it). It is public (the same for
# every caller, SERVE_PUBLIC) and changes only with the code, so each process builds it once
# per API version and language and keeps it.
_built: dict[tuple[str | None, str], dict[str, Any]] = {}
_building = threading.Lock()


class SchemaView(SpectacularAPIView):
    """drf-spectacular's schema view, built once per process (see above)."""

    def _get_schema_response(self, request: Any) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language() or "")
        with _building:
            if key not in _built:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                _built[key] = generator.get_schema(request=request, public=self.serve_public)
        filename = self._get_filename(request, version)
        return Response(
            data=_built[key], headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
