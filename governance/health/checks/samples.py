"""Failing-row samples: ONE statement for every failing check of a run, PII masked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import sql

from .expressions import col
from .kinds import DEFAULT_TIMEOUT_MS
from .plan import CheckDef, Plan, Statement
from .session import Session


def mask_value(value: Any) -> Any:
    """'jane.doe@example.com' → 'j***@e***.com'; other PII text → first character + '***'."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return text
    if "@" in text:
        local, _, domain = text.rpartition("@")
        head, dot, tld = domain.rpartition(".")
        masked_domain = f"{(head or domain)[:1]}***{dot}{tld}" if dot else f"{domain[:1]}***"
        return f"{local[:1]}***@{masked_domain}"
    return f"{text[:1]}***"


def _sample_predicate(check: CheckDef, values: dict[str, Any]) -> sql.Composable | None:
    """Which rows a check's sample shows; for duplicates, a keyed lookup of the sampled groups."""
    if check.statement in ("skipped", "static", "custom"):
        return None
    if check.statement == "grouped":
        firsts = values.get(check.sample_firsts_alias) if check.sample_firsts_alias else None
        if not firsts or check.sample_lookup is None:
            return None  # the pass ran without sampling (no one-column primary key)
        return check.sample_lookup(firsts)
    return check.row_predicate


def samples_statement(
    plan: Plan, checks: Sequence[CheckDef], values: dict[str, Any], *, limit: int
) -> tuple[Statement, list[str], dict[int, CheckDef]] | None:
    """ONE statement for the samples of every given check: a UNION ALL of capped branches.

    Each branch reads rows in primary-key order and stops at ``limit``; a failing check's
    offending rows are at least its fail threshold dense, so a branch reads about
    limit / rate rows, not the table. Duplicate branches look up the groups the grouped pass
    named. Returns (statement, column names, branch number → check), or None if nothing to
    sample.
    """
    spec = plan.spec
    pk = [c for c in spec.primary_key if c in plan.table.columns]
    branches: list[sql.Composable] = []
    by_branch: dict[int, CheckDef] = {}
    wanted = [(c, _sample_predicate(c, values)) for c in checks]
    wanted = [(c, p) for c, p in wanted if p is not None]
    columns = list(
        dict.fromkeys(
            pk + [col for c, _ in wanted for col in c.sample_columns if col in plan.table.columns]
        )
    )
    if not columns:
        return None
    select = sql.SQL(", ").join(col(c) for c in columns)
    relation = sql.Identifier(spec.schema, spec.table)
    for number, (check, predicate) in enumerate(wanted):
        order = pk or [c for c in check.sample_columns if c in plan.table.columns]
        if not order:
            continue
        by_branch[number] = check
        branches.append(
            sql.SQL(
                "(SELECT {n} AS sample_of, {cols} FROM {rel} AS t WHERE ({scope}) AND ({p}) "
                "ORDER BY {order} LIMIT {lim})"
            ).format(
                n=sql.Literal(number),
                cols=select,
                rel=relation,
                scope=plan.scope,
                p=predicate,
                order=sql.SQL(", ").join(col(c) for c in order),
                lim=sql.Literal(int(limit)),
            )
        )
    if not branches:
        return None
    query = sql.SQL(" UNION ALL ").join(branches)
    return Statement("samples", query), columns, by_branch


def collect_samples(
    session: Session, plan: Plan, values: dict[str, Any], failing: Sequence[CheckDef], limit: int
) -> dict[str, list[dict[str, Any]]]:
    """Run the one samples statement; its rows grouped per check, PII masked. A failing sample
    statement leaves every check without a sample: a sample is a convenience, never a failure."""
    built = samples_statement(plan, failing, values, limit=limit)
    if built is None:
        return {}
    statement, columns, by_branch = built
    try:
        _, rows = session.query(statement.label, statement.query)
    except psycopg.Error:
        session.conn.execute("ROLLBACK")
        session.control += 1
        return {}
    pii = plan.spec.pii_columns
    samples: dict[str, list[dict[str, Any]]] = {c.key: [] for c in by_branch.values()}
    pk = [c for c in plan.spec.primary_key if c in plan.table.columns]
    for number, *row in rows:
        check = by_branch[number]
        keep = set(pk) | set(check.sample_columns)
        samples[check.key].append(
            {
                name: (mask_value(v) if name in pii else v)
                for name, v in zip(columns, row, strict=True)
                if name in keep
            }
        )
    return samples


def fetch_failing_sample(
    conn: psycopg.Connection,
    plan: Plan,
    check_key: str,
    *,
    limit: int = 20,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
) -> list[dict[str, Any]]:
    """Up to ``limit`` offending rows: primary key + the check's columns, PII masked.

    Only row-level checks have samples; dataset-level ones (freshness, volume, schema,
    custom) return []. Errors return [] too: a sample is a convenience, never a failure.
    """
    check = plan.check(check_key)
    if check.row_predicate is None or check.statement in ("skipped", "static", "custom"):
        return []
    spec = plan.spec
    pk = [c for c in spec.primary_key if c in plan.table.columns]
    columns = list(dict.fromkeys(pk + [c for c in check.sample_columns if c in plan.table.columns]))
    if not columns:
        return []
    where = sql.SQL("({}) AND ({})").format(plan.scope, check.row_predicate)
    order = sql.SQL(", ").join(col(c) for c in (pk or columns))
    query = sql.SQL(
        "SELECT {cols} FROM {rel} AS t WHERE {where} ORDER BY {order} LIMIT {n}"
    ).format(
        cols=sql.SQL(", ").join(col(c) for c in columns),
        rel=sql.Identifier(spec.schema, spec.table),
        where=where,
        order=order,
        n=sql.Literal(int(limit)),
    )
    session = Session(conn, timeout_ms)
    try:
        with session.transaction():
            _, rows = session.query(f"sample:{check_key}", query)
    except psycopg.Error:
        return []
    pii = spec.pii_columns
    return [
        {name: (mask_value(v) if name in pii else v) for name, v in zip(columns, row, strict=True)}
        for row in rows
    ]
