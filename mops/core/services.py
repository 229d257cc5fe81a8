"""Service-layer helpers written once: role requirements and partial updates.

require_role(actor, ADMINS, "edit the catalog")      # PermissionDenied naming the action
fields_check(changes, fields=SERVICE_FIELDS, message="Not a service field.")
changed = model_update(service, fields=SERVICE_FIELDS, data=changes)   # ["name", ...]
model_save(service, reason=f"edited by {actor.username}")   # full_clean, history reason, save
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models

from mops.accounts.models import User
from mops.accounts.roles import has_role

from .audit import set_change_reason, set_history_user


def require_role(actor: User, roles: Iterable[str], what: str) -> None:
    """Raise PermissionDenied("Your role does not allow you to <what>.") unless the actor
    holds one of `roles`."""
    if not has_role(actor, roles):
        raise PermissionDenied(f"Your role does not allow you to {what}.")


def fields_check(data: Mapping[str, Any], *, fields: Iterable[str], message: str) -> None:
    """Refuse keys of `data` outside the declared `fields`: a ValidationError naming each
    unknown key with `message` ("Not a train field.")."""
    unknown = set(data) - set(fields)
    if unknown:
        raise ValidationError({name: message for name in sorted(unknown)})


def model_update(
    instance: models.Model, *, fields: Iterable[str], data: Mapping[str, Any]
) -> list[str]:
    """Set the declared `fields` present in `data` on `instance` (unsaved); return the names
    whose value changed. Keys outside `fields` are ignored, never set."""
    changed: list[str] = []
    for name in fields:
        if name in data and _differs(instance, name, data[name]):
            setattr(instance, name, data[name])
            changed.append(name)
    return changed


def model_save(
    instance: models.Model,
    *,
    reason: str,
    author: User | None = None,
    exclude: Iterable[str] | None = None,
) -> None:
    """Validate `instance` (`full_clean()`), give its history row `reason` and save it: how a
    service stores a model it made or edited, inside the service's transaction.

    `author` names who made the history row (a worker has no request to say it);
    `exclude` names fields the model's validation leaves to the service (`full_clean(exclude=)`).
    """
    instance.full_clean(exclude=exclude)
    set_change_reason(instance, reason)
    if author is not None:
        set_history_user(instance, author)
    instance.save()


def _differs(instance: models.Model, name: str, value: Any) -> bool:
    """Whether `value` differs from the instance's; a foreign key compares ids, so the
    related row is not fetched just to be compared."""
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        return bool(getattr(instance, name) != value)
    if isinstance(field, models.Field) and (
        field.many_to_one or (field.one_to_one and field.concrete)
    ):
        current = getattr(instance, field.attname)
        if value is None:
            return current is not None
        if isinstance(value, models.Model):
            return value.pk is None or current != value.pk
        return bool(current != value)
    return bool(getattr(instance, name) != value)
