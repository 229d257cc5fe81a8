"""A read-only connection to a PostgreSQL warehouse."""

from __future__ import annotations

import psycopg

from .kinds import DEFAULT_TIMEOUT_MS


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
