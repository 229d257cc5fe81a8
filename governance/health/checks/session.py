"""Read-only transactions on an autocommit connection, counting every round trip."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql

from .kinds import MIN_WORK_MEM_MB


class Session:
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
                    "SET LOCAL work_mem = {m}"
                ).format(t=sql.Literal(self.timeout_ms), m=sql.Literal(f"{MIN_WORK_MEM_MB}MB"))
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

    def set_work_mem(self, megabytes: int) -> None:
        """Raise work_mem for the rest of this transaction (a control round trip)."""
        if megabytes > MIN_WORK_MEM_MB:
            self.conn.execute(
                sql.SQL("SET LOCAL work_mem = {}").format(sql.Literal(f"{int(megabytes)}MB"))
            )
            self.control += 1

    def _end(self, word: str) -> None:
        if self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            self.conn.execute(word)
            self.control += 1

    def query(self, label: str, query: sql.Composable) -> tuple[list[str], list[tuple[Any, ...]]]:
        self.statements += 1
        self.log.append(label)
        # prepare=False: a long-lived worker connection runs many different plans; a cached plan
        # would outlive the schema drift the run is meant to detect.
        cur = self.conn.execute(query, prepare=False)  # type: ignore[call-overload]  # any Composable runs
        names = [d.name for d in cur.description or ()]
        return names, cur.fetchall()
