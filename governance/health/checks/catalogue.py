"""What the warehouse catalogue says: one query for the dataset and its reference tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from governance.health.contracts.spec import ContractSpec


@dataclass(frozen=True)
class TableInfo:
    """What the catalogue says about one relation (columns map name → type family)."""

    schema: str
    table: str
    columns: dict[str, str]
    relkind: str = "r"
    reltuples: float = -1
    unique_keys: frozenset[frozenset[str]] = frozenset()
    indexed_leading: frozenset[str] = frozenset()

    @property
    def is_view(self) -> bool:
        return self.relkind == "v"


def type_family(pg_type: str) -> str:
    """'character varying(200)' → 'character varying'; 'timestamp(3) with time zone' → ..."""
    return " ".join(re.sub(r"\([^)]*\)", "", pg_type).split())


_INTROSPECT = sql.SQL(
    """SELECT n.nspname, c.relname, c.relkind::text, c.reltuples::float8,
  (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
  (SELECT json_agg(json_build_object('unique', i.indisunique, 'columns',
       (SELECT json_agg(att.attname ORDER BY k.ord)
          FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute att ON att.attrelid = c.oid AND att.attnum = k.attnum
         WHERE k.ord <= i.indnkeyatts)))
     FROM pg_index i
    WHERE i.indrelid = c.oid AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indisvalid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE (n.nspname, c.relname) IN (SELECT u.s, u.t FROM unnest({schemas}::text[], {tables}::text[]) AS u(s, t))
  AND c.relkind IN ('r', 'v', 'm', 'p', 'f')"""
)


def introspect(
    conn: psycopg.Connection, relations: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], TableInfo]:
    """One catalogue query for all relations; missing relations are absent from the answer."""
    query = _INTROSPECT.format(
        schemas=sql.Literal([s for s, _ in relations]),
        tables=sql.Literal([t for _, t in relations]),
    )
    found: dict[tuple[str, str], TableInfo] = {}
    for schema, table, relkind, reltuples, columns, indexes in conn.execute(query).fetchall():
        unique_keys = set()
        leading = set()
        for index in indexes or ():
            cols = index["columns"] or []
            if not cols:
                continue
            leading.add(cols[0])
            if index["unique"]:
                unique_keys.add(frozenset(cols))
        found[(schema, table)] = TableInfo(
            schema=schema,
            table=table,
            columns={name: type_family(pg_type) for name, pg_type in columns or ()},
            relkind=relkind,
            reltuples=reltuples,
            unique_keys=frozenset(unique_keys),
            indexed_leading=frozenset(leading),
        )
    return found


def relations_of(spec: ContractSpec) -> list[tuple[str, str]]:
    """The dataset plus every table its references point at."""
    relations = [(spec.schema, spec.table)]
    for ref in spec.references:
        target = (ref.target_schema, ref.target_table)
        if target[0] and target[1] and target not in relations:  # a table reference
            relations.append((target[0], target[1]))
    return relations
