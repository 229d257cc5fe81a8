"""Who may edit the catalog, its calendars and SLA policies."""

from __future__ import annotations

from typing import Any

from mops.accounts.roles import ADMINS, Role, has_role

CATALOG_EDITORS: frozenset[str] = frozenset({Role.ADMIN, Role.PM})
CALENDAR_EDITORS: frozenset[str] = ADMINS


def can_edit_catalog(user: Any) -> bool:
    return has_role(user, CATALOG_EDITORS)


def can_edit_calendars(user: Any) -> bool:
    return has_role(user, CALENDAR_EDITORS)
