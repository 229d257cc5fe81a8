"""Audit trail: django-simple-history on every tracked model, read here for the audit page.

Services set a change reason so the history says *why*, not only what.

Two declarations on a tracked model shape what the audit shows (page and API alike):

- `audit_secret_fields`: fields whose values are bearer secrets or their digests (a webhook
  URL, a signing secret, a token digest, a DSN). Their changes are listed, their values are
  masked — for everyone, admins included.
- `audit_visible_to(user)` (a classmethod): the objects whose history `user` may read, as a
  queryset, or None for all of them (deleted ones included). A model without it is readable by
  the audit roles only (`AUDIT_READERS`): history follows object visibility, never wider.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.db.models.query import EmptyQuerySet
from simple_history.models import HistoricalChanges

from mops.accounts.roles import ADMINS, READ_EVERYTHING, has_role

AUDIT_READERS: frozenset[str] = READ_EVERYTHING | ADMINS
MASK = "••••••"


def set_change_reason(instance: models.Model, reason: str) -> None:
    """Attach a reason to the next history row written for `instance`."""
    instance._change_reason = reason[:100]  # type: ignore[attr-defined]


def set_history_user(instance: models.Model, user: models.Model | None) -> None:
    """Name who made the next history row written for `instance` (also outside a request:
    a worker, a demo loader); None records no one (the system)."""
    instance._history_user = user  # type: ignore[attr-defined]


@dataclass
class AuditEntry:
    when: datetime
    who: str
    model: str
    object_repr: str
    action: str
    reason: str
    changes: list[tuple[str, Any, Any]]


def tracked_models() -> list[type[models.Model]]:
    """Every model with simple-history records, sorted by verbose name."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        history = getattr(model, "history", None)
        if (
            history is not None
            and hasattr(history, "model")
            and issubclass(history.model, HistoricalChanges)
        ):
            found.append(model)
    return sorted(found, key=lambda m: str(m._meta.verbose_name))


def secret_fields(model: type[models.Model]) -> frozenset[str]:
    return frozenset(getattr(model, "audit_secret_fields", ()) or ())


def admins_only(model: type[models.Model], user: Any) -> QuerySet | None:
    """An `audit_visible_to` rule: admins read the history, nobody else."""
    return None if has_role(user, ADMINS) else model._default_manager.none()


def owner_or_admins(
    model: type[models.Model], user: Any, *, owner: str = "user"
) -> QuerySet | None:
    """An `audit_visible_to` rule: admins read all of it, others their own objects' history."""
    if has_role(user, ADMINS):
        return None
    if not getattr(user, "is_authenticated", False):
        return model._default_manager.none()
    return model._default_manager.filter(**{owner: user})


def _visible_history(model: type[models.Model], user: Any) -> QuerySet | None:
    """The history rows of `model` that `user` may read; None when none at all."""
    history = model.history.all()  # type: ignore[attr-defined]
    rule = getattr(model, "audit_visible_to", None)
    if rule is None:
        return history if has_role(user, AUDIT_READERS) else None
    scope = rule(user)
    if scope is None:
        return history
    return history.filter(id__in=scope.values("pk"))


def _masked(field: str, value: Any, secrets: Collection[str]) -> Any:
    if field in secrets and value not in (None, ""):
        return MASK
    return value


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def audit_models_for(user: Any) -> list[type[models.Model]]:
    """Tracked models some of whose history `user` may read (the audit page's model filter)."""
    found = []
    for model in tracked_models():
        rule = getattr(model, "audit_visible_to", None)
        if rule is None:
            if has_role(user, AUDIT_READERS):
                found.append(model)
        elif not isinstance(rule(user), EmptyQuerySet):
            found.append(model)
    return found


def audit_entries(
    *,
    user: Any,
    model_label: str | None = None,
    username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The latest history rows across tracked models that `user` may read, newest first, at
    most `limit`, with declared secret fields masked.

    Each history table is asked for its own latest `limit` rows (one query each), then
    merged: bounded work whatever the size of the tables.
    """
    entries: list[AuditEntry] = []
    for model in tracked_models():
        if model_label and model._meta.label_lower != model_label:
            continue
        visible = _visible_history(model, user)
        if visible is None:
            continue
        secrets = secret_fields(model)
        qs = visible.select_related("history_user").order_by("-history_date")
        if username:
            qs = qs.filter(history_user__username=username)
        if since:
            qs = qs.filter(history_date__gte=since)
        if until:
            qs = qs.filter(history_date__lt=until)
        rows = list(qs[:limit])
        for row in rows:
            prev = row.prev_record if row.history_type == "~" else None
            changes: list[tuple[str, Any, Any]] = []
            if prev is not None:
                delta = row.diff_against(prev)
                changes = [
                    (c.field, _masked(c.field, c.old, secrets), _masked(c.field, c.new, secrets))
                    for c in delta.changes
                ]
            entries.append(
                AuditEntry(
                    when=row.history_date,
                    who=row.history_user.username if row.history_user else "system",
                    model=str(model._meta.verbose_name),
                    object_repr=str(row)[:120],
                    action=_ACTIONS.get(row.history_type, row.history_type),
                    reason=row.history_change_reason or "",
                    changes=changes,
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
