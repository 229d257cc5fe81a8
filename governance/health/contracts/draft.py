"""A first data contract drafted from the table itself, for its owner to refine.

Columns → contract types, NOT NULL → required, the primary key and single-column unique keys,
and formats observed in a bounded sample (e-mail, UUID, date-like text): a text column whose
sampled non-empty values all look like e-mail addresses gets `email: true`, and so on.

Rules a reader could not guess:
- The sample is the first `SAMPLE_ROWS` rows the table returns (no ORDER BY, no full scan), in a
  read-only transaction with the warehouse's statement timeout; a format is proposed when at
  least `MIN_SAMPLE` non-empty values were seen and `FORMAT_SHARE` of them match — the rest are
  what the drafted check will then find.
- Columns of a type no contract type covers (arrays, intervals, …) are left out and named in
  `notes`; a draft never invents rules, thresholds or references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from .spec import (
    FIELD_TYPES,
    ContractSpec,
    FieldSpec,
)

SAMPLE_ROWS = 500
MIN_SAMPLE = 5
FORMAT_SHARE = 0.9
_TIMESTAMP_NAMES = ("updated_at", "modified_at", "last_modified", "changed_at", "created_at")
_PII_HINTS = ("email", "e_mail", "phone", "mobile", "first_name", "last_name", "full_name")

FORMATS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "uuid": re.compile(
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
}
_FORMAT_PATTERNS = {"uuid": FORMATS["uuid"].pattern, "date": FORMATS["date"].pattern}

_COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
  COALESCE((SELECT bool_or(i.indisprimary) FROM pg_index i
            WHERE i.indrelid = c.oid AND a.attnum = ANY(i.indkey::int2[])
              AND i.indisprimary), false),
  COALESCE((SELECT bool_or(i.indisunique) FROM pg_index i
            WHERE i.indrelid = c.oid AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum
              AND i.indpred IS NULL AND i.indexprs IS NULL), false)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = %s AND c.relname = %s
ORDER BY a.attnum
"""


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str
    not_null: bool
    primary: bool
    unique: bool


@dataclass
class Draft:
    spec: ContractSpec
    notes: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # column → observed format


def contract_type(pg_type: str) -> str | None:
    """The contract type whose family holds `pg_type` ('timestamp(3) with time zone' →
    'timestamp'), None when no contract type covers it."""
    family = " ".join(re.sub(r"\([^)]*\)", "", pg_type).split())
    for name in ("integer", "number", "text", "boolean", "timestamp", "date", "uuid", "json"):
        if family in FIELD_TYPES[name]:
            return name
    return None


def observed_format(values: list[str]) -> str | None:
    """'email' / 'uuid' / 'date' when at least FORMAT_SHARE of the sampled non-empty values
    have that shape."""
    seen = [v.strip() for v in values if v is not None and v.strip()]
    if len(seen) < MIN_SAMPLE:
        return None
    for name, pattern in FORMATS.items():
        if sum(1 for v in seen if pattern.match(v)) >= FORMAT_SHARE * len(seen):
            return name
    return None


def draft_contract(
    conn: psycopg.Connection, *, schema: str, table: str, timeout_ms: int = 30_000
) -> Draft:
    """Introspect `schema.table` and sample it; LookupError when it does not exist."""
    with conn.transaction():
        conn.execute(
            sql.SQL("SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = {}").format(
                sql.Literal(int(timeout_ms))
            )
        )
        columns = [Column(*row) for row in conn.execute(_COLUMNS, [schema, table]).fetchall()]
        if not columns:
            raise LookupError(f"{schema}.{table} was not found (or the role may not see it).")
        typed = [(c, contract_type(c.pg_type)) for c in columns]
        texts = [c.name for c, kind in typed if kind == "text"]
        samples: dict[str, list[str]] = {name: [] for name in texts}
        if texts:
            query = sql.SQL("SELECT {} FROM {} LIMIT {}").format(
                sql.SQL(", ").join(sql.Identifier(n) for n in texts),
                sql.Identifier(schema, table),
                sql.Literal(SAMPLE_ROWS),
            )
            for row in conn.execute(query).fetchall():
                for name, value in zip(texts, row, strict=True):
                    samples[name].append(value)
    return build_draft(schema=schema, table=table, typed=typed, samples=samples)


def build_draft(
    *,
    schema: str,
    table: str,
    typed: list[tuple[Column, str | None]],
    samples: dict[str, list[str]],
) -> Draft:
    """The draft from introspected columns and sampled text values (pure)."""
    notes: list[str] = []
    formats: dict[str, str] = {}
    fields: list[FieldSpec] = []
    for column, kind in typed:
        if kind is None:
            notes.append(f"{column.name} ({column.pg_type}) has no contract type; left out.")
            continue
        fmt = observed_format(samples.get(column.name, [])) if kind == "text" else None
        if fmt:
            formats[column.name] = fmt
        lowered = column.name.lower()
        fields.append(
            FieldSpec(
                column.name,
                kind,
                required=column.not_null,
                unique=column.unique or (column.primary and _single_key(typed)),
                pii=fmt == "email" or any(h in lowered for h in _PII_HINTS),
                email=fmt == "email",
                pattern=_FORMAT_PATTERNS.get(fmt or ""),
            )
        )
    names = {f.name: f for f in fields}
    stamps = [f.name for f in fields if f.type == "timestamp"]
    timestamp = next((n for n in _TIMESTAMP_NAMES if n in stamps), stamps[-1] if stamps else None)
    spec = ContractSpec(
        schema=schema,
        table=table,
        primary_key=tuple(c.name for c, _ in typed if c.primary and c.name in names),
        timestamp_column=timestamp,
        fields=tuple(fields),
    )
    return Draft(spec=spec, notes=notes, formats=formats)


def _single_key(typed: list[tuple[Column, str | None]]) -> bool:
    return sum(1 for c, _ in typed if c.primary) == 1
