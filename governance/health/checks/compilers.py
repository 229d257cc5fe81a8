"""One compiler per check kind, registered in the order their checks are listed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from psycopg import sql

from governance.health.contracts.spec import (
    FIELD_TYPES,
    CustomMetric,
    FieldSpec,
    Reference,
    Threshold,
    guard_custom_sql,
)

from .expressions import ContractValueError, MissingColumn, col, trim
from .kinds import DEFAULT_THRESHOLDS, EMAIL_PATTERN, SEMANTICS, TEXT_FAMILY, TRIM_CHARS, UNITS
from .plan import CheckDef, new_check
from .registry import FIELD_CHECKS, Build, check_kind, field_check, skip


@check_kind("schema")
def schema_drift(b: Build) -> None:
    """Added, removed and retyped columns: decided from the introspection answer alone."""
    spec, table = b.spec, b.table
    contract_names = [f.name for f in spec.fields]
    if not contract_names:
        return
    added = [c for c in table.columns if c not in contract_names]
    removed = [f.name for f in spec.fields if not b.comp.has(f.name)]
    retyped = [
        f"{f.name}: contract {f.type}, table {table.columns[f.name]}"
        for f in spec.fields
        if b.comp.has(f.name) and table.columns[f.name] not in FIELD_TYPES[f.type]
    ]
    for kind, names in (
        ("schema_added", added),
        ("schema_removed", removed),
        ("schema_retyped", retyped),
    ):
        b.add(
            new_check(
                spec,
                kind,
                kind.replace("_", ":"),
                (),
                statement="static",
                static_count=len(names),
                detail={"columns": names},
            )
        )


@check_kind("fields")
def field_checks(b: Build) -> None:
    """Completeness, then every registered validity kind, field by field."""
    for f in b.spec.fields:
        exists = b.comp.has(f.name)
        gone = f"column {f.name!r} is missing from the table"
        if f.required:
            check = b.add(new_check(b.spec, "missing", f"missing:{f.name}", (f.name,)))
            if not exists:
                skip(check, gone)
            else:
                check.count_alias = b.missing_alias(f.name)
                check.denominator_alias = b.rows_alias
                check.row_predicate = b.comp.missing(f.name)
                check.sample_columns = (f.name,)
        for kind, compile_kind in FIELD_CHECKS:
            found = compile_kind(b, f)
            if found is None:
                continue
            detail, build = found
            check = b.add(new_check(b.spec, kind, f"{kind}:{f.name}", (f.name,), detail=detail))
            if not exists:
                skip(check, gone)
                continue
            try:
                # The value test first: AND stops before the trim for every valid row.
                invalid = sql.SQL("{} AND {}").format(build(), b.comp.present(f.name))
            except ContractValueError as exc:
                skip(check, str(exc))
                continue
            check.count_alias = b.count(invalid)
            b.use_present_denominator(check, f.name)
            check.row_predicate = invalid
            check.sample_columns = (f.name,)


@field_check("allowed")
def allowed_values(
    b: Build, f: FieldSpec
) -> tuple[dict[str, Any], Callable[[], sql.Composable]] | None:
    if not f.allowed_values:
        return None
    return {"allowed_values": [str(v) for v in f.allowed_values]}, lambda: sql.SQL(
        "{} NOT IN ({})"
    ).format(col(f.name), b.comp.literal_list(f.name, f.allowed_values))


@field_check("pattern")
def pattern(b: Build, f: FieldSpec) -> tuple[dict[str, Any], Callable[[], sql.Composable]] | None:
    if not f.pattern:
        return None
    return {"pattern": f.pattern}, lambda: sql.SQL("{} !~ {}").format(
        b.comp.text_of(f.name), sql.Literal(f.pattern)
    )


@field_check("email")
def email_shape(
    b: Build, f: FieldSpec
) -> tuple[dict[str, Any], Callable[[], sql.Composable]] | None:
    if not f.email or f.pattern:
        return None
    return {"pattern": EMAIL_PATTERN}, lambda: sql.SQL("{} !~ {}").format(
        trim(b.comp.text_of(f.name)), sql.Literal(EMAIL_PATTERN)
    )


@field_check("range")
def value_range(
    b: Build, f: FieldSpec
) -> tuple[dict[str, Any], Callable[[], sql.Composable]] | None:
    if f.minimum is None and f.maximum is None:
        return None

    def out_of_range() -> sql.Composable:
        if b.comp.is_text(f.name):
            raise ContractValueError("a range needs a number, date or timestamp column")
        parts = []
        if f.minimum is not None:
            parts.append(sql.SQL("{} < {}").format(col(f.name), b.comp.literal(f.name, f.minimum)))
        if f.maximum is not None:
            parts.append(sql.SQL("{} > {}").format(col(f.name), b.comp.literal(f.name, f.maximum)))
        return sql.SQL("({})").format(sql.SQL(" OR ").join(parts))

    return {"minimum": f.minimum, "maximum": f.maximum}, out_of_range


@check_kind("duplicates")
def duplicates(b: Build) -> None:
    """Exact and normalised-e-mail duplicates: keys handed to the grouped pass."""
    spec = b.spec
    keys: list[tuple[str, tuple[str, ...], bool]] = []  # (kind, columns, normalised)
    if spec.primary_key:
        keys.append(("duplicates", spec.primary_key, False))
    for f in spec.fields:
        if f.unique and (f.name,) not in [k[1] for k in keys]:
            keys.append(("duplicates", (f.name,), False))
        if f.email and f.unique:
            keys.append(("duplicates_normalised", (f.name,), True))
    for key_cols in spec.unique_keys:
        if key_cols not in [k[1] for k in keys if not k[2]]:
            keys.append(("duplicates", tuple(key_cols), False))
    for kind, cols, normalised in keys:
        check = b.add(new_check(spec, kind, f"{kind}:{','.join(cols)}", cols, statement="grouped"))
        missing_cols = [c for c in cols if not b.comp.has(c)]
        if missing_cols:
            skip(check, f"column {missing_cols[0]!r} is missing from the table")
            continue
        if b.mode == "incremental":
            skip(check, "duplicates need the whole table: counted in full runs only")
            continue
        if not normalised and frozenset(cols) in b.table.unique_keys:
            check.statement = "static"
            check.static_count = 0
            check.detail["answered_by"] = "unique index"
            check.semantics += " Answered without a scan: a unique index on exactly these columns forbids duplicates."
            continue
        b.duplicate_passes.setdefault(cols, {})["normalised" if normalised else "raw"] = check
        check.denominator_alias = b.rows_alias
        key = b.comp.email_normalised if normalised else b.comp.raw_key
        x_group = sql.SQL(", ").join(key(c, "x") for c in cols)
        # For fetch_failing_sample on its own; a run samples from the grouped pass.
        check.row_predicate = sql.SQL(
            "({}) IN (SELECT {} FROM {} AS x GROUP BY {} HAVING count(*) > 1)"
        ).format(sql.SQL(", ").join(key(c) for c in cols), x_group, b.relation, x_group)
        check.sample_columns = cols


@check_kind("rule")
def rules(b: Build) -> None:
    """Cross-field rules: IF ``when`` THEN ``then``."""
    for rule in b.spec.rules:
        cols = list(dict.fromkeys(b.comp.columns_of(rule.when) + b.comp.columns_of(rule.then)))
        check = b.add(
            new_check(
                b.spec, "rule", f"rule:{rule.name}", cols, detail={"description": rule.description}
            )
        )
        try:
            then = b.comp.predicate(rule.then)
            when = b.comp.predicate(rule.when) if rule.when is not None else None
        except MissingColumn as exc:
            skip(check, f"column {exc.args[0]!r} is missing from the table")
            continue
        except ContractValueError as exc:
            skip(check, str(exc))
            continue
        violation = sql.SQL("({}) IS NOT TRUE").format(then)
        if when is not None:
            violation = sql.SQL("({}) IS TRUE AND {}").format(when, violation)
            check.denominator_alias = b.count(sql.SQL("({}) IS TRUE").format(when))
        else:
            check.denominator_alias = b.rows_alias
        check.count_alias = b.count(violation)
        check.row_predicate = violation
        check.sample_columns = tuple(cols)


@check_kind("reference")
def references(b: Build) -> None:
    """References (reference tables LEFT JOINed 1:1 into the scan) and attribution coverage."""
    spec = b.spec
    covered_parts: list[sql.Composable] = []
    standalone_parts: list[sql.Composable] = []
    coverage_ok = True
    for i, ref in enumerate(spec.references):
        check = b.add(
            new_check(
                spec,
                "reference",
                f"reference:{ref.name}",
                (ref.column,),
                detail={"description": ref.description},
            )
        )
        parts = _reference_sql(b, ref, i, check)
        if parts is None:
            coverage_ok = coverage_ok and not ref.coverage
            continue
        found, sample_found, found_implies_present = parts
        present = b.comp.present(ref.column)
        # The rare, cheap test first: AND stops before the trim for almost every row.
        check.count_alias = b.count(sql.SQL("NOT {} AND {}").format(found, present))
        b.use_present_denominator(check, ref.column)
        check.row_predicate = sql.SQL("NOT {} AND {}").format(sample_found, present)
        check.sample_columns = (ref.column,)
        if ref.coverage:
            covered_parts.append(
                found if found_implies_present else sql.SQL("({} AND {})").format(found, present)
            )
            standalone_parts.append(sql.SQL("({} AND {})").format(sample_found, present))
    coverage_refs = [r for r in spec.references if r.coverage]
    if not coverage_refs:
        return
    cols = tuple(r.column for r in coverage_refs)
    check = b.add(new_check(spec, "coverage", "coverage", cols))
    if not coverage_ok or not covered_parts:
        skip(check, "a coverage reference could not be compiled")
        return
    uncovered = sql.SQL("({}) IS NOT TRUE").format(sql.SQL(" AND ").join(covered_parts))
    check.count_alias = b.count(uncovered)
    check.denominator_alias = b.rows_alias
    check.sample_columns = cols
    check.row_predicate = sql.SQL("({}) IS NOT TRUE").format(
        sql.SQL(" AND ").join(standalone_parts)
    )
    value_col = spec.coverage_value_column
    if not value_col:
        return
    vcheck = b.add(new_check(spec, "coverage_value", "coverage_value", (*cols, value_col)))
    if not b.comp.has(value_col):
        skip(vcheck, f"column {value_col!r} is missing from the table")
        return
    v = col(value_col)
    vcheck.denominator_alias = b.scan.add(
        sql.SQL("coalesce(sum({v}) FILTER (WHERE {v} > 0), 0)").format(v=v)
    )
    vcheck.count_alias = b.scan.add(
        sql.SQL("coalesce(sum({v}) FILTER (WHERE {v} > 0 AND {u}), 0)").format(v=v, u=uncovered)
    )


def _reference_sql(
    b: Build, ref: Reference, index: int, check: CheckDef
) -> tuple[sql.Composable, sql.Composable, bool] | None:
    """(found in the scan, found on its own, found ⇒ present), or None if skipped."""
    comp = b.comp
    if not comp.has(ref.column):
        skip(check, f"column {ref.column!r} is missing from the table")
        return None
    column = col(ref.column)
    if not ref.is_table:
        try:
            values = comp.literal_list(ref.column, ref.allowed_values)
        except ContractValueError as exc:
            skip(check, str(exc))
            return None
        found = sql.SQL("({} IN ({}))").format(column, values)
        check.detail["target"] = "allowed values"
        no_blank_allowed = all(str(v).strip(TRIM_CHARS) for v in ref.allowed_values)
        return found, found, no_blank_allowed
    schema, table, tcolumn = ref.target_schema, ref.target_table, ref.target_column
    target = comp.targets.get((schema, table)) if schema and table else None
    if target is None or schema is None or table is None:
        skip(check, f"target table {schema}.{table} not found")
        return None
    if tcolumn is None or tcolumn not in target.columns:
        skip(check, f"target column {tcolumn!r} not found")
        return None
    rel = sql.Identifier(schema, table)
    tcol = sql.Identifier(tcolumn)
    alias = sql.Identifier(f"r{index}")
    # Blank target values never match, so "found" implies "present" and coverage needs no trim.
    keep = (
        sql.SQL("{} <> ''").format(trim(sql.Identifier("x", tcolumn)))
        if target.columns[tcolumn] in TEXT_FAMILY
        else sql.SQL("TRUE")
    )
    # DISTINCT keeps the join 1:1 (exact counts) unless a unique index already does.
    distinct = sql.SQL("" if frozenset({tcolumn}) in target.unique_keys else "DISTINCT ")
    b.joins.append(
        sql.SQL(
            " LEFT JOIN (SELECT {d}x.{tc} FROM {rel} AS x WHERE {keep}) AS {a} ON {a}.{tc} = {c}"
        ).format(d=distinct, tc=tcol, rel=rel, keep=keep, a=alias, c=column)
    )
    check.detail["target"] = f"{ref.target_schema}.{ref.target_table}.{ref.target_column}"
    found = sql.SQL("({}.{} IS NOT NULL)").format(alias, tcol)
    standalone = sql.SQL("EXISTS (SELECT 1 FROM {rel} AS x WHERE x.{tc} = {c})").format(
        rel=rel, tc=tcol, c=column
    )
    return found, standalone, True


@check_kind("freshness")
def freshness(b: Build) -> None:
    """Age of the newest timestamp; an index-backed max() over the table in incremental runs."""
    spec, ts = b.spec, b.ts
    b.newest_in_scope_alias = b.scan.add(sql.SQL("max({})").format(col(ts))) if ts else None
    if spec.freshness_slo_hours is None:
        return
    slo = float(spec.freshness_slo_hours)
    check = b.add(
        new_check(
            spec,
            "freshness",
            "freshness",
            (spec.timestamp_column or "",),
            threshold=spec.thresholds.get("freshness") or Threshold(warn=0.75 * slo, fail=slo),
            detail={"slo_hours": slo},
        )
    )
    if ts is None:
        skip(check, "the contract's timestamp column is missing from the table")
        return
    newest = (
        sql.SQL("(SELECT max(x.{c}) FROM {rel} AS x)").format(c=sql.Identifier(ts), rel=b.relation)
        if b.mode == "incremental"
        else sql.SQL("max({})").format(col(ts))
    )
    check.value_alias = b.scan.add(
        sql.SQL("extract(epoch FROM now() - ({})::timestamptz) / 3600.0").format(newest)
    )
    check.detail["source"] = (
        "index-backed max() over the whole table"
        if b.mode == "incremental"
        else "max() in the scan"
    )


@check_kind("stale_rows")
def stale_rows(b: Build) -> None:
    spec, ts = b.spec, b.ts
    if spec.stale_after_days is None:
        return
    check = b.add(
        new_check(
            spec,
            "stale_rows",
            "stale_rows",
            (spec.timestamp_column or "",),
            detail={"stale_after_days": spec.stale_after_days},
        )
    )
    if ts is None:
        skip(check, "the contract's timestamp column is missing from the table")
    elif b.mode == "incremental":
        skip(check, "stale rows are counted in full runs only")
    else:
        stale = sql.SQL("({c} IS NULL OR {c} < now() - make_interval(days => {d}))").format(
            c=col(ts), d=sql.Literal(int(spec.stale_after_days))
        )
        check.count_alias = b.count(stale)
        check.denominator_alias = b.rows_alias
        check.row_predicate = stale
        check.sample_columns = (ts,)


@check_kind("volume")
def volume(b: Build) -> None:
    spec = b.spec
    check = b.add(
        new_check(spec, "volume", "volume", (), detail={"expected": spec.expected_volume})
    )
    if b.mode == "full":
        check.count_alias = b.rows_alias
        check.detail["source"] = "count(*)"
    elif b.table.is_view or b.table.reltuples < 0:
        skip(check, "no catalogue estimate (a view, or never ANALYZEd): counted in full runs")
    else:
        regclass = ".".join('"' + p.replace('"', '""') + '"' for p in (spec.schema, spec.table))
        check.count_alias = b.scan.add(
            sql.SQL(
                "(SELECT c.reltuples::bigint FROM pg_class c WHERE c.oid = {}::regclass)"
            ).format(sql.Literal(regclass))
        )
        check.detail["source"] = "pg_class.reltuples estimate"


@check_kind("custom")
def custom_metrics(b: Build) -> None:
    for metric in b.spec.custom_metrics:
        b.add(_custom_check(b, metric))


def _custom_check(b: Build, metric: CustomMetric) -> CheckDef:
    key = f"custom:{metric.name}"
    return CheckDef(
        key=key,
        kind="custom",
        dimension=metric.dimension,
        columns=(),
        semantics=metric.description or SEMANTICS["custom"],
        unit=UNITS["custom"],
        threshold=b.spec.thresholds.get(key) or DEFAULT_THRESHOLDS["custom"],
        statement="custom",
        custom_sql=guard_custom_sql(metric.sql),
    )
