"""Writes of flows between tools."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mops.accounts.models import User
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.versioned import lock_for_edit

from ..models import (
    Flow,
)
from ._common import (
    FLOW_FIELDS,
    STACK_EDITORS,
    _who,
)

# --- flows ------------------------------------------------------------------------------------


def _flow_save(flow: Flow, *, reason: str, services: Any) -> Flow:
    model_save(flow, reason=reason)
    if services is not None:
        flow.services.set(services)
    return flow


def flow_create(*, actor: User, services: Any = None, **fields: Any) -> Flow:
    """Record an integration flow between two tools (and the catalog services whose
    requests run through it: the golden-path share of requests reads them)."""
    require_role(actor, STACK_EDITORS, "edit the integration map")
    fields_check(fields, fields=FLOW_FIELDS, message="Not a flow field.")
    with transaction.atomic():
        return _flow_save(Flow(**fields), reason=f"recorded by {_who(actor)}", services=services)


def flow_update(
    *,
    flow: Flow,
    actor: User,
    expected_version: int | None = None,
    services: Any = None,
    **changes: Any,
) -> Flow:
    """Edit a flow (If-Match / hidden version)."""
    require_role(actor, STACK_EDITORS, "edit the integration map")
    fields_check(changes, fields=FLOW_FIELDS, message="Not a flow field.")
    with transaction.atomic():
        flow = lock_for_edit(flow, expected_version)
        model_update(flow, fields=FLOW_FIELDS, data=changes)
        return _flow_save(flow, reason=f"edited by {_who(actor)}", services=services)
