"""Data-health check engine: compiles a data contract into at most three SQL statements.

One run of one dataset, inside a READ ONLY, REPEATABLE READ transaction with
``SET LOCAL statement_timeout``:

1. ``introspect`` — one catalogue query: columns and types, unique indexes, indexed leading
   columns, relkind and ``reltuples`` of the dataset and of every referenced table. Schema
   drift is decided from this answer (no further statement).
2. the *scan* — one ``SELECT count(*) FILTER (WHERE ...) ...`` over the dataset (only rows past
   the watermark in incremental mode) holding every row-level check: completeness, validity
   (allowed values, patterns, e-mail shape, ranges), consistency rules, references and
   attribution coverage (reference tables are LEFT JOINed once, 1:1), stale rows, freshness
   and volume.
3. the *grouped* statement — only when duplicates must be counted: one statement holding one
   GROUP BY per key (raw key, normalised e-mail), cross-joined into one row.

Never ``SELECT *``: only the columns a check needs are named. Every identifier is checked
against the introspected columns and quoted with ``sql.Identifier``; every value is a
``sql.Literal`` coerced to the column's type family first. Custom SQL metrics and failing-row
samples are extra statements, each in its own read-only transaction, and only run when asked
(samples only for failing checks).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg
from psycopg import sql

from governance.contract_spec import (
    COMPARISON_OPS,
    DIMENSIONS,
    FIELD_TYPES,
    AllOf,
    AnyOf,
    Condition,
    ContractSpec,
    CustomMetric,
    FieldSpec,
    Not,
    Predicate,
    Reference,
    Threshold,
    guard_custom_sql,
)

# An e-mail is "valid" when its trimmed value has one @, a dot in the domain and a 2+ letter TLD.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"

DEFAULT_TIMEOUT_MS = 30_000

SEMANTICS = {
    "missing": "Missing = NULL, or (text columns) empty or only spaces/tabs/newlines. Denominator: all rows in scope.",
    "allowed": "Invalid = a present value not exactly (case-sensitive) in the allowed list. Denominator: rows where the value is present (non-NULL, non-blank); blanks are counted by completeness, not here.",
    "pattern": "Invalid = a present value that does not match the pattern (PostgreSQL ~, anchored only if the pattern is). Denominator: rows where the value is present.",
    "email": "Invalid = a present value whose trimmed text is not local@domain.tld (one @, no spaces, 2+ letter TLD). Surrounding whitespace is not an error here (the normalised-duplicate check reports it). Denominator: rows where the value is present.",
    "range": "Invalid = a non-NULL value below the minimum or above the maximum (bounds inclusive). Denominator: rows where the value is non-NULL.",
    "duplicates": "Duplicates = extra rows: for every key value shared by n > 1 rows, n − 1 rows count (not the number of distinct duplicated values). Rows with a missing key are not counted. Metric: extra rows per 1,000 rows in scope.",
    "duplicates_normalised": "Duplicates on the normalised e-mail: lower-cased, trimmed; for gmail.com/googlemail.com the local part loses dots and any +tag and the domain becomes gmail.com. Extra rows (n − 1 per group), per 1,000 rows in scope. Missing e-mails are not counted.",
    "rule": "Violation = a row where the IF condition is true and the THEN condition is not true (false or unknown because of NULL). Denominator: rows where the IF condition is true (all rows when there is no IF).",
    "reference": "Orphan = a present value not found in the target. Denominator: rows where the value is present; missing values are counted by coverage.",
    "coverage": "Uncovered = a row where any attribution reference is missing or not found. Metric: % of all rows in scope that are NOT covered.",
    "coverage_value": "Uncovered value = sum of the positive value column over uncovered rows, as % of the sum over all rows in scope (pipeline value, not row count).",
    "freshness": "Age = hours between the database clock and the newest timestamp in the whole table (an index-backed max() in incremental runs). Fail when older than the freshness SLO; warn past 75% of it.",
    "stale_rows": "Stale = a row whose timestamp is older than the contract's stale-after days, or NULL. Denominator: all rows. Full runs only.",
    "volume": "Volume = count(*) of the table in full runs; pg_class.reltuples (the planner's estimate, refreshed by ANALYZE) in incremental runs. Metric: % outside the expected [min, max] range (0 when inside).",
    "schema_added": "Columns present in the table but not in the contract (metric: number of columns).",
    "schema_removed": "Contract fields missing from the table (metric: number of fields). Checks on them are skipped.",
    "schema_retyped": "Contract fields whose column type is outside the contract type's family (e.g. 'integer' stored as text).",
    "custom": "An admin-defined single SELECT returning one number, run read-only with a statement timeout.",
}

# Default thresholds, applied unless the contract overrides the check's key.
DEFAULT_THRESHOLDS = {
    "missing": Threshold(warn=0, fail=5),
    "allowed": Threshold(warn=0, fail=2),
    "pattern": Threshold(warn=0, fail=2),
    "email": Threshold(warn=0, fail=2),
    "range": Threshold(warn=0, fail=2),
    "duplicates": Threshold(warn=0, fail=5),
    "duplicates_normalised": Threshold(warn=0, fail=5),
    "rule": Threshold(warn=0, fail=2),
    "reference": Threshold(warn=0, fail=2),
    "coverage": Threshold(warn=1, fail=5),  # i.e. attribution coverage target 99%, floor 95%
    "coverage_value": Threshold(warn=1, fail=5),
    "stale_rows": Threshold(warn=0, fail=10),
    "volume": Threshold(warn=0, fail=20),
    "schema_added": Threshold(warn=0, fail=None),
    "schema_removed": Threshold(warn=None, fail=0),
    "schema_retyped": Threshold(warn=None, fail=0),
    "custom": Threshold(warn=None, fail=None),
}

UNITS = {
    "missing": "%",
    "allowed": "%",
    "pattern": "%",
    "email": "%",
    "range": "%",
    "duplicates": "per 1k rows",
    "duplicates_normalised": "per 1k rows",
    "rule": "%",
    "reference": "%",
    "coverage": "% uncovered",
    "coverage_value": "% of value uncovered",
    "freshness": "hours",
    "stale_rows": "%",
    "volume": "% outside range",
    "schema_added": "columns",
    "schema_removed": "columns",
    "schema_retyped": "columns",
    "custom": "",
}

DIMENSION_OF = {
    "missing": "completeness",
    "allowed": "validity",
    "pattern": "validity",
    "email": "validity",
    "range": "validity",
    "duplicates": "uniqueness",
    "duplicates_normalised": "uniqueness",
    "rule": "consistency",
    "reference": "coverage",
    "coverage": "coverage",
    "coverage_value": "coverage",
    "freshness": "timeliness",
    "stale_rows": "timeliness",
    "volume": "volume",
    "schema_added": "schema",
    "schema_removed": "schema",
    "schema_retyped": "schema",
}

TEXT_FAMILY = FIELD_TYPES["text"]
# "Blank" and "trimmed" mean: without leading/trailing spaces, tabs, carriage returns, newlines.
TRIM_CHARS = " \t\r\n"


def _trim(expr: sql.Composable) -> sql.Composable:
    return sql.SQL("btrim({}, {})").format(expr, sql.Literal(TRIM_CHARS))


# --- catalogue ---------------------------------------------------------------------------------


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
        if ref.is_table and (ref.target_schema, ref.target_table) not in relations:
            relations.append((ref.target_schema, ref.target_table))
    return relations


# --- plan --------------------------------------------------------------------------------------


@dataclass
class CheckDef:
    """One compiled check: where its numbers come from and how to judge them."""

    key: str
    kind: str
    dimension: str
    columns: tuple[str, ...]
    semantics: str
    unit: str
    threshold: Threshold
    statement: str = "scan"  # scan | grouped | static | custom | skipped
    count_alias: str | None = None
    denominator_alias: str | None = None
    denominator_minus_alias: str | None = None  # denominator = [alias] − [minus alias]
    value_alias: str | None = None
    row_predicate: sql.Composable | None = None  # on alias t, for failing-row samples
    sample_columns: tuple[str, ...] = ()
    static_count: float | None = None
    skip_reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    custom_sql: str | None = None


@dataclass
class Statement:
    label: str
    query: sql.Composable


@dataclass
class Plan:
    spec: ContractSpec
    table: TableInfo
    mode: str
    watermark: datetime | None
    checks: list[CheckDef]
    statements: list[Statement]
    scope: sql.Composable
    notes: list[str] = field(default_factory=list)
    rows_alias: str = "s0"
    newest_in_scope_alias: str | None = None

    def check(self, key: str) -> CheckDef:
        return next(c for c in self.checks if c.key == key)


class _Select:
    """Collects select-list expressions under generated aliases (never user text)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.items: list[sql.Composable] = []
        self.named: dict[Any, str] = {}

    def add(self, expr: sql.Composable, reuse_key: Any = None) -> str:
        if reuse_key is not None and reuse_key in self.named:
            return self.named[reuse_key]
        alias = f"{self.prefix}{len(self.items)}"
        self.items.append(sql.SQL("{} AS {}").format(expr, sql.Identifier(alias)))
        if reuse_key is not None:
            self.named[reuse_key] = alias
        return alias


def _col(name: str, alias: str = "t") -> sql.Composable:
    return sql.Identifier(alias, name)


class _Compiler:
    def __init__(
        self, spec: ContractSpec, table: TableInfo, targets: dict[tuple[str, str], TableInfo]
    ):
        self.spec = spec
        self.table = table
        self.targets = targets
        self.families = table.columns

    def has(self, name: str) -> bool:
        return name in self.families

    def is_text(self, name: str) -> bool:
        return self.families.get(name) in TEXT_FAMILY

    def present(self, name: str, alias: str = "t") -> sql.Composable:
        if self.is_text(name):
            return sql.SQL("({c} IS NOT NULL AND {t} <> '')").format(
                c=_col(name, alias), t=_trim(_col(name, alias))
            )
        return sql.SQL("{c} IS NOT NULL").format(c=_col(name, alias))

    def missing(self, name: str, alias: str = "t") -> sql.Composable:
        if self.is_text(name):
            return sql.SQL("({c} IS NULL OR {t} = '')").format(
                c=_col(name, alias), t=_trim(_col(name, alias))
            )
        return sql.SQL("{c} IS NULL").format(c=_col(name, alias))

    def literal(self, name: str, value: Any) -> sql.Composable:
        """A literal coerced to the column's family, so a contract typo is a ContractValueError."""
        family = self.families.get(name, "")
        if family in TEXT_FAMILY:
            return sql.Literal(str(value))
        if family in FIELD_TYPES["number"]:
            if isinstance(value, bool):
                raise ContractValueError(f"{value!r} is not a number")
            if isinstance(value, int | float | Decimal):
                return sql.Literal(value)
            try:
                return sql.Literal(Decimal(str(value)))
            except InvalidOperation:
                raise ContractValueError(f"{value!r} is not a number") from None
        if family == "date":
            if isinstance(value, date) and not isinstance(value, datetime):
                return sql.Literal(value)
            try:
                return sql.Literal(date.fromisoformat(str(value)))
            except ValueError:
                raise ContractValueError(f"{value!r} is not a date") from None
        if family in FIELD_TYPES["timestamp"]:
            if isinstance(value, datetime):
                return sql.Literal(value)
            try:
                return sql.Literal(datetime.fromisoformat(str(value)))
            except ValueError:
                raise ContractValueError(f"{value!r} is not a timestamp") from None
        if family == "boolean":
            if isinstance(value, bool):
                return sql.Literal(value)
            raise ContractValueError(f"{value!r} is not a boolean")
        # Other types (uuid, enums, ...): an untyped string literal the server casts.
        return sql.Literal(str(value))

    def literal_list(self, name: str, values: Sequence[Any]) -> sql.Composable:
        return sql.SQL(", ").join(self.literal(name, v) for v in values)

    def text_of(self, name: str, alias: str = "t") -> sql.Composable:
        if self.is_text(name):
            return _col(name, alias)
        return sql.SQL("{}::text").format(_col(name, alias))

    def predicate(self, node: Predicate) -> sql.Composable:
        if isinstance(node, AllOf):
            return sql.SQL("({})").format(
                sql.SQL(" AND ").join(self.predicate(i) for i in node.items)
            )
        if isinstance(node, AnyOf):
            return sql.SQL("({})").format(
                sql.SQL(" OR ").join(self.predicate(i) for i in node.items)
            )
        if isinstance(node, Not):
            return sql.SQL("(NOT {})").format(self.predicate(node.item))
        assert isinstance(node, Condition)
        self.require(node.column)
        col = _col(node.column)
        if node.op == "is_null":
            return sql.SQL("({} IS NULL)").format(col)
        if node.op == "not_null":
            return sql.SQL("({} IS NOT NULL)").format(col)
        if node.op == "blank":
            return self.missing(node.column)
        if node.op == "not_blank":
            return self.present(node.column)
        if node.op in ("in", "not_in"):
            word = sql.SQL("IN" if node.op == "in" else "NOT IN")
            return sql.SQL("({} {} ({}))").format(
                col, word, self.literal_list(node.column, node.value)
            )
        if node.op == "matches":
            return sql.SQL("({} ~ {})").format(self.text_of(node.column), sql.Literal(node.value))
        operator = sql.SQL(COMPARISON_OPS[node.op])
        if node.other_column is not None:
            self.require(node.other_column)
            return sql.SQL("({} {} {})").format(col, operator, _col(node.other_column))
        return sql.SQL("({} {} {})").format(col, operator, self.literal(node.column, node.value))

    def require(self, name: str) -> None:
        if not self.has(name):
            raise MissingColumn(name)

    def columns_of(self, node: Predicate | None) -> list[str]:
        if node is None:
            return []
        if isinstance(node, AllOf | AnyOf):
            return [c for i in node.items for c in self.columns_of(i)]
        if isinstance(node, Not):
            return self.columns_of(node.item)
        return [node.column] + ([node.other_column] if node.other_column else [])

    def email_normalised(self, name: str, alias: str = "t") -> sql.Composable:
        return gmail_fold(self.email_base(name, alias))

    def email_base(self, name: str, alias: str = "t") -> sql.Composable:
        return sql.SQL("nullif(lower({}), '')").format(_trim(_col(name, alias)))

    def raw_key(self, name: str, alias: str = "t") -> sql.Composable:
        if self.is_text(name):
            return sql.SQL("CASE WHEN {t} <> '' THEN {c} END").format(
                c=_col(name, alias), t=_trim(_col(name, alias))
            )
        return _col(name, alias)


def gmail_fold(e: sql.Composable) -> sql.Composable:
    """gmail.com/googlemail.com: drop dots and +tag from the local part, domain gmail.com."""
    return sql.SQL(
        "CASE WHEN right({e}, 10) = '@gmail.com' OR right({e}, 15) = '@googlemail.com' "
        "THEN replace(split_part(split_part({e}, '@', 1), '+', 1), '.', '') || '@gmail.com' "
        "ELSE {e} END"
    ).format(e=e)


class ContractValueError(ValueError):
    """A contract value that does not fit the column's type."""


class MissingColumn(LookupError):
    """A contract names a column the table does not have."""


def _threshold(spec: ContractSpec, key: str, kind: str) -> Threshold:
    return spec.thresholds.get(key) or DEFAULT_THRESHOLDS[kind]


def _new_check(
    spec: ContractSpec, kind: str, key: str, columns: Sequence[str], **kw: Any
) -> CheckDef:
    return CheckDef(
        key=key,
        kind=kind,
        dimension=kw.pop("dimension", DIMENSION_OF.get(kind, "validity")),
        columns=tuple(columns),
        semantics=kw.pop("semantics", SEMANTICS[kind]),
        unit=UNITS[kind],
        threshold=kw.pop("threshold", None) or _threshold(spec, key, kind),
        **kw,
    )


def compile_checks(
    spec: ContractSpec,
    table: TableInfo | dict[str, str],
    *,
    mode: str = "full",
    watermark: datetime | None = None,
    targets: dict[tuple[str, str], TableInfo] | None = None,
) -> Plan:
    """Compile a contract against the introspected table into ≤ 2 data statements.

    ``table`` may be a plain ``{column: pg_type}`` dict (no index knowledge: incremental runs
    then fall back to full, and no duplicate check is answered by a unique index).
    Incremental mode needs a watermark and an index whose leading column is the contract's
    timestamp column; otherwise the plan is a full run and says why in ``notes``.
    """
    if mode not in ("full", "incremental"):
        raise ValueError("mode must be 'full' or 'incremental'")
    if isinstance(table, dict):
        table = TableInfo(spec.schema, spec.table, {k: type_family(v) for k, v in table.items()})
    targets = targets or {}
    comp = _Compiler(spec, table, targets)
    notes: list[str] = []
    ts = (
        spec.timestamp_column if spec.timestamp_column and comp.has(spec.timestamp_column) else None
    )

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

    relation = sql.Identifier(spec.schema, spec.table)
    scope = (
        sql.SQL("{} > {}").format(_col(ts), sql.Literal(watermark))
        if mode == "incremental"
        else sql.SQL("TRUE")
    )
    scan = _Select("s")
    grouped: list[tuple[str, sql.Composable]] = []
    joins: list[sql.Composable] = []
    checks: list[CheckDef] = []
    rows_alias = scan.add(sql.SQL("count(*)"), "rows")

    def missing_alias(name: str) -> str:
        # One missing-count per column serves completeness and, as rows − missing, the
        # present-values denominator of validity and reference checks.
        return scan.add(
            sql.SQL("count(*) FILTER (WHERE {})").format(comp.missing(name)), ("missing", name)
        )

    def use_present_denominator(check: CheckDef, name: str) -> None:
        check.denominator_alias = rows_alias
        check.denominator_minus_alias = missing_alias(name)

    def skip(check: CheckDef, reason: str) -> CheckDef:
        check.statement = "skipped"
        check.skip_reason = reason
        return check

    # Schema drift: decided from the introspection answer alone.
    contract_names = [f.name for f in spec.fields]
    if contract_names:
        added = [c for c in table.columns if c not in contract_names]
        removed = [f.name for f in spec.fields if not comp.has(f.name)]
        retyped = [
            f"{f.name}: contract {f.type}, table {table.columns[f.name]}"
            for f in spec.fields
            if comp.has(f.name) and table.columns[f.name] not in FIELD_TYPES[f.type]
        ]
        for kind, names in (
            ("schema_added", added),
            ("schema_removed", removed),
            ("schema_retyped", retyped),
        ):
            checks.append(
                _new_check(
                    spec,
                    kind,
                    kind.replace("_", ":"),
                    (),
                    statement="static",
                    static_count=len(names),
                    detail={"columns": names},
                )
            )

    # Field checks: completeness and validity.
    for f in spec.fields:
        checks.extend(
            _field_checks(
                spec, comp, f, rows_alias, missing_alias, use_present_denominator, skip, scan
            )
        )

    # Uniqueness: one GROUP BY per key, all in the grouped statement.
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
        check = _new_check(spec, kind, f"{kind}:{','.join(cols)}", cols, statement="grouped")
        checks.append(check)
        missing_cols = [c for c in cols if not comp.has(c)]
        if missing_cols:
            skip(check, f"column {missing_cols[0]!r} is missing from the table")
            continue
        if mode == "incremental":
            skip(check, "duplicates need the whole table: counted in full runs only")
            continue
        if not normalised and frozenset(cols) in table.unique_keys:
            check.statement = "static"
            check.static_count = 0
            check.detail["answered_by"] = "unique index"
            check.semantics += " Answered without a scan: a unique index on exactly these columns forbids duplicates."
            continue
        # Keys are computed once per row behind an OFFSET 0 fence; the NULL group is dropped
        # in HAVING, so no key expression is evaluated twice.
        names = [sql.Identifier(f"k{i}") for i in range(len(cols))]
        bases = [comp.email_base(c, "x") if normalised else comp.raw_key(c, "x") for c in cols]
        keys_sql = [gmail_fold(n) if normalised else n for n in names]
        group = sql.SQL(", ").join(keys_sql)
        not_null = sql.SQL(" AND ").join(sql.SQL("({}) IS NOT NULL").format(k) for k in keys_sql)
        alias = f"g{len(grouped)}"
        grouped.append(
            (
                alias,
                sql.SQL(
                    "(SELECT coalesce(sum(n - 1), 0) AS extra, count(*) AS groups FROM "
                    "(SELECT count(*) AS n FROM (SELECT {bases} FROM {rel} AS x OFFSET 0) AS keyed "
                    "GROUP BY {group} HAVING count(*) > 1 AND {nn}) AS d) AS {alias}"
                ).format(
                    bases=sql.SQL(", ").join(
                        sql.SQL("{} AS {}").format(b, n) for b, n in zip(bases, names, strict=True)
                    ),
                    rel=relation,
                    group=group,
                    nn=not_null,
                    alias=sql.Identifier(alias),
                ),
            )
        )
        check.count_alias = f"{alias}.extra"
        check.detail["groups_alias"] = f"{alias}.groups"
        check.denominator_alias = rows_alias
        t_exprs = [comp.email_normalised(c) if normalised else comp.raw_key(c) for c in cols]
        x_exprs = [
            comp.email_normalised(c, "x") if normalised else comp.raw_key(c, "x") for c in cols
        ]
        x_group = sql.SQL(", ").join(x_exprs)
        check.row_predicate = sql.SQL(
            "({}) IN (SELECT {} FROM {} AS x GROUP BY {} HAVING count(*) > 1)"
        ).format(sql.SQL(", ").join(t_exprs), x_group, relation, x_group)
        check.sample_columns = cols

    # Consistency rules.
    for rule in spec.rules:
        cols = list(dict.fromkeys(comp.columns_of(rule.when) + comp.columns_of(rule.then)))
        check = _new_check(
            spec, "rule", f"rule:{rule.name}", cols, detail={"description": rule.description}
        )
        checks.append(check)
        try:
            then = comp.predicate(rule.then)
            when = comp.predicate(rule.when) if rule.when is not None else None
        except MissingColumn as exc:
            skip(check, f"column {exc.args[0]!r} is missing from the table")
            continue
        except ContractValueError as exc:
            skip(check, str(exc))
            continue
        violation = sql.SQL("({}) IS NOT TRUE").format(then)
        if when is not None:
            violation = sql.SQL("({}) IS TRUE AND {}").format(when, violation)
            check.denominator_alias = scan.add(
                sql.SQL("count(*) FILTER (WHERE ({}) IS TRUE)").format(when)
            )
        else:
            check.denominator_alias = rows_alias
        check.count_alias = scan.add(sql.SQL("count(*) FILTER (WHERE {})").format(violation))
        check.row_predicate = violation
        check.sample_columns = tuple(cols)

    # References and attribution coverage (reference tables joined 1:1 into the scan).
    covered_parts: list[sql.Composable] = []
    coverage_ok = True
    for i, ref in enumerate(spec.references):
        check = _new_check(
            spec,
            "reference",
            f"reference:{ref.name}",
            (ref.column,),
            detail={"description": ref.description},
        )
        checks.append(check)
        parts = _reference_sql(comp, ref, i, joins, skip, check)
        if parts is None:
            coverage_ok = coverage_ok and not ref.coverage
            continue
        found, sample_found, found_implies_present = parts
        present = comp.present(ref.column)
        # The rare, cheap test first: AND stops before the trim for almost every row.
        orphan = sql.SQL("NOT {} AND {}").format(found, present)
        check.count_alias = scan.add(sql.SQL("count(*) FILTER (WHERE {})").format(orphan))
        use_present_denominator(check, ref.column)
        check.row_predicate = sql.SQL("NOT {} AND {}").format(sample_found, present)
        check.sample_columns = (ref.column,)
        if ref.coverage:
            covered_parts.append(
                found if found_implies_present else sql.SQL("({} AND {})").format(found, present)
            )
    coverage_refs = [r for r in spec.references if r.coverage]
    if coverage_refs:
        cols = tuple(r.column for r in coverage_refs)
        check = _new_check(spec, "coverage", "coverage", cols)
        checks.append(check)
        if not coverage_ok or not covered_parts:
            skip(check, "a coverage reference could not be compiled")
        else:
            uncovered = sql.SQL("({}) IS NOT TRUE").format(sql.SQL(" AND ").join(covered_parts))
            check.count_alias = scan.add(sql.SQL("count(*) FILTER (WHERE {})").format(uncovered))
            check.denominator_alias = rows_alias
            check.sample_columns = cols
            value_col = spec.coverage_value_column
            if value_col:
                vcheck = _new_check(spec, "coverage_value", "coverage_value", (*cols, value_col))
                checks.append(vcheck)
                if not comp.has(value_col):
                    skip(vcheck, f"column {value_col!r} is missing from the table")
                else:
                    v = _col(value_col)
                    vcheck.denominator_alias = scan.add(
                        sql.SQL("coalesce(sum({v}) FILTER (WHERE {v} > 0), 0)").format(v=v)
                    )
                    vcheck.count_alias = scan.add(
                        sql.SQL("coalesce(sum({v}) FILTER (WHERE {v} > 0 AND {u}), 0)").format(
                            v=v, u=uncovered
                        )
                    )

    # Timeliness.
    newest_in_scope = scan.add(sql.SQL("max({})").format(_col(ts))) if ts else None
    if spec.freshness_slo_hours is not None:
        slo = float(spec.freshness_slo_hours)
        check = _new_check(
            spec,
            "freshness",
            "freshness",
            (spec.timestamp_column or "",),
            threshold=spec.thresholds.get("freshness") or Threshold(warn=0.75 * slo, fail=slo),
            detail={"slo_hours": slo},
        )
        checks.append(check)
        if ts is None:
            skip(check, "the contract's timestamp column is missing from the table")
        else:
            newest = (
                sql.SQL("(SELECT max(x.{c}) FROM {rel} AS x)").format(
                    c=sql.Identifier(ts), rel=relation
                )
                if mode == "incremental"
                else sql.SQL("max({})").format(_col(ts))
            )
            check.value_alias = scan.add(
                sql.SQL("extract(epoch FROM now() - ({})::timestamptz) / 3600.0").format(newest)
            )
            check.detail["source"] = (
                "index-backed max() over the whole table"
                if mode == "incremental"
                else "max() in the scan"
            )
    if spec.stale_after_days is not None:
        check = _new_check(
            spec,
            "stale_rows",
            "stale_rows",
            (spec.timestamp_column or "",),
            detail={"stale_after_days": spec.stale_after_days},
        )
        checks.append(check)
        if ts is None:
            skip(check, "the contract's timestamp column is missing from the table")
        elif mode == "incremental":
            skip(check, "stale rows are counted in full runs only")
        else:
            stale = sql.SQL("({c} IS NULL OR {c} < now() - make_interval(days => {d}))").format(
                c=_col(ts), d=sql.Literal(int(spec.stale_after_days))
            )
            check.count_alias = scan.add(sql.SQL("count(*) FILTER (WHERE {})").format(stale))
            check.denominator_alias = rows_alias
            check.row_predicate = stale
            check.sample_columns = (ts,)

    # Volume.
    volume = _new_check(spec, "volume", "volume", (), detail={"expected": spec.expected_volume})
    checks.append(volume)
    if mode == "full":
        volume.count_alias = rows_alias
        volume.detail["source"] = "count(*)"
    elif table.is_view or table.reltuples < 0:
        skip(volume, "no catalogue estimate (a view, or never ANALYZEd): counted in full runs")
    else:
        regclass = ".".join('"' + p.replace('"', '""') + '"' for p in (spec.schema, spec.table))
        volume.count_alias = scan.add(
            sql.SQL(
                "(SELECT c.reltuples::bigint FROM pg_class c WHERE c.oid = {}::regclass)"
            ).format(sql.Literal(regclass))
        )
        volume.detail["source"] = "pg_class.reltuples estimate"

    for metric in spec.custom_metrics:
        checks.append(_custom_check(spec, metric))

    where = sql.SQL(" WHERE {}").format(scope) if mode == "incremental" else sql.SQL("")
    statements = [
        Statement(
            "scan",
            sql.SQL("SELECT {items} FROM {rel} AS t{joins}{where}").format(
                items=sql.SQL(", ").join(scan.items),
                rel=relation,
                joins=sql.SQL("").join(joins),
                where=where,
            ),
        )
    ]
    if grouped:
        statements.append(
            Statement(
                "grouped",
                sql.SQL("SELECT {} FROM {}").format(
                    sql.SQL(", ").join(
                        sql.SQL("{a}.extra AS {e}, {a}.groups AS {g}").format(
                            a=sql.Identifier(a),
                            e=sql.Identifier(f"{a}.extra"),
                            g=sql.Identifier(f"{a}.groups"),
                        )
                        for a, _ in grouped
                    ),
                    sql.SQL(" CROSS JOIN ").join(q for _, q in grouped),
                ),
            )
        )
    return Plan(
        spec, table, mode, watermark, checks, statements, scope, notes, rows_alias, newest_in_scope
    )


def _field_checks(
    spec: ContractSpec,
    comp: _Compiler,
    f: FieldSpec,
    rows_alias: str,
    missing_alias: Callable[[str], str],
    use_present_denominator: Callable[[CheckDef, str], None],
    skip: Callable[[CheckDef, str], CheckDef],
    scan: _Select,
) -> Iterator[CheckDef]:
    exists = comp.has(f.name)
    gone = f"column {f.name!r} is missing from the table"
    if f.required:
        check = _new_check(spec, "missing", f"missing:{f.name}", (f.name,))
        if not exists:
            yield skip(check, gone)
        else:
            pred = comp.missing(f.name)
            check.count_alias = missing_alias(f.name)
            check.denominator_alias = rows_alias
            check.row_predicate = pred
            check.sample_columns = (f.name,)
            yield check
    validity: list[tuple[str, Callable[[], sql.Composable]]] = []
    if f.allowed_values:
        validity.append(
            (
                "allowed",
                lambda: sql.SQL("{} NOT IN ({})").format(
                    _col(f.name), comp.literal_list(f.name, f.allowed_values)
                ),
            )
        )
    if f.pattern:
        validity.append(
            (
                "pattern",
                lambda: sql.SQL("{} !~ {}").format(comp.text_of(f.name), sql.Literal(f.pattern)),
            )
        )
    if f.email and not f.pattern:
        validity.append(
            (
                "email",
                lambda: sql.SQL("{} !~ {}").format(
                    _trim(comp.text_of(f.name)), sql.Literal(EMAIL_PATTERN)
                ),
            )
        )
    if f.minimum is not None or f.maximum is not None:

        def out_of_range() -> sql.Composable:
            if comp.is_text(f.name):
                raise ContractValueError("a range needs a number, date or timestamp column")
            parts = []
            if f.minimum is not None:
                parts.append(
                    sql.SQL("{} < {}").format(_col(f.name), comp.literal(f.name, f.minimum))
                )
            if f.maximum is not None:
                parts.append(
                    sql.SQL("{} > {}").format(_col(f.name), comp.literal(f.name, f.maximum))
                )
            return sql.SQL("({})").format(sql.SQL(" OR ").join(parts))

        validity.append(("range", out_of_range))
    for kind, build in validity:
        detail: dict[str, Any] = {}
        if kind == "allowed":
            detail["allowed_values"] = [str(v) for v in f.allowed_values]
        elif kind in ("pattern", "email"):
            detail["pattern"] = f.pattern or EMAIL_PATTERN
        elif kind == "range":
            detail["minimum"], detail["maximum"] = f.minimum, f.maximum
        check = _new_check(spec, kind, f"{kind}:{f.name}", (f.name,), detail=detail)
        if not exists:
            yield skip(check, gone)
            continue
        try:
            # The value test first: AND stops before the trim for every valid row.
            invalid = sql.SQL("{} AND {}").format(build(), comp.present(f.name))
        except ContractValueError as exc:
            yield skip(check, str(exc))
            continue
        check.count_alias = scan.add(sql.SQL("count(*) FILTER (WHERE {})").format(invalid))
        use_present_denominator(check, f.name)
        check.row_predicate = invalid
        check.sample_columns = (f.name,)
        yield check


def _reference_sql(
    comp: _Compiler,
    ref: Reference,
    index: int,
    joins: list[sql.Composable],
    skip: Callable[[CheckDef, str], CheckDef],
    check: CheckDef,
) -> tuple[sql.Composable, sql.Composable, bool] | None:
    """(found in the scan, found on its own, found ⇒ present), or None if skipped."""
    if not comp.has(ref.column):
        skip(check, f"column {ref.column!r} is missing from the table")
        return None
    col = _col(ref.column)
    if not ref.is_table:
        try:
            values = comp.literal_list(ref.column, ref.allowed_values)
        except ContractValueError as exc:
            skip(check, str(exc))
            return None
        found = sql.SQL("({} IN ({}))").format(col, values)
        check.detail["target"] = "allowed values"
        no_blank_allowed = all(str(v).strip(TRIM_CHARS) for v in ref.allowed_values)
        return found, found, no_blank_allowed
    target = comp.targets.get((ref.target_schema, ref.target_table))
    if target is None:
        skip(check, f"target table {ref.target_schema}.{ref.target_table} not found")
        return None
    if ref.target_column not in target.columns:
        skip(check, f"target column {ref.target_column!r} not found")
        return None
    rel = sql.Identifier(ref.target_schema, ref.target_table)
    tcol = sql.Identifier(ref.target_column)
    alias = sql.Identifier(f"r{index}")
    # Blank target values never match, so "found" implies "present" and coverage needs no trim.
    keep = (
        sql.SQL("{} <> ''").format(_trim(sql.Identifier("x", ref.target_column)))
        if target.columns[ref.target_column] in TEXT_FAMILY
        else sql.SQL("TRUE")
    )
    # DISTINCT keeps the join 1:1 (exact counts) unless a unique index already does.
    distinct = sql.SQL("" if frozenset({ref.target_column}) in target.unique_keys else "DISTINCT ")
    joins.append(
        sql.SQL(
            " LEFT JOIN (SELECT {d}x.{tc} FROM {rel} AS x WHERE {keep}) AS {a} ON {a}.{tc} = {c}"
        ).format(d=distinct, tc=tcol, rel=rel, keep=keep, a=alias, c=col)
    )
    check.detail["target"] = f"{ref.target_schema}.{ref.target_table}.{ref.target_column}"
    found = sql.SQL("({}.{} IS NOT NULL)").format(alias, tcol)
    standalone = sql.SQL("EXISTS (SELECT 1 FROM {rel} AS x WHERE x.{tc} = {c})").format(
        rel=rel, tc=tcol, c=col
    )
    return found, standalone, True


def _custom_check(spec: ContractSpec, metric: CustomMetric) -> CheckDef:
    key = f"custom:{metric.name}"
    return CheckDef(
        key=key,
        kind="custom",
        dimension=metric.dimension,
        columns=(),
        semantics=metric.description or SEMANTICS["custom"],
        unit=UNITS["custom"],
        threshold=spec.thresholds.get(key) or DEFAULT_THRESHOLDS["custom"],
        statement="custom",
        custom_sql=guard_custom_sql(metric.sql),
    )


# --- running -----------------------------------------------------------------------------------


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
    sample_statements: int = 0  # one per failing check, after the run
    notes: list[str] = field(default_factory=list)
    statement_log: list[str] = field(default_factory=list)

    def check(self, key: str) -> CheckResult:
        return next(c for c in self.checks if c.key == key)

    @property
    def status(self) -> str:
        order = ["pass", "skipped", "warn", "error", "fail"]
        return max((c.status for c in self.checks), key=order.index, default="pass")


class _Session:
    """Read-only transactions on an autocommit connection, counting every round trip."""

    def __init__(self, conn: psycopg.Connection, timeout_ms: int) -> None:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            raise ValueError("the connection must be idle (no open transaction)")
        self.conn = conn
        self.timeout_ms = int(timeout_ms)
        self.statements = 0
        self.control = 0
        self.log: list[str] = []

    @contextmanager
    def transaction(self) -> Iterator[None]:
        previous = self.conn.autocommit
        self.conn.autocommit = True
        try:
            self.conn.execute(
                sql.SQL(
                    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                    "SET LOCAL statement_timeout = {t}; SET LOCAL lock_timeout = {t}; "
                    "SET LOCAL work_mem = '64MB'"
                ).format(t=sql.Literal(self.timeout_ms))
            )
            self.control += 1
            try:
                yield
            except BaseException:
                self._end("ROLLBACK")
                raise
            else:
                self._end("COMMIT")
        finally:
            self.conn.autocommit = previous

    def _end(self, word: str) -> None:
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.execute(word)
            self.control += 1

    def query(self, label: str, query: sql.Composable) -> tuple[list[str], list[tuple[Any, ...]]]:
        self.statements += 1
        self.log.append(label)
        # prepare=False: a long-lived worker connection runs many different plans; a cached plan
        # would outlive the schema drift the run is meant to detect.
        cur = self.conn.execute(query, prepare=False)
        names = [d.name for d in cur.description or ()]
        return names, cur.fetchall()


# Generic text per SQLSTATE class: what a check result shows everyone. The database's own
# message can quote the failing value (`invalid input syntax for type integer: "<secret>"`),
# so it is kept apart (DbError.raw, values redacted) and shown to admins only.
_SQLSTATE_CLASSES: dict[str, str] = {
    "08": "the warehouse connection failed",
    "0A": "a feature the warehouse does not support",
    "21": "a subquery returned more than one row",
    "22": "a value could not be converted or was out of range",
    "23": "an integrity constraint was violated",
    "25": "refused: the check runs in a read-only transaction",
    "28": "the warehouse refused the login",
    "2B": "a dependent object is in the way",
    "3D": "the database does not exist",
    "3F": "the schema does not exist",
    "40": "the transaction was rolled back by the warehouse",
    "42": "the query is invalid or the warehouse role may not read what it names",
    "53": "the warehouse ran out of resources",
    "54": "a warehouse limit was exceeded",
    "55": "an object is not in the required state",
    "57": "the statement was cancelled",
    "58": "a system error on the warehouse",
    "P0": "an error raised by a database function",
    "XX": "an internal error on the warehouse",
}
_SQLSTATE_CODES: dict[str, str] = {
    "42501": "permission denied: the warehouse role may not read this",
    "42P01": "a table or view it names does not exist",
    "42703": "a column it names does not exist",
    "42883": "a function it calls does not exist or takes other arguments",
    "42601": "syntax error in the SQL",
    "25006": "refused: the check runs in a read-only transaction",
    "57014": "statement timed out",
}
_QUOTED = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'")


class DbError(str):
    """A database error as a check result stores it: the safe text (this string), the
    SQLSTATE (`code`) and the database's own text with quoted values redacted (`raw`)."""

    code: str
    raw: str

    def __new__(cls, message: str, *, code: str = "", raw: str = "") -> DbError:
        obj = super().__new__(cls, message)
        obj.code = code
        obj.raw = raw
        return obj


def describe_error(exc: psycopg.Error, timeout_ms: int) -> DbError:
    """A database error as text safe for everyone who sees check results: the SQLSTATE and a
    generic sentence for its class, never the database's message (which can carry values)."""
    code = (exc.sqlstate or "") if isinstance(exc, psycopg.Error) else ""
    primary = (exc.diag.message_primary if exc.diag else None) or str(exc).strip()
    raw = _QUOTED.sub("'…'", primary.splitlines()[0] if primary else "")[:400]
    if isinstance(exc, psycopg.errors.QueryCanceled):
        text = f"statement timed out after {timeout_ms} ms (statement_timeout)"
    else:
        text = _SQLSTATE_CODES.get(code) or _SQLSTATE_CLASSES.get(
            code[:2], "the warehouse reported an error"
        )
    label = f"{type(exc).__name__}, SQLSTATE {code}" if code else type(exc).__name__
    return DbError(f"{text} ({label})", code=code, raw=raw)


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
    session = _Session(conn, timeout_ms)
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
) -> RunResult:
    """Introspect, compile and run one dataset: ≤ 3 data statements in one read-only snapshot.

    Failing checks (status ``fail``) then get a capped, PII-masked sample of offending rows,
    one statement each.
    """
    session = _Session(conn, timeout_ms)
    started = time.perf_counter()
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        with session.transaction():
            session.statements += 1
            session.log.append("introspect")
            catalogue = introspect(conn, relations_of(spec))
            table = catalogue.get((spec.schema, spec.table))
            if table is None:
                raise LookupError(f"dataset {spec.dataset} not found")
            plan = compile_checks(spec, table, mode=mode, watermark=watermark, targets=catalogue)
            _run_statements(session, plan.statements, values, errors, in_transaction=True)
    except psycopg.Error as exc:
        return _failed_run(spec, mode, watermark, session, started, describe_error(exc, timeout_ms))
    except LookupError as exc:
        return _failed_run(spec, mode, watermark, session, started, str(exc))
    result = _finish(session, plan, values, errors, started)
    if samples:
        for check in result.checks:
            if check.status == "fail":
                check.sample = fetch_failing_sample(
                    conn, plan, check.key, limit=sample_limit, timeout_ms=timeout_ms
                )
                result.sample_statements += 1
        result.duration_ms = round((time.perf_counter() - started) * 1000, 2)
    return result


def _failed_run(
    spec: ContractSpec,
    mode: str,
    watermark: datetime | None,
    session: _Session,
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
    session: _Session,
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
    session: _Session, plan: Plan, values: dict[str, Any], errors: dict[str, str], started: float
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


def _judge(
    plan: Plan, check: CheckDef, values: dict[str, Any], errors: dict[str, str]
) -> CheckResult:
    if check.statement == "skipped":
        return _base_result(check, "skipped", error=check.skip_reason)
    if check.statement == "static":
        count = float(check.static_count or 0)
        goodness = 1.0 if check.kind.startswith("duplicates") else None  # a unique index holds
        return _base_result(
            check, check.threshold.status(count), value=count, count=count, goodness=goodness
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
        age = _num(values.get(check.value_alias))
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


def _run_custom(session: _Session, check: CheckDef) -> CheckResult:
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


# --- samples -----------------------------------------------------------------------------------


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
    order = sql.SQL(", ").join(_col(c) for c in (pk or columns))
    query = sql.SQL(
        "SELECT {cols} FROM {rel} AS t WHERE {where} ORDER BY {order} LIMIT {n}"
    ).format(
        cols=sql.SQL(", ").join(_col(c) for c in columns),
        rel=sql.Identifier(spec.schema, spec.table),
        where=where,
        order=order,
        n=sql.Literal(int(limit)),
    )
    session = _Session(conn, timeout_ms)
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


def connect_readonly(conninfo: str, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> psycopg.Connection:
    """A connection for an external warehouse: read-only by default, with a statement timeout.

    Belt and braces on top of the per-run READ ONLY transaction; the role in the connection
    string should still be one with SELECT only.
    """
    return psycopg.connect(
        conninfo,
        autocommit=True,
        connect_timeout=10,
        options=f"-c default_transaction_read_only=on -c statement_timeout={int(timeout_ms)}",
    )
