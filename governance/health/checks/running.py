"""Running a plan: statements in one read-only snapshot, then every check judged."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from governance.health.contracts.spec import (
    DIMENSIONS,
    ContractSpec,
)

from .catalogue import TableInfo, introspect, relations_of
from .compiler import compile_checks
from .dberrors import DbError, describe_error
from .kinds import DEFAULT_TIMEOUT_MS, MAX_WORK_MEM_MB, MIN_WORK_MEM_MB
from .plan import CheckDef, Plan, Statement
from .samples import collect_samples
from .session import Session


@dataclass
class CheckResult:
    key: str
    kind: str
    dimension: str
    columns: tuple[str, ...]
    semantics: str
    unit: str
    warn: float | None
    fail: float | None
    status: str  # pass | warn | fail | error | skipped
    value: float | None = None
    count: float | None = None
    denominator: float | None = None
    goodness: float | None = None  # 0..1, feeds the dimension score
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    sample: list[dict[str, Any]] | None = None
    error_code: str = ""  # SQLSTATE of a database error
    error_detail: str = ""  # the database's own text, values redacted: for admins only


@dataclass
class RunResult:
    dataset: str
    mode: str
    watermark_in: datetime | None
    watermark_out: datetime | None
    duration_ms: float
    statements: int  # data statements of the run: introspection, scan, grouped, custom metrics
    control_statements: int  # BEGIN…SET LOCAL and COMMIT/ROLLBACK round trips
    checks: list[CheckResult]
    scores: dict[str, float | None]
    rows_in_scope: int | None = None
    sample_statements: int = 0  # 0 or 1: one statement samples every failing check
    notes: list[str] = field(default_factory=list)
    statement_log: list[str] = field(default_factory=list)

    def check(self, key: str) -> CheckResult:
        return next(c for c in self.checks if c.key == key)

    @property
    def status(self) -> str:
        order = ["pass", "skipped", "warn", "error", "fail"]
        return max((c.status for c in self.checks), key=order.index, default="pass")


def _error_fields(error: str | None) -> dict[str, Any]:
    if isinstance(error, DbError):
        return {"error": str(error), "error_code": error.code, "error_detail": error.raw}
    return {"error": error}


def run_plan(
    conn: psycopg.Connection, plan: Plan, *, timeout_ms: int = DEFAULT_TIMEOUT_MS
) -> RunResult:
    """Run a compiled plan (scan + grouped, then custom metrics) and judge every check.

    A failing statement (timeout, type error, permission) marks its own checks ``error`` and
    the run goes on in a fresh read-only transaction; no database exception escapes.
    """
    session = Session(conn, timeout_ms)
    started = time.perf_counter()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    _run_statements(session, plan.statements, values, errors)
    return _finish(session, plan, values, errors, started)


def run_dataset(
    conn: psycopg.Connection,
    spec: ContractSpec,
    *,
    mode: str = "full",
    watermark: datetime | None = None,
    timeout_ms: int = DEFAULT_TIMEOUT_MS,
    samples: bool = True,
    sample_limit: int = 20,
    max_work_mem_mb: int = MAX_WORK_MEM_MB,
) -> RunResult:
    """Introspect, compile and run one dataset in one read-only snapshot: introspection, the
    scan, the grouped pass and (when some check fails) ONE samples statement.

    ``work_mem`` is set for the run's transaction from the table's size (see
    ``run_work_mem_mb``), so a 1M-row duplicates pass hashes in memory instead of spilling.
    Failing checks (status ``fail``) get a capped, PII-masked sample of offending rows.
    """
    session = Session(conn, timeout_ms)
    started = time.perf_counter()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    limit = int(sample_limit) if samples else 0
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        with session.transaction():
            session.statements += 1
            session.log.append("introspect")
            catalogue = introspect(conn, relations_of(spec))
            table = catalogue.get((spec.schema, spec.table))
            if table is None:
                raise LookupError(f"dataset {spec.dataset} not found")
            plan = compile_checks(
                spec, table, mode=mode, watermark=watermark, targets=catalogue, sample_limit=limit
            )
            session.set_work_mem(run_work_mem_mb(table, mode, max_work_mem_mb))
            _run_statements(session, plan.statements, values, errors, in_transaction=True)
            if limit:
                failing = [
                    c
                    for c in plan.checks
                    if c.statement != "custom" and _judge(plan, c, values, errors).status == "fail"
                ]
                if failing:
                    if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                        with session.transaction():  # a data statement failed above
                            found = collect_samples(session, plan, values, failing, limit)
                    else:
                        found = collect_samples(session, plan, values, failing, limit)
    except psycopg.Error as exc:
        return _failed_run(spec, mode, watermark, session, started, describe_error(exc, timeout_ms))
    except LookupError as exc:
        return _failed_run(spec, mode, watermark, session, started, str(exc))
    result = _finish(session, plan, values, errors, started)
    if "samples" in session.log:
        result.statements -= 1
        result.sample_statements = 1
    for check in result.checks:
        if check.key in found:
            check.sample = found[check.key]
    return result


def run_work_mem_mb(table: TableInfo, mode: str, cap_mb: int = MAX_WORK_MEM_MB) -> int:
    """``work_mem`` for one run: ~200 bytes a row of the table (a hashed key, its count and
    first primary key, with hash overhead), at least 64 MB, at most ``cap_mb``. Incremental
    runs have no grouped pass and keep the floor."""
    if mode != "full" or table.reltuples <= 0:
        return MIN_WORK_MEM_MB
    wanted = int(table.reltuples * 200 / 2**20) + 1
    return max(MIN_WORK_MEM_MB, min(int(cap_mb), wanted))


def _failed_run(
    spec: ContractSpec,
    mode: str,
    watermark: datetime | None,
    session: Session,
    started: float,
    message: str,
) -> RunResult:
    return RunResult(
        dataset=spec.dataset,
        mode=mode,
        watermark_in=watermark,
        watermark_out=watermark,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        statements=session.statements,
        control_statements=session.control,
        checks=[],
        scores=dict.fromkeys(DIMENSIONS),
        notes=[message],
        statement_log=session.log,
    )


def _run_statements(
    session: Session,
    statements: Sequence[Statement],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    in_transaction: bool = False,
) -> None:
    """Run statements in order; after a failure, the rest continue in a fresh transaction."""
    pending = list(statements)
    if in_transaction:
        while pending:
            statement = pending[0]
            try:
                names, rows = session.query(statement.label, statement.query)
            except psycopg.Error as exc:
                errors[statement.label] = describe_error(exc, session.timeout_ms)
                pending.pop(0)
                session.conn.execute("ROLLBACK")
                session.control += 1
                break
            values.update(zip(names, rows[0], strict=True))
            pending.pop(0)
        else:
            return
    for statement in pending:
        try:
            with session.transaction():
                names, rows = session.query(statement.label, statement.query)
        except psycopg.Error as exc:
            errors[statement.label] = describe_error(exc, session.timeout_ms)
            continue
        values.update(zip(names, rows[0], strict=True))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _finish(
    session: Session, plan: Plan, values: dict[str, Any], errors: dict[str, str], started: float
) -> RunResult:
    results = []
    for check in plan.checks:
        if check.statement == "custom":
            results.append(_run_custom(session, check))
        else:
            results.append(_judge(plan, check, values, errors))
    newest = values.get(plan.newest_in_scope_alias) if plan.newest_in_scope_alias else None
    rows = values.get(plan.rows_alias)
    return RunResult(
        dataset=plan.spec.dataset,
        mode=plan.mode,
        watermark_in=plan.watermark,
        watermark_out=newest if newest is not None else plan.watermark,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        statements=session.statements,
        control_statements=session.control,
        checks=results,
        scores=dimension_scores(results),
        rows_in_scope=int(rows) if rows is not None else None,
        notes=list(plan.notes) + [f"{label}: {msg!s}" for label, msg in errors.items()],
        statement_log=session.log,
    )


def _base_result(check: CheckDef, status: str, **kw: Any) -> CheckResult:
    return CheckResult(
        key=check.key,
        kind=check.kind,
        dimension=check.dimension,
        columns=check.columns,
        semantics=check.semantics,
        unit=check.unit,
        warn=check.threshold.warn,
        fail=check.threshold.fail,
        status=status,
        detail=dict(check.detail),
        **kw,
    )


def judge_values(plan: Plan, values: dict[str, Any]) -> list[CheckResult]:
    """Every check but custom metrics judged from statement values computed elsewhere (e.g. by
    the same plan rendered for another engine, see ``dialects``)."""
    return [_judge(plan, c, values, {}) for c in plan.checks if c.statement != "custom"]


def _judge(
    plan: Plan, check: CheckDef, values: dict[str, Any], errors: dict[str, str]
) -> CheckResult:
    if check.statement == "skipped":
        return _base_result(check, "skipped", error=check.skip_reason)
    if check.statement == "static":
        static = float(check.static_count or 0)
        return _base_result(
            check,
            check.threshold.status(static),
            value=static,
            count=static,
            goodness=1.0 if check.kind.startswith("duplicates") else None,  # a unique index holds
        )
    if check.statement in errors:
        return _base_result(check, "error", **_error_fields(errors[check.statement]))
    detail = dict(check.detail)
    count = _num(values.get(check.count_alias)) if check.count_alias else None
    denominator = _num(values.get(check.denominator_alias)) if check.denominator_alias else None
    if denominator is not None and check.denominator_minus_alias:
        denominator -= _num(values.get(check.denominator_minus_alias)) or 0
    goodness: float | None = None
    if check.kind == "freshness":
        age = _num(values.get(check.value_alias or ""))
        if age is None:
            return _base_result(
                check, "fail", value=None, detail=detail, error="no timestamp in the table"
            )
        slo = check.detail["slo_hours"]
        goodness = 1.0 if age <= slo else max(0.0, 1 - (age - slo) / slo)
        return _base_result(
            check, check.threshold.status(age), value=round(age, 3), goodness=goodness
        )
    if check.kind == "volume":
        low, high = plan.spec.expected_volume or (None, None)
        rows = count or 0
        deviation = 0.0
        if low is not None and rows < low:
            deviation = 100.0 * (low - rows) / max(low, 1)
        elif high is not None and rows > high:
            deviation = 100.0 * (rows - high) / max(high, 1)
        if plan.spec.expected_volume is None:
            return _base_result(check, "pass", value=0.0, count=rows)
        return _base_result(
            check, check.threshold.status(deviation), value=round(deviation, 3), count=rows
        )
    if "groups_alias" in detail:
        detail["duplicate_groups"] = int(values.get(detail.pop("groups_alias")) or 0)
    scale = 1000.0 if check.kind.startswith("duplicates") else 100.0
    if count is None:
        return _base_result(check, "error", error="no value returned")
    if not denominator:
        result = _base_result(check, "pass", value=0.0, count=count, denominator=denominator or 0)
        result.detail = detail
        return result
    value = scale * count / denominator
    goodness = max(0.0, 1 - count / denominator)
    result = _base_result(
        check,
        check.threshold.status(value),
        value=round(value, 4),
        count=count,
        denominator=denominator,
        goodness=goodness,
    )
    result.detail = detail
    return result


def _run_custom(session: Session, check: CheckDef) -> CheckResult:
    """One guarded custom metric, wrapped as a subquery in its own read-only transaction."""
    query = sql.SQL("SELECT * FROM ({}) AS custom_metric LIMIT 2").format(
        sql.SQL(check.custom_sql or "")
    )
    try:
        with session.transaction():
            names, rows = session.query(check.key, query)
    except psycopg.Error as exc:
        return _base_result(
            check, "error", **_error_fields(describe_error(exc, session.timeout_ms))
        )
    if len(rows) != 1 or len(names) != 1:
        return _base_result(
            check, "error", error="a custom metric must return exactly one row with one column"
        )
    try:
        value = _num(rows[0][0])
    except (TypeError, ValueError):
        return _base_result(check, "error", error="a custom metric must return a number")
    if value is None:
        return _base_result(check, "error", error="the custom metric returned NULL")
    return _base_result(check, check.threshold.status(value), value=value)


def dimension_scores(results: Sequence[CheckResult]) -> dict[str, float | None]:
    """Score 0–100 per dimension = 100 × mean goodness of that dimension's judged checks.

    Goodness of a row-level check is 1 − offending/denominator (so a 3% missing rate gives 97);
    freshness is 1 within the SLO, falling linearly to 0 at twice the SLO. Each check weighs
    the same; skipped, errored, custom, volume and schema checks do not score. A dimension
    without a scored check is None (unknown), not 100.
    """
    scores: dict[str, float | None] = {}
    for dimension in DIMENSIONS:
        goods = [r.goodness for r in results if r.dimension == dimension and r.goodness is not None]
        scores[dimension] = round(100 * sum(goods) / len(goods), 1) if goods else None
    return scores
