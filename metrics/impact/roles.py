"""Semantic roles of warehouse datasets: which fields each role needs and of what type,
and the check of a column mapping against the table's introspected columns (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

NUMERIC = frozenset({"numeric", "integer", "bigint", "smallint", "real", "double precision"})
TIMESTAMP = frozenset({"timestamp with time zone", "timestamp without time zone", "date"})
TEXT = frozenset({"text", "character varying", "character", "citext"})
BOOLEAN = frozenset({"boolean"})
KEY = NUMERIC | TEXT | frozenset({"uuid"})

_KINDS = {
    "number": NUMERIC,
    "timestamp": TIMESTAMP,
    "text": TEXT,
    "boolean": BOOLEAN,
    "key": KEY,
}


@dataclass(frozen=True)
class RoleField:
    name: str
    kind: str  # a key of _KINDS
    required: bool = True
    help: str = ""


ROLE_FIELDS: dict[str, tuple[RoleField, ...]] = {
    "opportunities": (
        RoleField("id", "key", help="Opportunity id."),
        RoleField("created_at", "timestamp", help="When the opportunity was created."),
        RoleField("reached_sql_at", "timestamp", help="When it became a sales-qualified lead."),
        RoleField("stage", "text", help="Pipeline stage."),
        RoleField("amount", "number", help="Deal amount."),
        RoleField("closed_at", "timestamp", help="When it closed (blank while open)."),
        RoleField("won", "boolean", help="True when closed won."),
    ),
    "campaign_touches": (
        RoleField("opportunity_id", "key", help="The opportunity touched."),
        RoleField("campaign", "text", help="Campaign name, as in the taxonomy's registry."),
        RoleField("touched_at", "timestamp", help="When the touch happened."),
        RoleField("channel", "text", required=False, help="Channel of the touch."),
    ),
    "identities": (
        RoleField("match_confidence", "number", help="Identity-resolution confidence, 0–1."),
    ),
}


def mapping_errors(
    role: str, mapping: Mapping[str, object], columns: Mapping[str, str]
) -> dict[str, list[str]]:
    """Problems of `mapping` (role field → column) against `columns` (name → type family),
    keyed `columns.<field>`; empty when the mapping is usable."""
    fields = ROLE_FIELDS.get(role)
    if fields is None:
        return {"role": [f"Unknown role {role!r}; use one of {', '.join(ROLE_FIELDS)}."]}
    errors: dict[str, list[str]] = {}
    known = {f.name for f in fields}
    for name in mapping:
        if name not in known:
            errors.setdefault(f"columns.{name}", []).append(
                f"{role} has no field {name!r}; its fields are {', '.join(sorted(known))}."
            )
    for f in fields:
        column = mapping.get(f.name)
        key = f"columns.{f.name}"
        if column in (None, ""):
            if f.required:
                errors.setdefault(key, []).append(f"Map {f.name} ({f.help}) to a column.")
            continue
        if not isinstance(column, str):
            errors.setdefault(key, []).append("Give the column name as text.")
            continue
        if column not in columns:
            errors.setdefault(key, []).append(
                f"Column {column!r} does not exist in the table (columns: "
                f"{', '.join(sorted(columns)) or 'none introspected'})."
            )
            continue
        if columns[column] not in _KINDS[f.kind]:
            errors.setdefault(key, []).append(
                f"Column {column!r} is {columns[column]}; {f.name} needs a {f.kind} column "
                f"({', '.join(sorted(_KINDS[f.kind]))})."
            )
    return errors
