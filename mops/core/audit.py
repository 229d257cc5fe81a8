"""Audit trail: django-simple-history on every tracked model, read here for the audit page.

Services set a change reason so the history says *why*, not only what.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from simple_history.models import HistoricalChanges


def set_change_reason(instance: models.Model, reason: str) -> None:
    """Attach a reason to the next history row written for `instance`."""
    instance._change_reason = reason[:100]  # type: ignore[attr-defined]


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


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def audit_entries(
    *,
    model_label: str | None = None,
    username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The latest history rows across tracked models, newest first, at most `limit`.

    Each history table is asked for its own latest `limit` rows (one query each), then
    merged: bounded work whatever the size of the tables.
    """
    entries: list[AuditEntry] = []
    for model in tracked_models():
        if model_label and model._meta.label_lower != model_label:
            continue
        qs = model.history.select_related("history_user").order_by("-history_date")
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
                changes = [(c.field, c.old, c.new) for c in delta.changes]
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
