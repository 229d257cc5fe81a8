"""Who data-health queries run as: a warehouse's own least-privilege login, never the app's.

Rules a reader could not guess:
- A warehouse has a connection string of its own; blank is refused, never "the app's database".
- A connection string that resolves to the app's own database (same host, port and database
  name), or that logs in as the app's own role on the app's server, is refused before
  connecting. After connecting, the server's `system_identifier` + `current_database()` are
  compared with the app's too (catches another host name for the same server), and a
  superuser login or one that may read server files is refused.
- System schemas (pg_catalog, information_schema, pg_toast, pg_temp_*, …) are never datasets.
- Pure functions here take plain values; `governance.health.services` supplies the app's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from django.core.exceptions import ValidationError

DOCS = "docs/data-health.md, “A least-privilege warehouse role”"
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "pg_toast"})
_LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


class WarehouseRefused(ValidationError):
    """A warehouse's connection would run data-health queries with privileges it must not have."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: str
    dbname: str
    user: str


def is_system_schema(schema: str) -> bool:
    name = (schema or "").strip().lower()
    return name in SYSTEM_SCHEMAS or name.startswith("pg_")


def schema_refusal(schema: str) -> str | None:
    """Why `schema` cannot hold a dataset, or None."""
    if is_system_schema(schema):
        return (
            f"{schema!r} is a PostgreSQL system schema; data-health reads only your own data. "
            "Pick the schema that holds your tables."
        )
    return None


def endpoint(conninfo: str | Mapping[str, Any]) -> Endpoint:
    """Host, port, database and user a connection string points at (libpq defaults applied)."""
    params = psycopg.conninfo.conninfo_to_dict(conninfo) if isinstance(conninfo, str) else conninfo
    host = str(params.get("host") or params.get("hostaddr") or "").split(",")[0].strip()
    user = str(params.get("user") or "")
    return Endpoint(
        host=host.lower(),
        port=str(params.get("port") or "5432").split(",")[0],
        dbname=str(params.get("dbname") or user),
        user=user,
    )


def _same_server(a: Endpoint, b: Endpoint) -> bool:
    hosts_match = a.host == b.host or (a.host in _LOCAL_HOSTS and b.host in _LOCAL_HOSTS)
    return hosts_match and a.port == b.port


def dsn_refusal(dsn: str, app: Endpoint) -> str | None:
    """Why a warehouse connection string is refused before connecting, or None."""
    if not dsn.strip():
        return (
            "A warehouse needs its own connection string; data-health never uses the app's "
            f"database login. Create a read-only role for your warehouse ({DOCS}) and paste its "
            "postgresql://… URL here."
        )
    try:
        target = endpoint(dsn)
    except psycopg.ProgrammingError:
        return "This is not a PostgreSQL connection string; use postgresql://user:pass@host/db."
    if not _same_server(target, app):
        return None
    if target.dbname == app.dbname:
        return (
            f"This points at the app's own database ({target.dbname!r} on the same server); "
            "data-health must read a separate warehouse database with its own read-only role "
            f"({DOCS})."
        )
    if target.user and target.user == app.user:
        return (
            f"This logs in as the app's own database role ({target.user!r}); give the warehouse "
            f"a login role with SELECT on its schema only ({DOCS})."
        )
    return None


def connection_refusal(
    conn: psycopg.Connection, app_identity: tuple[str, str] | None
) -> str | None:
    """Why an open warehouse connection is refused, or None.

    `app_identity` is the app database's (system_identifier, current_database()) when known.
    """
    row = conn.execute(
        "SELECT current_database(), current_user, "
        "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
        "pg_has_role(current_user, 'pg_read_server_files', 'USAGE') "
        "OR pg_has_role(current_user, 'pg_execute_server_program', 'USAGE')"
    ).fetchone()
    database, user, superuser, server_files = row if row else ("", "", False, False)
    if superuser or server_files:
        return (
            f"The warehouse login {user!r} is a superuser or may read server files; data-health "
            f"refuses it. Use a login role with SELECT on the warehouse schema only ({DOCS})."
        )
    if app_identity is not None:
        system_id = server_identity(conn)
        if system_id is not None and (system_id, database) == app_identity:
            return (
                f"This connection reaches the app's own database ({database!r}); data-health "
                f"must read a separate warehouse database ({DOCS})."
            )
    return None


def server_identity(conn: psycopg.Connection) -> str | None:
    """The cluster's system_identifier, or None when this role may not read it."""
    try:
        with conn.transaction():
            row = conn.execute("SELECT system_identifier::text FROM pg_control_system()").fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def refuse(message: str) -> WarehouseRefused:
    return WarehouseRefused({"dsn": [message]})
