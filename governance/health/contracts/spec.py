"""Data-contract specification: plain dataclasses the check engine compiles to SQL.

Nothing here talks to a database. Every user-provided piece that later reaches SQL is one of:
an identifier (validated here for shape, later against the introspected columns, and always
quoted with ``psycopg.sql.Identifier``), a literal (``psycopg.sql.Literal``), or a node of the
small structured condition language below. Raw SQL is accepted in exactly one place, the
guarded custom metric (see ``guard_custom_sql``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Logical field types of a contract and the PostgreSQL type families they accept.
FIELD_TYPES: dict[str, frozenset[str]] = {
    "text": frozenset({"text", "character varying", "character", "citext", "name"}),
    "integer": frozenset({"smallint", "integer", "bigint"}),
    "number": frozenset({"smallint", "integer", "bigint", "numeric", "real", "double precision"}),
    "boolean": frozenset({"boolean"}),
    # ODCS `date` covers dates and date-times, so a `date` field may sit on a timestamp column.
    "date": frozenset({"date", "timestamp with time zone", "timestamp without time zone"}),
    "timestamp": frozenset({"timestamp with time zone", "timestamp without time zone"}),
    "uuid": frozenset({"uuid"}),
    "json": frozenset({"json", "jsonb"}),
}

DIMENSIONS = ("completeness", "validity", "timeliness", "uniqueness", "consistency", "coverage")

# PostgreSQL truncates identifiers at 63 bytes; a longer name can never match a real column.
_MAX_IDENTIFIER_BYTES = 63

Scalar = str | int | float | Decimal | bool | date | datetime


class ContractError(ValueError):
    """A contract that cannot be compiled; ``path`` names the offending part."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def validate_identifier(name: object, path: str) -> str:
    """Shape check only (non-empty text, ≤ 63 bytes, no NUL); existence is checked later."""
    if not isinstance(name, str) or not name:
        raise ContractError(path, "must be a non-empty name")
    if "\x00" in name or len(name.encode()) > _MAX_IDENTIFIER_BYTES:
        raise ContractError(path, "is not a valid PostgreSQL identifier")
    return name


@dataclass(frozen=True)
class Threshold:
    """Status of a metric: ``fail`` if value > fail, else ``warn`` if value > warn, else ``pass``.

    Both bounds are strict ("more than"); ``None`` disables that level. Every metric the
    engine thresholds is oriented so that larger is worse (a bad-row %, an age, a deviation).
    """

    warn: float | None = 0.0
    fail: float | None = None

    def status(self, value: float) -> str:
        if self.fail is not None and value > self.fail:
            return "fail"
        if self.warn is not None and value > self.warn:
            return "warn"
        return "pass"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str = "text"
    description: str = ""
    required: bool = False
    allowed_values: tuple[Scalar, ...] = ()
    pattern: str | None = None
    minimum: Scalar | None = None
    maximum: Scalar | None = None
    unique: bool = False
    pii: bool = False
    email: bool = False


# --- the condition language of cross-field rules -------------------------------------------

COMPARISON_OPS = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
UNARY_OPS = {"is_null", "not_null", "blank", "not_blank"}
LIST_OPS = {"in", "not_in"}
PATTERN_OPS = {"matches"}


@dataclass(frozen=True)
class Condition:
    """``column op value`` or ``column op other_column``; see COMPARISON/UNARY/LIST/PATTERN_OPS."""

    column: str
    op: str
    value: Any = None
    other_column: str | None = None


@dataclass(frozen=True)
class AllOf:
    items: tuple[Predicate, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Predicate, ...]


@dataclass(frozen=True)
class Not:
    item: Predicate


Predicate = Condition | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Rule:
    """Cross-field rule: every row where ``when`` holds must satisfy ``then``."""

    name: str
    then: Predicate
    when: Predicate | None = None
    description: str = ""


@dataclass(frozen=True)
class Reference:
    """``column`` must be found in a target table column, or in a literal list of values.

    A reference with ``coverage=True`` is part of attribution coverage: a row is covered when
    all its coverage references hold (value present and found).
    """

    name: str
    column: str
    target_schema: str | None = None
    target_table: str | None = None
    target_column: str | None = None
    allowed_values: tuple[Scalar, ...] = ()
    coverage: bool = True
    description: str = ""

    @property
    def is_table(self) -> bool:
        return self.target_table is not None


@dataclass(frozen=True)
class CustomMetric:
    """An admin's single SELECT returning one number, thresholded like any other metric."""

    name: str
    sql: str
    dimension: str = "validity"
    description: str = ""


@dataclass(frozen=True)
class ContractSpec:
    schema: str
    table: str
    primary_key: tuple[str, ...] = ()
    timestamp_column: str | None = None
    fields: tuple[FieldSpec, ...] = ()
    freshness_slo_hours: float | None = None
    stale_after_days: float | None = None
    expected_volume: tuple[int | None, int | None] | None = None
    rules: tuple[Rule, ...] = ()
    references: tuple[Reference, ...] = ()
    coverage_value_column: str | None = None
    unique_keys: tuple[tuple[str, ...], ...] = ()
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    custom_metrics: tuple[CustomMetric, ...] = ()

    def __post_init__(self) -> None:
        validate_spec(self)

    @property
    def dataset(self) -> str:
        return f"{self.schema}.{self.table}"

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def pii_columns(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.pii)


def validate_spec(spec: ContractSpec) -> None:
    """Raise ContractError for anything the compiler could not turn into safe SQL."""
    validate_identifier(spec.schema, "schema")
    validate_identifier(spec.table, "table")
    for i, col in enumerate(spec.primary_key):
        validate_identifier(col, f"primary_key[{i}]")
    if spec.timestamp_column is not None:
        validate_identifier(spec.timestamp_column, "timestamp_column")
    if spec.coverage_value_column is not None:
        validate_identifier(spec.coverage_value_column, "coverage_value_column")
    seen: set[str] = set()
    for i, f in enumerate(spec.fields):
        path = f"fields[{i}]"
        validate_identifier(f.name, f"{path}.name")
        if f.name in seen:
            raise ContractError(f"{path}.name", f"duplicate field {f.name!r}")
        seen.add(f.name)
        if f.type not in FIELD_TYPES:
            raise ContractError(f"{path}.type", f"unknown type {f.type!r}")
        if f.pattern is not None:
            _check_pattern(f.pattern, f"{path}.pattern")
    for i, key in enumerate(spec.unique_keys):
        if not key:
            raise ContractError(f"unique_keys[{i}]", "must name at least one column")
        for j, col in enumerate(key):
            validate_identifier(col, f"unique_keys[{i}][{j}]")
    for i, rule in enumerate(spec.rules):
        if not rule.name:
            raise ContractError(f"rules[{i}].name", "is required")
        _check_predicate(rule.then, f"rules[{i}].then")
        if rule.when is not None:
            _check_predicate(rule.when, f"rules[{i}].when")
    for i, ref in enumerate(spec.references):
        path = f"references[{i}]"
        if not ref.name:
            raise ContractError(f"{path}.name", "is required")
        validate_identifier(ref.column, f"{path}.column")
        if ref.is_table:
            validate_identifier(ref.target_schema, f"{path}.target_schema")
            validate_identifier(ref.target_table, f"{path}.target_table")
            validate_identifier(ref.target_column, f"{path}.target_column")
        elif not ref.allowed_values:
            raise ContractError(path, "needs a target table or a list of allowed values")
    for i, metric in enumerate(spec.custom_metrics):
        guard_custom_sql(metric.sql, f"custom_metrics[{i}].sql")
        if metric.dimension not in DIMENSIONS:
            raise ContractError(f"custom_metrics[{i}].dimension", "unknown dimension")
    if spec.expected_volume is not None:
        low, high = spec.expected_volume
        if low is not None and high is not None and low > high:
            raise ContractError("expected_volume", "minimum is above maximum")
    for name, threshold in spec.thresholds.items():
        if not isinstance(threshold, Threshold):
            raise ContractError(f"thresholds.{name}", "must be a Threshold")


def _check_pattern(pattern: str, path: str) -> None:
    # Python's engine is close enough to PostgreSQL's ARE to catch typos before a run.
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ContractError(path, f"invalid regular expression: {exc}") from None


def _check_predicate(node: Predicate, path: str) -> None:
    if isinstance(node, AllOf | AnyOf):
        if not node.items:
            raise ContractError(path, "needs at least one condition")
        for i, item in enumerate(node.items):
            _check_predicate(item, f"{path}[{i}]")
        return
    if isinstance(node, Not):
        _check_predicate(node.item, f"{path}.not")
        return
    if not isinstance(node, Condition):
        raise ContractError(path, "is not a condition")
    validate_identifier(node.column, f"{path}.column")
    if node.op in UNARY_OPS:
        return
    if node.op in COMPARISON_OPS:
        if node.other_column is not None:
            validate_identifier(node.other_column, f"{path}.other_column")
        elif node.value is None:
            raise ContractError(path, f"op {node.op!r} needs a value or other_column")
        return
    if node.op in LIST_OPS:
        if not isinstance(node.value, list | tuple) or not node.value:
            raise ContractError(path, f"op {node.op!r} needs a non-empty list")
        return
    if node.op in PATTERN_OPS:
        if not isinstance(node.value, str):
            raise ContractError(path, "op 'matches' needs a pattern")
        _check_pattern(node.value, f"{path}.value")
        return
    raise ContractError(f"{path}.op", f"unknown operator {node.op!r}")


# --- the custom-metric guard -----------------------------------------------------------------

_LEADING_KEYWORD = re.compile(r"\A(select|with)\b", re.IGNORECASE)


def guard_custom_sql(text: str, path: str = "sql") -> str:
    """Return the statement without a trailing ';' or refuse it.

    This is a tripwire for mistakes, not the security boundary: the statement must be one
    SELECT/WITH with no comments and no ';' except at the very end. The real protection is
    where it runs — a READ ONLY transaction with a statement_timeout, wrapped as a subquery
    (so data-modifying CTEs and SELECT INTO are syntax errors), over a connection whose role
    only has SELECT.
    """
    if not isinstance(text, str) or not text.strip():
        raise ContractError(path, "is empty")
    body = text.strip()
    while body.endswith(";"):
        body = body[:-1].rstrip()
    if ";" in body:
        raise ContractError(path, "must be a single statement (';' only at the end)")
    if "--" in body or "/*" in body or "\x00" in body:
        raise ContractError(path, "must not contain comments")
    if not _LEADING_KEYWORD.match(body):
        raise ContractError(path, "must start with SELECT or WITH")
    return body


# --- building a spec from stored JSON/YAML ---------------------------------------------------


def predicate_from_dict(data: Any, path: str = "condition") -> Predicate:
    """``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}`` or ``{"column", "op", ...}``."""
    if not isinstance(data, Mapping):
        raise ContractError(path, "must be an object")
    if "all" in data:
        return AllOf(
            tuple(
                predicate_from_dict(x, f"{path}.all[{i}]")
                for i, x in enumerate(_list(data["all"], path))
            )
        )
    if "any" in data:
        return AnyOf(
            tuple(
                predicate_from_dict(x, f"{path}.any[{i}]")
                for i, x in enumerate(_list(data["any"], path))
            )
        )
    if "not" in data:
        return Not(predicate_from_dict(data["not"], f"{path}.not"))
    unknown = set(data) - {"column", "op", "value", "other_column"}
    if unknown:
        raise ContractError(path, f"unknown keys {sorted(unknown)}")
    value = data.get("value")
    column = validate_identifier(data.get("column"), f"{path}.column")
    op = data.get("op")
    if not isinstance(op, str):
        raise ContractError(f"{path}.op", f"unknown operator {op!r}")
    node = Condition(
        column=column,
        op=op,
        value=tuple(value) if isinstance(value, list) else value,
        other_column=data.get("other_column"),
    )
    _check_predicate(node, path)
    return node


def _list(value: Any, path: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise ContractError(path, "must be a list")
    return value


def spec_from_dict(data: Mapping[str, Any]) -> ContractSpec:
    """Build (and validate) a ContractSpec from its JSON/YAML shape (see docs/data-health.md)."""
    try:
        fields = tuple(
            FieldSpec(**{**f, "allowed_values": tuple(f.get("allowed_values", ()))})
            for f in data.get("fields", ())
        )
        rules = tuple(
            Rule(
                name=r["name"],
                then=predicate_from_dict(r["then"], f"rules[{i}].then"),
                when=predicate_from_dict(r["if"], f"rules[{i}].if") if r.get("if") else None,
                description=r.get("description", ""),
            )
            for i, r in enumerate(data.get("rules", ()))
        )
        references = tuple(
            Reference(**{**r, "allowed_values": tuple(r.get("allowed_values", ()))})
            for r in data.get("references", ())
        )
        thresholds = {
            name: Threshold(warn=t.get("warn"), fail=t.get("fail"))
            for name, t in data.get("thresholds", {}).items()
        }
        volume = data.get("expected_volume")
        return ContractSpec(
            schema=data["schema"],
            table=data["table"],
            primary_key=tuple(data.get("primary_key", ())),
            timestamp_column=data.get("timestamp_column"),
            fields=fields,
            freshness_slo_hours=data.get("freshness_slo_hours"),
            stale_after_days=data.get("stale_after_days"),
            expected_volume=tuple(volume) if volume else None,
            rules=rules,
            references=references,
            coverage_value_column=data.get("coverage_value_column"),
            unique_keys=tuple(tuple(k) for k in data.get("unique_keys", ())),
            thresholds=thresholds,
            custom_metrics=tuple(CustomMetric(**m) for m in data.get("custom_metrics", ())),
        )
    except (KeyError, TypeError) as exc:
        raise ContractError("contract", f"malformed: {exc}") from None
