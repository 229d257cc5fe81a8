"""What releases' API shares: who reads it, input validation, clean text fields."""

from __future__ import annotations

import re
from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from mops.accounts.roles import READ_EVERYTHING, Role

RELEASE_READERS = READ_EVERYTHING | {Role.APPROVER}


def if_match(request: Request) -> int | None:
    raw = request.headers.get("If-Match")
    if not raw:
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', raw)
    if not match:
        raise serializers.ValidationError({"If-Match": 'Send the version as If-Match: "<n>".'})
    return int(match.group(1))


def valid_data(serializer_class: type, request: Request, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
