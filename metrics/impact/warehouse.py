"""The one door from business impact to governance's warehouses: the isolation layer's
read-only connection (own login role, statement timeout), column introspection and the
contract/check state that certification reads. Governance modules are being regrouped;
importing them here only keeps that move a one-file change for this package."""

from __future__ import annotations

from typing import Any

import psycopg

from governance.health.checks import (
    describe_error,
    introspect,
    type_family,
)
from governance.health.services import warehouse_connect
from governance.models import CheckRun, ContractStatus, Dataset, RunStatus, Warehouse

__all__ = [
    "CheckRun",
    "ContractStatus",
    "Dataset",
    "RunStatus",
    "Warehouse",
    "connect",
    "describe_error",
    "introspect",
    "type_family",
]


def connect(warehouse: Warehouse) -> psycopg.Connection:
    """Read-only, statement-timed connection as the warehouse's own login (refuses the app's
    database or a superuser: `governance.health.warehouse_access`)."""
    return warehouse_connect(warehouse)


def dataset_columns(conn: psycopg.Connection, dataset: Dataset) -> dict[str, str] | None:
    """Column name → type family of the dataset's table, None when the table is missing."""
    info = introspect(conn, [(dataset.schema, dataset.table)]).get((dataset.schema, dataset.table))
    return dict(info.columns) if info is not None else None


def indexed_columns(conn: psycopg.Connection, table: Any) -> frozenset[str]:
    """Columns leading an index of `table` (a `statements.Table`), from the catalogue."""
    info = introspect(conn, [(table.schema, table.table)]).get((table.schema, table.table))
    return frozenset(info.indexed_leading) if info is not None else frozenset()
