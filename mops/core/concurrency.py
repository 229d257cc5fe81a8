"""Optimistic concurrency, written once.

Services raise `StaleVersion` (a plain domain exception, no HTTP in it) when the caller's
expected version/revision is outdated. `mops.core.api.exception_handler` maps it to 412 in
the one error format; pages show its message on the form. API views read the caller's
version with `if_match_version(request)`:

    expected = if_match_version(request)          # None when no If-Match header
    service_update(service=obj, expected_revision=expected, ..., actor=request.user)

and services compare it with the locked row's number with `version_check`:

    version_check(locked.version, expected)       # StaleVersion when they differ
"""

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

IF_MATCH_RE = re.compile(r'\s*(?:W/)?"?(\d{1,9})"?\s*')
# The header as API views declare it: @extend_schema(parameters=[IF_MATCH_PARAMETER], ...).
IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version you read (ETag), e.g. "3"; a stale one gets 412.',
)
STALE_MESSAGE = "This was changed by someone else since you loaded it; reload and retry."


class StaleVersion(Exception):  # noqa: N818 - the domain's name for it
    """The object changed since the caller read it (If-Match / hidden version field)."""

    code = "stale"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or STALE_MESSAGE
        super().__init__(self.message)

    @property
    def detail(self) -> str:
        """The message (kept for callers written against the old APIException)."""
        return self.message


def version_check(current: int, expected: int | None, message: str | None = None) -> None:
    """Raise `StaleVersion` (with `message`, else the standard one) when the caller read
    version `expected` and the row is now at `current`; None means the caller sent none."""
    if expected is not None and int(expected) != current:
        raise StaleVersion(message)


def if_match_version(request: Any) -> int | None:
    """The version number in the request's If-Match header; None when absent.

    A malformed header is a 400 naming If-Match, never a 500.
    """
    raw = request.headers.get("If-Match")
    if not raw:
        return None
    match = IF_MATCH_RE.fullmatch(raw)
    if not match:
        raise serializers.ValidationError({"If-Match": 'Send the version as If-Match: "<n>".'})
    return int(match.group(1))
