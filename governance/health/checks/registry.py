"""The check-kind registry: ``compile_checks`` runs every registered compiler in order.

A compiler is one small function taking the ``Build`` (what is known about the contract and
table, the scan's select list, the joins) and appending its ``CheckDef``s: a row-level check
adds a ``count(*) FILTER`` to the scan, a duplicates check a key to the grouped pass, a
static one answers from the catalogue. Field-level kinds (completeness, allowed values,
patterns, ranges) are a second, per-field registry: one function per kind returning the
"invalid" predicate. Adding a kind = adding one function with the decorator, plus its entry
in ``kinds.SEMANTICS``/``DEFAULT_THRESHOLDS``/``UNITS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import sql

from governance.health.contracts.spec import (
    ContractSpec,
    FieldSpec,
)

from .catalogue import TableInfo
from .expressions import Columns
from .plan import CheckDef, SelectList, Statement


@dataclass
class Build:
    """One compilation in progress: the inputs, and the statements' parts collected so far."""

    spec: ContractSpec
    table: TableInfo
    comp: Columns
    mode: str
    relation: sql.Composable
    ts: str | None
    sample_limit: int
    scan: SelectList = field(default_factory=lambda: SelectList("s"))
    joins: list[sql.Composable] = field(default_factory=list)
    checks: list[CheckDef] = field(default_factory=list)
    extra_statements: list[Statement] = field(default_factory=list)
    duplicate_passes: dict[tuple[str, ...], dict[str, CheckDef]] = field(default_factory=dict)
    newest_in_scope_alias: str | None = None
    watermark: datetime | None = None
    rows_alias: str = ""

    def __post_init__(self) -> None:
        self.rows_alias = self.scan.add(sql.SQL("count(*)"), "rows")

    def count(self, predicate: sql.Composable, reuse_key: Any = None) -> str:
        """A ``count(*) FILTER (WHERE predicate)`` in the scan; its alias."""
        return self.scan.add(sql.SQL("count(*) FILTER (WHERE {})").format(predicate), reuse_key)

    def missing_alias(self, name: str) -> str:
        # One missing-count per column serves completeness and, as rows − missing, the
        # present-values denominator of validity and reference checks.
        return self.count(self.comp.missing(name), ("missing", name))

    def use_present_denominator(self, check: CheckDef, name: str) -> None:
        check.denominator_alias = self.rows_alias
        check.denominator_minus_alias = self.missing_alias(name)

    def add(self, check: CheckDef) -> CheckDef:
        self.checks.append(check)
        return check


def skip(check: CheckDef, reason: str) -> CheckDef:
    check.statement = "skipped"
    check.skip_reason = reason
    return check


CheckCompiler = Callable[[Build], None]
# A field-level kind: (build, field) → the detail shown with the result and a builder of the
# "invalid value" predicate (may raise ContractValueError), or None when the kind does not
# apply to the field.
FieldCheck = Callable[
    [Build, FieldSpec], "tuple[dict[str, Any], Callable[[], sql.Composable]] | None"
]

COMPILERS: list[tuple[str, CheckCompiler]] = []
FIELD_CHECKS: list[tuple[str, FieldCheck]] = []


def check_kind(name: str) -> Callable[[CheckCompiler], CheckCompiler]:
    """Register a dataset-level compiler; compilers run in registration order."""

    def register(fn: CheckCompiler) -> CheckCompiler:
        COMPILERS.append((name, fn))
        return fn

    return register


def field_check(kind: str) -> Callable[[FieldCheck], FieldCheck]:
    """Register a field-level validity kind; per field, kinds run in registration order."""

    def register(fn: FieldCheck) -> FieldCheck:
        FIELD_CHECKS.append((kind, fn))
        return fn

    return register
