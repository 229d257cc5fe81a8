"""Who may do what on a request, and the clock every write reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from mops.accounts.roles import Role, has_role

from ..models import (
    EDITABLE_BY_REQUESTER,
    TRIAGERS,
    Request,
    Status,
)

# --- helpers ------------------------------------------------------------------------------


def is_triager(user: Any) -> bool:
    return has_role(user, TRIAGERS)


def can_edit(request: Request, user: Any) -> bool:
    """Staff (PM, admin) edit open requests; the requester's team edits drafts and
    requests waiting on them."""
    if has_role(user, TRIAGERS):
        return request.status not in (Status.CLOSED, Status.CANCELLED, Status.REJECTED)
    return (
        request.status in EDITABLE_BY_REQUESTER
        and has_role(user, {Role.REQUESTER})
        and getattr(user, "team_id", None) == request.team_id
    )


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()
