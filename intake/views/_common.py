"""What every request page shares: who makes and triages, the page size, the request a viewer may see, the posted version."""

from __future__ import annotations

from typing import Any

from django.http import (
    HttpRequest,
)
from django.shortcuts import get_object_or_404

from mops.accounts.roles import Role

from .. import selectors
from ..models import (
    Request,
)

MAKERS = frozenset({Role.REQUESTER, Role.PM, Role.ADMIN})
TRIAGERS = frozenset({Role.PM, Role.ADMIN})
PAGE_SIZE = 50


def _visible_request(user: Any, pk: int, detail: bool = False) -> Request:
    qs = selectors.request_detail(user) if detail else selectors.request_visible_to(user)
    return get_object_or_404(qs, pk=pk)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None
