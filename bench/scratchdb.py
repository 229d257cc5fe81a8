"""What every benchmark shares: its scratch database on the dev server, the Django settings it
runs with, and the timing arithmetic.

A benchmark calls `use(default_name)` before importing Django; the name can be overridden
with BENCH_DB (so a run never touches another engineer's database). `recreate`/`drop` work
on the server of DATABASE_URL through its `postgres` database.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The server, as given before `use` points DATABASE_URL at the scratch database.
BASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mops")

# Production-like settings, except what a test client and a plain-HTTP loopback need.
SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "mops.settings",
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "DEBUG": "0",  # DEBUG would keep every query in memory
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "HTTPS": "0",
    "STATIC_MANIFEST": "0",
}


def server_url(dbname: str) -> str:
    """DATABASE_URL's server with another database."""
    parts = urlsplit(BASE_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def database_name(default_name: str) -> str:
    """The benchmark's database: BENCH_DB, or its own default."""
    return os.environ.get("BENCH_DB", default_name)


def use(default_name: str, **settings: str) -> str:
    """Point DATABASE_URL at the benchmark's database (BENCH_DB names another) and default
    the settings (`settings` overrides `SETTINGS` for this benchmark); returns the name."""
    name = database_name(default_name)
    os.environ["DATABASE_URL"] = server_url(name)
    for key, value in (SETTINGS | settings).items():
        os.environ.setdefault(key, value)
    return name


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate(name: str) -> None:
    """Drop the database (closing its sessions) and create it empty."""
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")


def drop(name: str) -> None:
    """Drop the database, closing its sessions (Django's first)."""
    from django.db import connections

    connections.close_all()
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def new_york_calendar(*, actor: Any, name: str, slug: str) -> Any:
    """A business calendar through the catalog's service: New York, weekdays 09:00–17:00,
    US holidays."""
    from catalog.services import calendar_create

    return calendar_create(
        actor=actor,
        name=name,
        slug=slug,
        time_zone="America/New_York",
        working_hours={str(d): [["09:00", "17:00"]] for d in range(5)},
        holiday_regions=["US"],
    )


def median_p95(samples: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (the sample at rank ⌊0.95 n⌋)."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def calibration_seconds(connection: Any) -> float:
    """How long the database takes to count 5,000,000 generated rows: the machine's speed
    and load, printed beside the figures."""
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT count(*) FROM generate_series(1, 5000000)")
        return time.perf_counter() - started
