"""Service-layer helpers written once: role requirements and partial updates.

require_role(actor, ADMINS, "edit the catalog")      # PermissionDenied naming the action
changed = model_update(service, fields=SERVICE_FIELDS, data=data)   # ["name", ...]
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models

from mops.accounts.roles import has_role


def require_role(actor: Any, roles: Iterable[str], what: str) -> None:
    """Raise PermissionDenied("Your role does not allow you to <what>.") unless the actor
    holds one of `roles`."""
    if not has_role(actor, roles):
        raise PermissionDenied(f"Your role does not allow you to {what}.")


def model_update(
    instance: models.Model, *, fields: Iterable[str], data: Mapping[str, Any]
) -> list[str]:
    """Set the declared `fields` present in `data` on `instance` (unsaved); return the names
    whose value changed. Keys outside `fields` are ignored, never set."""
    changed: list[str] = []
    for name in fields:
        if name in data and getattr(instance, name) != data[name]:
            setattr(instance, name, data[name])
            changed.append(name)
    return changed
