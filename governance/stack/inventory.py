"""Writes of the instrumentation inventory: events and pixels per property, with their
consent category, tag-manager container and destination tools; and its CSV import.

Same rules as every stack write (`services`): the role is checked, the entry validated
with `full_clean()` inside `transaction.atomic()`, and a history row records who and why.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from mops.accounts.models import User
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.versioned import lock_for_edit

from .models import Consent, Instrument, InstrumentKind, Platform, Tool
from .services._common import (
    STACK_EDITORS,
    ImportRow,
    _choice,
    _lookup_user,
    _validation_messages,
    _who,
    csv_header,
    csv_rows,
)

INSTRUMENT_FIELDS = (
    "kind",
    "name",
    "property",
    "platform",
    "consent_category",
    "container",
    "description",
    "owner",
)
INSTRUMENT_CSV_COLUMNS = (
    "kind",
    "name",
    "property",
    "platform",
    "consent_category",
    "container",
    "destinations",
    "owner",
    "description",
)


def _save(instrument: Instrument, *, reason: str, destinations: Any) -> Instrument:
    try:
        model_save(instrument, reason=reason)
    except ValidationError as exc:
        # The case-insensitive uniqueness is a constraint without fields: name the field.
        if "__all__" in getattr(exc, "message_dict", {}):
            raise ValidationError({"name": exc.message_dict["__all__"]}) from None
        raise
    if destinations is not None:
        instrument.destinations.set(destinations)
    return instrument


def instrument_create(*, actor: User, destinations: Any = None, **fields: Any) -> Instrument:
    """Add an event or pixel to the inventory (unique per kind, name and property, without
    case)."""
    require_role(actor, STACK_EDITORS, "edit the instrumentation inventory")
    fields_check(fields, fields=INSTRUMENT_FIELDS, message="Not a inventory field.")
    with transaction.atomic():
        return _save(
            Instrument(**fields), reason=f"recorded by {_who(actor)}", destinations=destinations
        )


def instrument_update(
    *,
    instrument: Instrument,
    actor: User,
    expected_version: int | None = None,
    destinations: Any = None,
    **changes: Any,
) -> Instrument:
    """Edit an inventory entry (If-Match / hidden version)."""
    require_role(actor, STACK_EDITORS, "edit the instrumentation inventory")
    fields_check(changes, fields=INSTRUMENT_FIELDS, message="Not a inventory field.")
    with transaction.atomic():
        instrument = lock_for_edit(instrument, expected_version)
        model_update(instrument, fields=INSTRUMENT_FIELDS, data=changes)
        return _save(instrument, reason=f"edited by {_who(actor)}", destinations=destinations)


def _lookup_tools(raw: str, tools: dict[str, Tool], errors: list[str]) -> list[Tool]:
    found = []
    for name in (n.strip() for n in raw.replace("|", ";").split(";")):
        if not name:
            continue
        tool = tools.get(name.lower())
        if tool is None:
            errors.append(f"destinations: no tool '{name}' in the registry.")
        else:
            found.append(tool)
    return found


def instruments_import_csv(*, actor: User, text: str, commit: bool) -> list[ImportRow]:
    """Create or update inventory entries from a CSV (`INSTRUMENT_CSV_COLUMNS`; upsert by
    kind, name and property; destinations are tool names separated by `;`).

    As the tool import: every line checked first, each error naming its line and column;
    nothing written unless `commit` and no line has an error, then all in one transaction.
    """
    require_role(actor, STACK_EDITORS, "import the instrumentation inventory")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = csv_header(reader)
    missing = [c for c in ("kind", "name", "property") if c not in header]
    if missing:
        raise ValidationError(
            {
                "file": f"Line 1: the header needs the column(s) {', '.join(missing)} "
                f"(columns: {', '.join(INSTRUMENT_CSV_COLUMNS)})."
            }
        )
    tools = {t.name.lower(): t for t in Tool.objects.only("pk", "name")}
    entries = Instrument.objects.annotate(n=Lower("name"), p=Lower("property"))
    existing = {(kind, n, p): pk for pk, kind, n, p in entries.values_list("pk", "kind", "n", "p")}
    rows: list[ImportRow] = []
    seen: set[tuple[str, str, str]] = set()
    for raw in csv_rows(reader):
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        row = ImportRow(line=reader.line_num, name=data.get("name", ""))
        errors = row.errors
        kind = _choice(data.get("kind", ""), InstrumentKind, "kind", errors)
        values: dict[str, Any] = {
            "kind": kind,
            "name": row.name,
            "property": data.get("property", ""),
            "platform": _choice(data.get("platform") or "web", Platform, "platform", errors),
            "consent_category": (
                _choice(data["consent_category"], Consent, "consent_category", errors)
                if data.get("consent_category")
                else ""
            ),
            "container": data.get("container", ""),
            "owner": _lookup_user(data.get("owner", ""), errors),
            "description": data.get("description", ""),
        }
        destinations = _lookup_tools(data.get("destinations", ""), tools, errors)
        key = (kind, row.name.lower(), values["property"].lower())
        if row.name and values["property"] and key in seen:
            errors.append(f"name: '{row.name}' ({kind}, {values['property']}) appears twice.")
        seen.add(key)
        current = existing.get(key)
        row.action = "update" if current else "create"
        if not errors:
            try:
                Instrument(pk=current, **values).full_clean(
                    validate_unique=False, validate_constraints=False
                )
            except ValidationError as exc:
                errors.extend(_validation_messages(exc))
        row.values = {**values, "destinations": destinations, "pk": current}
        rows.append(row)
    if not rows:
        raise ValidationError({"file": "The file has a header but no entries."})
    if commit and not any(r.errors for r in rows):
        with transaction.atomic():
            for row in rows:
                values = dict(row.values)
                pk = values.pop("pk")
                if pk is None:
                    instrument_create(actor=actor, **values)
                else:
                    instrument_update(instrument=Instrument(pk=pk), actor=actor, **values)
    return rows
