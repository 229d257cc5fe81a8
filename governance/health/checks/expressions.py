"""SQL expressions over the table's columns: presence, literals coerced to the column's type,
rule predicates, keys (raw and normalised e-mail). Identifiers are always quoted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from psycopg import sql

from governance.health.contracts.spec import (
    COMPARISON_OPS,
    FIELD_TYPES,
    AllOf,
    AnyOf,
    Condition,
    ContractSpec,
    Not,
    Predicate,
)

from .catalogue import TableInfo
from .kinds import TEXT_FAMILY, TRIM_CHARS


def trim(expr: sql.Composable) -> sql.Composable:
    return sql.SQL("btrim({}, {})").format(expr, sql.Literal(TRIM_CHARS))


def col(name: str, alias: str = "t") -> sql.Composable:
    return sql.Identifier(alias, name)


class Columns:
    """Expressions over one table's columns (alias ``t`` unless told)."""

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
                c=col(name, alias), t=trim(col(name, alias))
            )
        return sql.SQL("{c} IS NOT NULL").format(c=col(name, alias))

    def missing(self, name: str, alias: str = "t") -> sql.Composable:
        if self.is_text(name):
            return sql.SQL("({c} IS NULL OR {t} = '')").format(
                c=col(name, alias), t=trim(col(name, alias))
            )
        return sql.SQL("{c} IS NULL").format(c=col(name, alias))

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
            return col(name, alias)
        return sql.SQL("{}::text").format(col(name, alias))

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
        column = col(node.column)
        if node.op == "is_null":
            return sql.SQL("({} IS NULL)").format(column)
        if node.op == "not_null":
            return sql.SQL("({} IS NOT NULL)").format(column)
        if node.op == "blank":
            return self.missing(node.column)
        if node.op == "not_blank":
            return self.present(node.column)
        if node.op in ("in", "not_in"):
            word = sql.SQL("IN" if node.op == "in" else "NOT IN")
            return sql.SQL("({} {} ({}))").format(
                column, word, self.literal_list(node.column, node.value)
            )
        if node.op == "matches":
            return sql.SQL("({} ~ {})").format(self.text_of(node.column), sql.Literal(node.value))
        operator = sql.SQL(COMPARISON_OPS[node.op])
        if node.other_column is not None:
            self.require(node.other_column)
            return sql.SQL("({} {} {})").format(column, operator, col(node.other_column))
        return sql.SQL("({} {} {})").format(column, operator, self.literal(node.column, node.value))

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
        return sql.SQL("nullif(lower({}), '')").format(trim(col(name, alias)))

    def raw_key(self, name: str, alias: str = "t") -> sql.Composable:
        if self.is_text(name):
            return sql.SQL("CASE WHEN {t} <> '' THEN {c} END").format(
                c=col(name, alias), t=trim(col(name, alias))
            )
        return col(name, alias)


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
