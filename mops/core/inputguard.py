"""Hostile input refused in one place, for every page and every API endpoint: a clear 400
naming the parameter, never a 500 from deep inside the ORM or the JSON decoder.

What is refused, before any view runs (`InputGuardMiddleware`):
- a NUL character in a query parameter's name or value, in a form field, or in a JSON body
  (`?q=%00`, `{"title": "a\\u0000"}`): PostgreSQL text cannot hold it (`DataError`);
- a date-time whose UTC offset PostgreSQL cannot represent (beyond ±15:59,
  `?starts_before=2026-01-01T00:00:00-20:30`);
- a JSON body nested deeper than `JSON_MAX_DEPTH` (1,000 levels in 2 KB is a
  `RecursionError` in the decoder or in any recursive validator);
- on the API (`/api/`), a non-empty `application/json` body that DRF's JSON parser refuses
  (`{"a":`, a bad charset): `parse_error`, with DRF's message. DRF parses lazily, so an
  action that never reads its body would otherwise ignore the junk and act.

A body over Django's own limits (`DATA_UPLOAD_MAX_MEMORY_SIZE`, `…_NUMBER_FIELDS`,
`…_NUMBER_FILES`) is the same 400 Django gives, answered here so the API keeps its error
format and `make run` (DEBUG) shows no debug report.

A database `DataError` that still escapes a view (a value out of a column's range) is the
caller's input too: the middleware answers 400 instead of a 500.

`problem(value)` is the hook a form or filter can call on one value; the same rules.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .text import JSON_MAX_DEPTH

# PostgreSQL stores offsets of at most 15:59 (TimeZone displacement out of range beyond).
MAX_OFFSET_MINUTES = 15 * 60 + 59
_OFFSET = re.compile(
    r"^\s*\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{1,2}(?::\d{1,2}(?:[.,]\d+)?)?"
    r"\s*([+-])(\d{2}):?(\d{2})?(?::?\d{2})?\s*$"
)
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_API_PREFIX = "/api/"
_FORM_TYPES = ("application/x-www-form-urlencoded",)
_JSON_PARSER = JSONParser()


class HostileInput(ValueError):
    def __init__(self, field: str | None, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


def problem(value: str) -> tuple[str, str] | None:
    """(code, message) when `value` cannot be stored or compared by PostgreSQL, else None."""
    if "\x00" in value:
        return "nul_character", "NUL characters are not allowed."
    match = _OFFSET.match(value)
    if match:
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        if minutes > MAX_OFFSET_MINUTES:
            return (
                "offset_out_of_range",
                "The UTC offset must be between -15:59 and +15:59.",
            )
    return None


def check_pairs(pairs: Iterable[tuple[str, Iterable[str]]]) -> None:
    """Raise HostileInput for the first parameter whose name or a value is refused."""
    for key, values in pairs:
        if "\x00" in key:
            raise HostileInput(None, "nul_character", "NUL characters are not allowed.")
        for value in values:
            found = problem(value)
            if found:
                raise HostileInput(key, found[0], f"{key}: {found[1]}")


def json_depth_exceeds(body: bytes, limit: int = JSON_MAX_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects deeper than `limit` (scanned, not
    parsed, so the scan itself cannot recurse)."""
    depth = 0
    in_string = False
    escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def json_parse_error(body: bytes, encoding: str) -> str | None:
    """DRF's message when its JSON parser (the API views' own) refuses `body`, else None."""
    try:
        _JSON_PARSER.parse(io.BytesIO(body), parser_context={"encoding": encoding})
    except ParseError as error:
        return str(error.detail)
    return None


def check_body(request: HttpRequest) -> None:
    content_type = (request.content_type or "").lower()
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.META.get(
        "CONTENT_LENGTH"
    ):
        return
    if content_type.endswith("json"):
        body = request.body
        if b"\x00" in body or _JSON_NUL.search(body):
            raise HostileInput(None, "nul_character", "NUL characters are not allowed.")
        if json_depth_exceeds(body):
            raise HostileInput(
                None, "too_deep", f"JSON nested deeper than {JSON_MAX_DEPTH} levels."
            )
        if body and content_type == JSONParser.media_type and request.path.startswith(_API_PREFIX):
            message = json_parse_error(body, request.encoding or settings.DEFAULT_CHARSET)
            if message:
                raise HostileInput(None, "parse_error", message)
    elif content_type in _FORM_TYPES:
        check_pairs(request.POST.lists())
    elif content_type.startswith("multipart/"):
        # Files are checked by the uploads kernel; the text fields here.
        check_pairs(request.POST.lists())


def refusal(request: HttpRequest, error: HostileInput) -> HttpResponse:
    if request.path.startswith(_API_PREFIX):
        return JsonResponse(
            {"errors": [{"field": error.field, "code": error.code, "message": error.message}]},
            status=400,
        )
    return HttpResponse(
        f"Bad request: {error.message}".encode(),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


class InputGuardMiddleware:
    """Refuse hostile input before any view (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_pairs(request.GET.lists())
            check_body(request)
        except HostileInput as error:
            return refusal(request, error)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return refusal(
                request, HostileInput(None, "too_large", "The request is larger than allowed.")
            )
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DataError):
            return refusal(
                request,
                HostileInput(None, "invalid_value", "A value is out of the range it can take."),
            )
        if isinstance(exception, RecursionError):
            return refusal(request, HostileInput(None, "too_deep", "The input is nested too deep."))
        return None
