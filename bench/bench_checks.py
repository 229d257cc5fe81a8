"""Benchmark: the data-health check engine against hand-written SQL on 1,000,000 leads.

    .venv/bin/python bench/bench_checks.py [--rows 1000000] [--reload]

Builds (once; --reload to rebuild) the database ``mops_bench`` on the server of DATABASE_URL
(default postgres://postgres@127.0.0.1:5432) with 1,000,000 leads and 50,000 accounts, then
prints, side by side: the engine's full run (median of 3), the same checks as hand-written
SQL (one count(*) FILTER scan + one statement with the two duplicate GROUP BYs, median of 3),
the statement counts, and an incremental run over the last hour's rows (median of 5).
Statements are counted by the engine and confirmed on the server: with pg_stat_statements
when it is loaded, otherwise from the server log (log_statement = 'all' for this session only).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from governance import checkengine as ce  # noqa: E402  (path set above)
from governance.demo_warehouse import BENCH_SCHEMA, bench_leads_contract, bulk_load_leads  # noqa: E402

DB_NAME = "mops_bench"
LOGGED = re.compile(r"LOG:  (?:statement|execute [^:]+): (.*)")
SERVER_LOG = Path(os.environ.get("PG_SERVER_LOG", "/var/log/postgresql/postgresql-15-main.log"))
S = BENCH_SCHEMA
MEDIUMS = "('email','cpc','paid_social','organic_social','referral','display')"
STAGES = "('Lead','MQL','SQL','Opportunity','Customer')"

# The same checks, written by hand the way an analyst would: one FILTER scan with the reference
# tables joined, then one statement with a GROUP BY per duplicate key.
HAND_SCAN = f"""
SELECT count(*),
  count(*) FILTER (WHERE l.id IS NULL),
  count(*) FILTER (WHERE l.email IS NULL OR btrim(l.email) = ''),
  count(*) FILTER (WHERE l.company IS NULL OR btrim(l.company) = ''),
  count(*) FILTER (WHERE l.lifecycle_stage IS NULL OR btrim(l.lifecycle_stage) = ''),
  count(*) FILTER (WHERE l.created_at IS NULL),
  count(*) FILTER (WHERE l.updated_at IS NULL),
  count(*) FILTER (WHERE btrim(l.email) <> '' AND btrim(l.email) !~ '^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{{2,}}$'),
  count(*) FILTER (WHERE btrim(l.lifecycle_stage) <> '' AND l.lifecycle_stage NOT IN {STAGES}),
  count(*) FILTER (WHERE l.score < 0 OR l.score > 100),
  count(*) FILTER (WHERE btrim(l.country) <> '' AND l.country !~ '^[A-Z]{{2}}$'),
  count(*) FILTER (WHERE l.lifecycle_stage = 'SQL' AND l.sql_date IS NULL),
  count(*) FILTER (WHERE btrim(l.campaign_id) <> '' AND c.id IS NULL),
  count(*) FILTER (WHERE btrim(l.utm_medium) <> '' AND l.utm_medium NOT IN {MEDIUMS}),
  count(*) FILTER (WHERE l.account_id IS NOT NULL AND a.id IS NULL),
  count(*) FILTER (WHERE c.id IS NULL OR l.utm_medium IS NULL OR l.utm_medium NOT IN {MEDIUMS}),
  count(*) FILTER (WHERE l.updated_at < now() - interval '180 days'),
  max(l.updated_at)
FROM {S}.leads l
LEFT JOIN {S}.campaigns c ON c.id = l.campaign_id
LEFT JOIN {S}.accounts a ON a.id = l.account_id
"""

NORMALISED = """CASE WHEN lower(btrim(email)) ~ '@(gmail|googlemail)\\.com$'
  THEN replace(split_part(split_part(lower(btrim(email)), '@', 1), '+', 1), '.', '') || '@gmail.com'
  ELSE lower(btrim(email)) END"""

HAND_GROUPED = f"""
SELECT
  (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {S}.leads
     WHERE btrim(email) <> '' GROUP BY email HAVING count(*) > 1) d),
  (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {S}.leads
     WHERE btrim(email) <> '' GROUP BY {NORMALISED} HAVING count(*) > 1) d)
"""


def server_url(dbname: str) -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def ensure_database() -> None:
    with psycopg.connect(server_url("postgres"), autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def loaded_rows(conn: psycopg.Connection) -> int:
    if conn.execute("SELECT to_regclass(%s)", (f"{S}.leads",)).fetchone()[0] is None:
        return -1
    return conn.execute(f"SELECT count(*) FROM {S}.leads").fetchone()[0]


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def hand_written(conn: psycopg.Connection, timeout_ms: int) -> tuple[tuple, tuple]:
    """Same transaction settings as the engine, so the comparison is only about the SQL."""
    conn.execute(
        f"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = {timeout_ms};"
        " SET LOCAL work_mem = '64MB'"
    )
    try:
        scan = conn.execute(HAND_SCAN).fetchone()
        grouped = conn.execute(HAND_GROUPED).fetchone()
    finally:
        conn.execute("COMMIT")
    return scan, grouped


class ServerStatementCounter:
    """Counts statements the server saw from one backend: pg_stat_statements or the log."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.pid = conn.info.backend_pid
        preload = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
        self.method = None
        if "pg_stat_statements" in preload:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            self.method = "pg_stat_statements"
        elif SERVER_LOG.exists() and os.access(SERVER_LOG, os.R_OK):
            conn.execute("SET log_statement = 'all'")  # this session only (superuser)
            self.method = f"server log ({SERVER_LOG}, log_statement='all' for this session)"

    def __enter__(self) -> ServerStatementCounter:
        if self.method == "pg_stat_statements":
            self.before = self._pgss_calls()
        elif self.method:
            self.offset = SERVER_LOG.stat().st_size
        return self

    def __exit__(self, *exc: object) -> None:
        if self.method == "pg_stat_statements":
            self.count = self._pgss_calls() - self.before - 1  # minus the counting query itself
        elif self.method:
            for _ in range(25):  # the server may write the last line a moment later
                time.sleep(0.2)
                with SERVER_LOG.open("rb") as log:
                    log.seek(self.offset)
                    lines = log.read().decode(errors="replace").splitlines()
                # psycopg prepares a statement after 5 runs: it is then logged as "execute".
                found = (LOGGED.search(ln) for ln in lines if f"[{self.pid}]" in ln)
                self.statements = [m.group(1).strip() for m in found if m]
                if self.statements and self.statements[-1] in ("COMMIT", "ROLLBACK"):
                    break
            self.count = len(self.statements)
        else:
            self.count = None

    def _pgss_calls(self) -> int:
        return self.conn.execute(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements"
        ).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--timeout-ms", type=int, default=120_000)
    args = parser.parse_args()

    ensure_database()
    conn = psycopg.connect(server_url(DB_NAME), autocommit=True)
    if args.reload or loaded_rows(conn) != args.rows:
        start = time.perf_counter()
        bulk_load_leads(conn, args.rows, accounts=args.accounts)
        print(
            f"loaded {args.rows:,} leads + {args.accounts:,} accounts in {time.perf_counter() - start:.1f} s"
        )
    conn.execute(
        f"VACUUM ANALYZE {S}.leads"
    )  # visibility map + stats, as a nightly job leaves them

    spec = bench_leads_contract()
    result = ce.run_dataset(conn, spec, samples=False, timeout_ms=args.timeout_ms)
    checks = [c for c in result.checks if c.status != "skipped"]
    kinds = sorted({c.kind for c in checks})

    # Warm-up once each, then medians.
    hand_written(conn, args.timeout_ms)
    engine_ms, result = timed(
        lambda: ce.run_dataset(conn, spec, samples=False, timeout_ms=args.timeout_ms), 3
    )
    hand_ms, (hand_scan, hand_grouped) = timed(lambda: hand_written(conn, args.timeout_ms), 3)

    counter = ServerStatementCounter(conn)
    with counter:
        ce.run_dataset(conn, spec, samples=False, timeout_ms=args.timeout_ms)
    with ServerStatementCounter(conn) as hand_counter:
        hand_written(conn, args.timeout_ms)

    watermark = conn.execute("SELECT now() - interval '1 hour'").fetchone()[0]
    ce.run_dataset(conn, spec, mode="incremental", watermark=watermark, samples=False)
    inc_ms, inc = timed(
        lambda: ce.run_dataset(conn, spec, mode="incremental", watermark=watermark, samples=False),
        5,
    )
    with_samples = ce.run_dataset(conn, spec, samples=True, timeout_ms=args.timeout_ms)

    # The two approaches must agree before their times mean anything.
    agree = {
        "missing:email": hand_scan[2],
        "email:email": hand_scan[7],
        "allowed:lifecycle_stage": hand_scan[8],
        "range:score": hand_scan[9],
        "pattern:country": hand_scan[10],
        "rule:sql_needs_sql_date": hand_scan[11],
        "reference:campaign": hand_scan[12],
        "reference:medium": hand_scan[13],
        "reference:account": hand_scan[14],
        "coverage": hand_scan[15],
        "duplicates:email": hand_grouped[0],
        "duplicates_normalised:email": hand_grouped[1],
    }
    mismatches = {
        k: (result.check(k).count, v) for k, v in agree.items() if result.check(k).count != v
    }
    # Stale rows depend on now(): rows keep ageing past 180 days between the two runs.
    stale_drift = abs(result.check("stale_rows").count - hand_scan[16])

    pg_version = conn.execute("SHOW server_version").fetchone()[0]
    print()
    print(
        f"PostgreSQL {pg_version}; {args.rows:,} leads, {args.accounts:,} accounts; {len(checks)} checks ({', '.join(kinds)})"
    )
    print(f"{'':34}{'engine':>14}{'hand-written':>16}")
    print(
        f"{'full run, median of 3 (ms)':34}{engine_ms:>14.0f}{hand_ms:>16.0f}   ratio {engine_ms / hand_ms:.2f}x"
    )
    print(f"{'data statements (client count)':34}{result.statements:>14}{2:>16}")
    print(
        f"{'statements seen by the server':34}{counter.count!s:>14}{hand_counter.count!s:>16}"
        "   (incl. BEGIN…SET LOCAL and COMMIT)"
    )
    print(
        f"{'incremental, last hour (ms, med 5)':34}{inc_ms:>14.1f}{'':>16}   rows in scope {inc.rows_in_scope}, statements {inc.statements}"
    )
    print(
        f"full run with failing-row samples: {with_samples.duration_ms:.0f} ms, "
        f"{with_samples.sample_statements} sample statements for "
        f"{sum(c.status == 'fail' for c in with_samples.checks)} failing checks"
    )
    print(f"statement count confirmed via: {counter.method or 'not available'}")
    if getattr(counter, "statements", None):
        for text in counter.statements:
            print(f"   server saw: {text[:110]}{'…' if len(text) > 110 else ''}")
    print(
        f"engine and hand-written counts agree on {len(agree)} checks (stale rows differ by "
        f"{stale_drift:.0f}: rows that aged past 180 days between the runs)"
        if not mismatches
        else f"MISMATCH: {mismatches}"
    )
    print("scores:", result.scores)


if __name__ == "__main__":
    main()
