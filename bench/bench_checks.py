"""Benchmark: the data-health check engine against hand-written SQL on 1,000,000 leads.

    .venv/bin/python bench/bench_checks.py [--rows 1000000] [--rounds 3] [--reload]

Builds (once; --reload to rebuild) the database ``mops_bench`` (BENCH_DB names another) on the server of DATABASE_URL
(default postgres://postgres@127.0.0.1:5432) with 1,000,000 leads and 50,000 accounts, plants
extra faults (tab- and case-variant e-mails of other rows, blank e-mails, a stale newest row)
and sets the contract's thresholds so that every row-level check kind fails (nulls, formats,
allowed values, ranges, a cross-field rule, three references, coverage, freshness, stale rows,
exact and normalised duplicates). Then, alternating in every round (≥ 3 rounds, medians):

- hand: the same checks hand-written (one count(*) FILTER scan + one statement with the two
  duplicate GROUP BYs), in a transaction with the engine's settings (work_mem included);
- engine: ``run_dataset(samples=False)``;
- stored: what a schedule, page or API run does on the warehouse: the engine with failing-row
  samples, then its results written (one row per check, JSON) to a scratch table;
- incremental: the stored run over the last hour before the newest row.

Counts of the engine and the hand-written SQL must agree before the times mean anything.
Statements of the stored run are counted by the engine and confirmed on the server (with
pg_stat_statements when loaded, otherwise from the server log). The last line is the RESULT.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

import psycopg
import scratchdb  # also puts the project on sys.path
from psycopg import sql

from governance.health import checks as ce
from governance.health.contracts.spec import Threshold
from governance.health.demo_warehouse import (
    BENCH_SCHEMA,
    bench_leads_contract,
    bulk_load_leads,
)

DB_NAME = scratchdb.database_name("mops_bench")
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
  count(*) FILTER (WHERE l.email IS NULL OR btrim(l.email, E' \\t\\r\\n') = ''),
  count(*) FILTER (WHERE l.company IS NULL OR btrim(l.company, E' \\t\\r\\n') = ''),
  count(*) FILTER (WHERE l.lifecycle_stage IS NULL OR btrim(l.lifecycle_stage, E' \\t\\r\\n') = ''),
  count(*) FILTER (WHERE l.created_at IS NULL),
  count(*) FILTER (WHERE l.updated_at IS NULL),
  count(*) FILTER (WHERE btrim(l.email, E' \\t\\r\\n') <> '' AND btrim(l.email, E' \\t\\r\\n') !~ '^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{{2,}}$'),
  count(*) FILTER (WHERE btrim(l.lifecycle_stage, E' \\t\\r\\n') <> '' AND l.lifecycle_stage NOT IN {STAGES}),
  count(*) FILTER (WHERE l.score < 0 OR l.score > 100),
  count(*) FILTER (WHERE btrim(l.country, E' \\t\\r\\n') <> '' AND l.country !~ '^[A-Z]{{2}}$'),
  count(*) FILTER (WHERE l.lifecycle_stage = 'SQL' AND l.sql_date IS NULL),
  count(*) FILTER (WHERE btrim(l.campaign_id, E' \\t\\r\\n') <> '' AND c.id IS NULL),
  count(*) FILTER (WHERE btrim(l.utm_medium, E' \\t\\r\\n') <> '' AND l.utm_medium NOT IN {MEDIUMS}),
  count(*) FILTER (WHERE l.account_id IS NOT NULL AND a.id IS NULL),
  count(*) FILTER (WHERE c.id IS NULL OR l.utm_medium IS NULL OR l.utm_medium NOT IN {MEDIUMS}),
  count(*) FILTER (WHERE l.updated_at < now() - interval '180 days'),
  max(l.updated_at)
FROM {S}.leads l
LEFT JOIN {S}.campaigns c ON c.id = l.campaign_id
LEFT JOIN {S}.accounts a ON a.id = l.account_id
"""

NORMALISED = """CASE WHEN lower(btrim(email, E' \\t\\r\\n')) ~ '@(gmail|googlemail)\\.com$'
  THEN replace(split_part(split_part(lower(btrim(email, E' \\t\\r\\n')), '@', 1), '+', 1), '.', '') || '@gmail.com'
  ELSE lower(btrim(email, E' \\t\\r\\n')) END"""

HAND_GROUPED = f"""
SELECT
  (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {S}.leads
     WHERE btrim(email, E' \\t\\r\\n') <> '' GROUP BY email HAVING count(*) > 1) d),
  (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {S}.leads
     WHERE btrim(email, E' \\t\\r\\n') <> '' GROUP BY {NORMALISED} HAVING count(*) > 1) d)
"""


def ensure_database() -> None:
    with psycopg.connect(scratchdb.server_url("postgres"), autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)
        ).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def loaded_rows(conn: psycopg.Connection) -> int:
    if conn.execute("SELECT to_regclass(%s)", (f"{S}.leads",)).fetchone()[0] is None:
        return -1
    return conn.execute(f"SELECT count(*) FROM {S}.leads").fetchone()[0]


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


# Faults on top of bulk_load_leads: tab- and case-variant copies of the previous row's e-mail
# (normalised duplicates that are not exact ones), blank e-mails of spaces and tabs, and the
# newest 36 hours moved back, so that freshness fails a 24 h SLO.
PLANT = f"""
UPDATE {S}.leads l SET email = E'\\t' || upper(p.email)
  FROM {S}.leads p WHERE p.id = l.id - 1 AND l.id % 89 = 4 AND p.email LIKE '%@%.%';
UPDATE {S}.leads l SET email = upper(p.email) || ' '
  FROM {S}.leads p WHERE p.id = l.id - 1 AND l.id % 89 = 40 AND p.email LIKE '%@%.%';
UPDATE {S}.leads SET email = E' \\t ' WHERE id % 263 = 6;
UPDATE {S}.leads SET updated_at = updated_at - interval '36 hours'
  WHERE updated_at > now() - interval '36 hours';
"""


def bench_contract():
    """The bench contract with thresholds low enough that every planted fault fails."""
    spec = bench_leads_contract()
    plan = ce.compile_checks(spec, {f.name: "text" for f in spec.fields})
    strict = {
        c.key: Threshold(warn=0, fail=0.05)
        for c in plan.checks
        if c.kind not in ("freshness", "volume", "custom") and not c.kind.startswith("schema")
    }
    return dataclasses.replace(spec, thresholds={**strict, **spec.thresholds})


def hand_written(conn: psycopg.Connection, timeout_ms: int, work_mem_mb: int) -> tuple:
    """Same transaction settings as the engine (work_mem too): the comparison is the SQL."""
    conn.execute(
        f"BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = {timeout_ms};"
        f" SET LOCAL work_mem = '{work_mem_mb}MB'"
    )
    try:
        scan = conn.execute(HAND_SCAN).fetchone()
        grouped = conn.execute(HAND_GROUPED).fetchone()
    finally:
        conn.execute("COMMIT")
    return scan, grouped


def stored_run(conn, store, spec, timeout_ms, **kw):
    """The engine with samples, then its results written as a schedule's run writes them."""
    result = ce.run_dataset(conn, spec, samples=True, timeout_ms=timeout_ms, **kw)
    with store.transaction():
        store.execute("DELETE FROM bench_results")  # TRUNCATE would take an exclusive lock
        with store.cursor() as cur:
            cur.executemany(
                "INSERT INTO bench_results (key, body) VALUES (%s, %s)",
                [(c.key, json.dumps(dataclasses.asdict(c), default=str)) for c in result.checks],
            )
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--timeout-ms", type=int, default=300_000)
    return parser.parse_args()


def setup(args: argparse.Namespace) -> tuple[psycopg.Connection, psycopg.Connection]:
    """The leads loaded with the planted faults (unless already there at this size), and a
    second connection with the scratch results table; returns (warehouse, store)."""
    ensure_database()
    conn = psycopg.connect(scratchdb.server_url(DB_NAME), autocommit=True)
    if args.reload or loaded_rows(conn) != args.rows:
        start = time.perf_counter()
        bulk_load_leads(conn, args.rows, accounts=args.accounts)
        with conn.transaction():
            conn.execute(PLANT)
        conn.execute(f"VACUUM ANALYZE {S}.leads")  # visibility map + stats, as a nightly job
        print(
            f"loaded {args.rows:,} leads + {args.accounts:,} accounts in {time.perf_counter() - start:.1f} s"
        )
    store = psycopg.connect(scratchdb.server_url(DB_NAME), autocommit=True)
    store.execute("CREATE TABLE IF NOT EXISTS public.bench_results (key text, body jsonb)")
    return conn, store


@dataclasses.dataclass
class Measured:
    """What the rounds measured: per variant the times (ms) and its last result."""

    work_mem: int
    times: dict[str, list[float]]
    last: dict[str, Any]

    @property
    def median(self) -> dict[str, float]:
        return {name: statistics.median(v) for name, v in self.times.items()}


def measure(
    conn: psycopg.Connection, store: psycopg.Connection, spec: Any, args: argparse.Namespace
) -> Measured:
    """A warm-up of each variant, then `args.rounds` rounds running them in turn (a line
    each)."""
    table = ce.introspect(conn, ce.relations_of(spec))[(S, "leads")]
    work_mem = ce.run_work_mem_mb(table, "full")
    newest = conn.execute(f"SELECT max(updated_at) FROM {S}.leads").fetchone()[0]
    watermark = conn.execute("SELECT %s::timestamptz - interval '1 hour'", (newest,)).fetchone()[0]
    t = args.timeout_ms

    variants = {
        "hand": lambda: hand_written(conn, t, work_mem),
        "engine": lambda: ce.run_dataset(conn, spec, samples=False, timeout_ms=t),
        "stored": lambda: stored_run(conn, store, spec, t),
        "incremental": lambda: stored_run(
            conn, store, spec, t, mode="incremental", watermark=watermark
        ),
    }
    for fn in variants.values():  # warm-up: caches, and psycopg's first-use costs
        fn()
    times: dict[str, list[float]] = {name: [] for name in variants}
    last: dict[str, object] = {}
    for round_no in range(args.rounds):
        load = os.getloadavg()[0]
        line = []
        for name, fn in variants.items():
            start = time.perf_counter()
            last[name] = fn()
            times[name].append((time.perf_counter() - start) * 1000)
            line.append(f"{name} {times[name][-1]:.0f} ms")
        print(f"round {round_no + 1} (load {load:.2f}): " + ", ".join(line))
    return Measured(work_mem=work_mem, times=times, last=last)


def disagreements(result: Any, hand_scan: tuple, hand_grouped: tuple) -> tuple[dict, dict, float]:
    """The checks whose engine count differs from the hand-written one (the two approaches
    must agree before their times mean anything); returns (compared, mismatches, stale-row
    drift)."""
    agree = {
        "missing:email": hand_scan[2],
        "missing:company": hand_scan[3],
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
    stale_drift = abs(result.check("stale_rows").count - hand_scan[16])
    return agree, mismatches, stale_drift


def print_results(
    conn: psycopg.Connection,
    args: argparse.Namespace,
    measured: Measured,
    counter: ServerStatementCounter,
    confirmed: Any,
) -> None:
    med = measured.median
    last = measured.last
    result, stored, inc = last["engine"], last["stored"], last["incremental"]
    hand_scan, hand_grouped = last["hand"]
    agree, mismatches, stale_drift = disagreements(result, hand_scan, hand_grouped)
    failing = [c for c in stored.checks if c.status == "fail"]
    kinds = sorted({c.kind for c in failing})
    statements = stored.statements + stored.sample_statements

    pg_version = conn.execute("SHOW server_version").fetchone()[0]
    print()
    print(
        f"PostgreSQL {pg_version}; {args.rows:,} leads; work_mem for the run {measured.work_mem} MB"
    )
    print(f"{len(failing)} failing checks, kinds: {', '.join(kinds)}")
    print(f"without samples: {[c.key for c in failing if not c.sample]}")
    for name in measured.times:
        print(
            f"  {name:12} median {med[name]:>9.1f} ms   rounds {[round(x) for x in measured.times[name]]}"
        )
    print(
        f"stored run statements: {stored.statements} data + {stored.sample_statements} samples "
        f"({', '.join(stored.statement_log)}); server saw {counter.count} "
        f"via {counter.method or 'not available'} (incl. BEGIN…SET and COMMIT); engine said "
        f"{confirmed.statements + confirmed.sample_statements} data + {confirmed.control_statements} control"
    )
    print(
        f"incremental: rows in scope {inc.rows_in_scope}, statements {inc.statements + inc.sample_statements}"
    )
    print(
        f"engine and hand-written counts agree on {len(agree)} checks (stale rows differ by "
        f"{stale_drift:.0f}: rows that aged past 180 days between the runs)"
        if not mismatches
        else f"MISMATCH: {mismatches}"
    )
    print(
        f"RESULT engine_vs_hand={med['engine'] / med['hand']:.2f} "
        f"stored_vs_engine={med['stored'] / med['engine']:.2f} "
        f"stored_vs_hand={med['stored'] / med['hand']:.2f} "
        f"incremental_ms={round(med['incremental'])} statements={statements} "
        f"failing_checks={len(failing)} rows={args.rows}"
    )


def main() -> None:
    args = parse_args()
    conn, store = setup(args)
    spec = bench_contract()
    measured = measure(conn, store, spec, args)
    with ServerStatementCounter(conn) as counter:
        confirmed = ce.run_dataset(conn, spec, samples=True, timeout_ms=args.timeout_ms)
    print_results(conn, args, measured, counter, confirmed)


if __name__ == "__main__":
    main()
