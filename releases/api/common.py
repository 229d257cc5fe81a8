"""What releases' API shares: who reads it, input validation, clean text fields."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from mops.accounts.roles import READ_EVERYTHING, Role

RELEASE_READERS = READ_EVERYTHING | {Role.APPROVER}


def valid_data(serializer_class: type, request: Request, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
