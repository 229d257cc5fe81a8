"""The dialect layer: a compiled plan, written for PostgreSQL, rendered for another engine.

The compiler builds PostgreSQL (``psycopg.sql``); sqlglot parses that text and writes it in
the target dialect — ``count(*) FILTER (WHERE …)`` becomes ``COUNT_IF`` on Snowflake, ``~``
becomes ``REGEXP_LIKE``/``REGEXP_CONTAINS``/``REGEXP_MATCHES``, ``btrim(x, chars)`` becomes
``TRIM``, quoting follows the target. PostgreSQL runs the compiled text as it is. DuckDB runs the
rendered text for real in the tests; Snowflake, BigQuery and Redshift are covered by golden
compiled-SQL tests (tests/governance/golden/). Only the scan and the grouped pass are rendered:
catalogue introspection and the incremental fast paths (``pg_class.reltuples``) are
PostgreSQL's own, and a warehouse supplies its ``TableInfo`` from its information schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlglot
from psycopg import sql
from sqlglot import exp

from .plan import Plan

DIALECTS = ("postgres", "duckdb", "snowflake", "bigquery", "redshift")
# Engines whose aggregates take no FILTER clause and for which sqlglot keeps it: rewritten as
# an aggregate over CASE (NULL outside the filter, which every aggregate ignores).
NO_AGGREGATE_FILTER = frozenset({"redshift"})


class DialectError(ValueError):
    """A plan that cannot be written in the target dialect (the message names the statement)."""


def render(query: sql.Composable, dialect: str) -> str:
    """One compiled statement as text in ``dialect`` (PostgreSQL: unchanged)."""
    if dialect not in DIALECTS:
        raise DialectError(f"unknown dialect {dialect!r}; one of {', '.join(DIALECTS)}")
    text = query.as_string(None)
    if dialect == "postgres":
        return text
    try:
        tree = sqlglot.parse_one(text, read="postgres")
        if dialect in NO_AGGREGATE_FILTER:
            tree = tree.transform(_filter_as_case)
        return tree.sql(dialect=dialect)
    except sqlglot.errors.SqlglotError as exc:
        raise DialectError(f"cannot write the statement for {dialect}: {exc}") from None


def _filter_as_case(node: exp.Expr) -> exp.Expr:
    """``agg(x) FILTER (WHERE c)`` → ``agg(CASE WHEN c THEN x END)``; ``count(*)`` counts 1."""
    if not isinstance(node, exp.Filter) or not isinstance(node.this, exp.AggFunc):
        return node
    agg = node.this.copy()
    condition = node.expression.this if isinstance(node.expression, exp.Where) else node.expression
    value = agg.this
    if value is None or isinstance(value, exp.Star):
        value = exp.Literal.number(1)
    agg.set("this", exp.Case(ifs=[exp.If(this=condition.copy(), true=value.copy())]))
    return agg


@dataclass(frozen=True)
class RenderedStatement:
    label: str
    text: str


def render_plan(plan: Plan, dialect: str) -> list[RenderedStatement]:
    """The plan's data statements (scan, grouped) in ``dialect``."""
    if plan.mode != "full" and dialect != "postgres":
        raise DialectError("incremental runs use PostgreSQL's catalogue: full runs only here")
    return [RenderedStatement(s.label, render(s.query, dialect)) for s in plan.statements]


def run_rendered(cursor: Any, plan: Plan, dialect: str) -> dict[str, Any]:
    """Run the rendered statements on a DB-API cursor of the target engine; the values by
    alias, ready for ``running.judge_values``."""
    values: dict[str, Any] = {}
    for statement in render_plan(plan, dialect):
        cursor.execute(statement.text)
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
        values.update(zip(names, row, strict=True))
    return values
