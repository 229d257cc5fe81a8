"""Reads of the request import: who may import, the runs they see, what a run created."""

from __future__ import annotations

from typing import Any

from mops.accounts.roles import Role, has_role

from ..models import Request
from .models import ImportRun

IMPORTERS = frozenset({Role.PM, Role.ADMIN})


def can_import(user: Any) -> bool:
    return has_role(user, IMPORTERS)


def import_runs_visible_to(user: Any) -> Any:
    """Import runs for importers (PM / admin); none for anyone else."""
    if not can_import(user):
        return ImportRun.objects.none()
    return ImportRun.objects.select_related("created_by").defer("text")


def imported_requests(run: ImportRun, *, limit: int = 50) -> list[Request]:
    return list(
        Request.objects.filter(imported_from__run=run)
        .select_related("service", "team")
        .order_by("-created_at")[:limit]
    )
