"""Every write on the catalog: `<entity>_<verb>(*, ..., actor)`.

Each function checks the actor's role, validates (`full_clean()`), writes inside one
transaction and records why (`set_change_reason`). Service versions and template
versions are append-only: an edit of a versioned part of a service makes a new
`ServiceVersion`; a template rollback publishes a copy of the older version.
"""

from __future__ import annotations

from .calendars import CALENDAR_FIELDS, calendar_create, calendar_update, parse_week_text
from .policies import POLICY_FIELDS, sla_policy_create, sla_policy_update
from .roles import CALENDAR_EDITORS, CATALOG_EDITORS, can_edit_calendars, can_edit_catalog
from .selfserve import SELF_SERVERS, can_self_serve, selfserve_complete
from .services import (
    SERVICE_FIELDS,
    VERSIONED_FIELDS,
    service_copy,
    service_create,
    service_publish,
    service_retire,
    service_update,
)
from .templates import (
    TEMPLATE_FIELDS,
    template_create,
    template_publish,
    template_rollback,
    template_update,
)

__all__ = [
    "CALENDAR_EDITORS",
    "CALENDAR_FIELDS",
    "CATALOG_EDITORS",
    "POLICY_FIELDS",
    "SELF_SERVERS",
    "SERVICE_FIELDS",
    "TEMPLATE_FIELDS",
    "VERSIONED_FIELDS",
    "calendar_create",
    "calendar_update",
    "can_edit_calendars",
    "can_edit_catalog",
    "can_self_serve",
    "parse_week_text",
    "selfserve_complete",
    "service_copy",
    "service_create",
    "service_publish",
    "service_retire",
    "service_update",
    "sla_policy_create",
    "sla_policy_update",
    "template_create",
    "template_publish",
    "template_rollback",
    "template_update",
]
