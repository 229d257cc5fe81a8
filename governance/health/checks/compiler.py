"""``compile_checks``: a contract and an introspected table → a plan of ≤ 2 data statements."""

from __future__ import annotations

from datetime import datetime

from psycopg import sql

from governance.health.contracts.spec import ContractSpec

from . import compilers as _compilers  # noqa: F401  (registers the check kinds)
from .catalogue import TableInfo, type_family
from .duplicates import duplicates_statement
from .expressions import Columns, col
from .plan import Plan, Statement
from .registry import COMPILERS, Build


def compile_checks(
    spec: ContractSpec,
    table: TableInfo | dict[str, str],
    *,
    mode: str = "full",
    watermark: datetime | None = None,
    targets: dict[tuple[str, str], TableInfo] | None = None,
    sample_limit: int = 0,
) -> Plan:
    """Compile a contract against the introspected table: the scan and the grouped pass.

    Every registered check-kind compiler (``registry.COMPILERS``) adds its checks in turn.
    ``table`` may be a plain ``{column: pg_type}`` dict (no index knowledge: incremental runs
    then fall back to full, and no duplicate check is answered by a unique index).
    Incremental mode needs a watermark and an index whose leading column is the contract's
    timestamp column; otherwise the plan is a full run and says why in ``notes``. With
    ``sample_limit`` the grouped pass also names the duplicate groups to sample.
    """
    if mode not in ("full", "incremental"):
        raise ValueError("mode must be 'full' or 'incremental'")
    if isinstance(table, dict):
        table = TableInfo(spec.schema, spec.table, {k: type_family(v) for k, v in table.items()})
    comp = Columns(spec, table, targets or {})
    ts = (
        spec.timestamp_column if spec.timestamp_column and comp.has(spec.timestamp_column) else None
    )
    mode, watermark, notes = _effective_mode(mode, watermark, ts, table)
    relation = sql.Identifier(spec.schema, spec.table)
    b = Build(
        spec=spec,
        table=table,
        comp=comp,
        mode=mode,
        relation=relation,
        ts=ts,
        sample_limit=sample_limit,
        watermark=watermark,
    )
    for _name, compile_kind in COMPILERS:
        compile_kind(b)

    incremental = mode == "incremental"
    scope = (
        sql.SQL("{} > {}").format(col(ts), sql.Literal(watermark))
        if incremental and ts is not None  # incremental runs need the timestamp column
        else sql.SQL("TRUE")
    )
    where = sql.SQL(" WHERE {}").format(scope) if incremental else sql.SQL("")
    statements = [
        Statement(
            "scan",
            sql.SQL("SELECT {items} FROM {rel} AS t{joins}{where}").format(
                items=sql.SQL(", ").join(b.scan.items),
                rel=relation,
                joins=sql.SQL("").join(b.joins),
                where=where,
            ),
        )
    ]
    if b.duplicate_passes:
        statements.append(
            duplicates_statement(comp, relation, b.duplicate_passes, sample_limit=sample_limit)
        )
    return Plan(
        spec,
        table,
        mode,
        watermark,
        b.checks,
        statements,
        scope,
        notes,
        b.rows_alias,
        b.newest_in_scope_alias,
    )


def _effective_mode(
    mode: str, watermark: datetime | None, ts: str | None, table: TableInfo
) -> tuple[str, datetime | None, list[str]]:
    """An incremental run needs a watermark and an index leading with the timestamp column."""
    notes: list[str] = []
    if mode == "incremental":
        if watermark is None:
            notes.append("incremental run without a watermark: ran in full")
            mode = "full"
        elif ts is None:
            notes.append("incremental run needs the contract's timestamp column: ran in full")
            mode = "full"
        elif ts not in table.indexed_leading:
            notes.append(f"no index leads with {ts!r}: incremental run ran in full")
            mode = "full"
    if mode == "full":
        watermark = None
    return mode, watermark, notes
