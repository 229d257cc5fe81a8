"""A compiled plan: its checks (where each number comes from) and its statements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import sql

from governance.health.contracts.spec import (
    ContractSpec,
    Threshold,
)

from .catalogue import TableInfo
from .kinds import DEFAULT_THRESHOLDS, DIMENSION_OF, SEMANTICS, UNITS


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
    # Duplicates: the grouped pass's first primary keys of the sampled groups, and the keyed
    # lookup of those groups' rows.
    sample_firsts_alias: str | None = None
    sample_lookup: Callable[[list[Any]], sql.Composable] | None = None


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


class SelectList:
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


def threshold_for(spec: ContractSpec, key: str, kind: str) -> Threshold:
    return spec.thresholds.get(key) or DEFAULT_THRESHOLDS[kind]


def new_check(
    spec: ContractSpec, kind: str, key: str, columns: Sequence[str], **kw: Any
) -> CheckDef:
    return CheckDef(
        key=key,
        kind=kind,
        dimension=kw.pop("dimension", DIMENSION_OF.get(kind, "validity")),
        columns=tuple(columns),
        semantics=kw.pop("semantics", SEMANTICS[kind]),
        unit=UNITS[kind],
        threshold=kw.pop("threshold", None) or threshold_for(spec, key, kind),
        **kw,
    )
