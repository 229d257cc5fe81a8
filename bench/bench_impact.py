"""Benchmark: one month's business-impact snapshot on 1,000,000 opportunities and
10,000,000 campaign touches, against a hand-written SQL equivalent.

    .venv/bin/python bench/bench_impact.py [--opportunities 1000000] [--touches-per 10] [--rounds 3]

Builds schema ``bench_impact`` in the database of DATABASE_URL with generate_series
(opportunities over 12 months, ~10 touches each over 200 campaigns, 150 of them launched by
MOPS with SLA / template / train flags), runs, alternating each round (medians):

- snapshot: what `metrics.impact.services.snapshot_compute` runs in the warehouse — the
  rates and attribution statements of `metrics.impact.statements` in one read-only
  repeatable-read transaction, the cohort list as array parameters — plus the pure
  assembly of the figures (`metrics.impact.figures`);
- hand: the same figures written by hand (VALUES cohort list, index lookups of each
  opportunity's touches, DISTINCT ON for first and last touch, a per-opportunity touch
  count for linear).

Totals of both must agree before the times mean anything. Drops the schema at the end.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from metrics.impact import figures  # noqa: E402  (path set above)
from metrics.impact.statements import (  # noqa: E402  (path set above)
    Table,
    attribution_statement,
    rates_statement,
    read_period,
)

S = "bench_impact"
MONTH = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))

BUILD = f"""
DROP SCHEMA IF EXISTS {S} CASCADE;
CREATE SCHEMA {S};
CREATE TABLE {S}.opportunities (id bigint PRIMARY KEY, created_at timestamptz NOT NULL,
  reached_sql_at timestamptz, stage text NOT NULL, amount numeric(12, 2), closed_at timestamptz,
  won boolean NOT NULL);
INSERT INTO {S}.opportunities
SELECT i, timestamptz '2025-07-01' + make_interval(secs => (i * %(spacing)s)::float8),
  CASE WHEN (i * 13) %% 100 < 50 THEN timestamptz '2025-07-01' + make_interval(secs => (i * %(spacing)s)::float8 + 86400 * 5) END,
  'stage', 1000 + (i * 37) %% 50000,
  CASE WHEN (i * 17) %% 100 < 70 THEN timestamptz '2025-07-01' + make_interval(secs => (i * %(spacing)s)::float8 + 86400 * (10 + i %% 60)) END,
  (i * 17) %% 100 < 70 AND (i * 19) %% 100 < 35
FROM generate_series(1, %(n)s) AS i;
CREATE TABLE {S}.touches (opportunity_id bigint NOT NULL, campaign text NOT NULL,
  touched_at timestamptz NOT NULL, channel text NOT NULL);
INSERT INTO {S}.touches
SELECT 1 + (j %% %(n)s), 'campaign-' || ((j * 7) %% 200),
  timestamptz '2025-07-01' + make_interval(secs => ((1 + (j %% %(n)s)) * %(spacing)s - 86400 * 3 + (j / %(n)s) * 3600)::float8),
  (ARRAY['email','cpc','paid_social','webinar'])[1 + j %% 4]
FROM generate_series(0, %(touches)s - 1) AS j;
CREATE INDEX ON {S}.opportunities (created_at);
CREATE INDEX ON {S}.opportunities (closed_at);
CREATE INDEX ON {S}.touches (opportunity_id);
ANALYZE {S}.opportunities; ANALYZE {S}.touches;
"""

OPPS = Table(S, "opportunities", {
    "id": "id", "created_at": "created_at", "reached_sql_at": "reached_sql_at", "stage": "stage",
    "amount": "amount", "closed_at": "closed_at", "won": "won",
})  # fmt: skip
TOUCHES = Table(
    S,
    "touches",
    {
        "opportunity_id": "opportunity_id",
        "campaign": "campaign",
        "touched_at": "touched_at",
        "channel": "channel",
    },
    indexed=frozenset({"opportunity_id"}),
)  # fmt: skip  (as introspected: the index below)

HAND_RATES = f"""
WITH c(campaign, within_sla, template, train) AS (SELECT * FROM (VALUES {{values}}) v),
o AS MATERIALIZED (SELECT * FROM {S}.opportunities WHERE created_at >= %(start)s AND created_at < %(end)s),
l AS MATERIALIZED (SELECT DISTINCT o.id, t.campaign FROM o CROSS JOIN LATERAL (
  SELECT campaign FROM {S}.touches t WHERE t.opportunity_id = o.id
  AND t.touched_at <= coalesce(o.closed_at, 'infinity')) t),
per AS (
  SELECT 'campaign' d, l.campaign v, l.id FROM l JOIN c USING (campaign)
  UNION ALL SELECT DISTINCT 'within_sla', c.within_sla::text, l.id FROM l JOIN c USING (campaign)
  UNION ALL SELECT DISTINCT 'template', c.template::text, l.id FROM l JOIN c USING (campaign)
  UNION ALL SELECT DISTINCT 'train', c.train::text, l.id FROM l JOIN c USING (campaign)
  UNION ALL SELECT DISTINCT 'attributed', 'any', l.id FROM l
  UNION ALL SELECT 'all', 'all', o.id FROM o)
SELECT d, v, count(*), count(o.reached_sql_at), count(o.closed_at),
  count(*) FILTER (WHERE o.won AND o.closed_at IS NOT NULL), count(*) FILTER (WHERE o.closed_at IS NULL),
  sum(o.amount)::float8, coalesce(sum(o.amount) FILTER (WHERE o.won AND o.closed_at IS NOT NULL), 0)::float8,
  coalesce(sum(extract(epoch FROM o.closed_at - o.created_at) / 86400.0) FILTER (WHERE o.won AND o.closed_at IS NOT NULL), 0)::float8
FROM per JOIN o USING (id) GROUP BY d, v
"""

HAND_ATTRIBUTION = f"""
WITH w AS MATERIALIZED (SELECT id, amount, closed_at FROM {S}.opportunities
  WHERE won AND closed_at >= %(start)s AND closed_at < %(end)s),
t AS MATERIALIZED (SELECT w.id, w.amount, t.campaign, t.touched_at FROM w CROSS JOIN LATERAL (
  SELECT campaign, touched_at FROM {S}.touches t WHERE t.opportunity_id = w.id
  AND t.touched_at <= w.closed_at) t),
f AS (SELECT DISTINCT ON (id) id, campaign, amount FROM t ORDER BY id, touched_at, campaign),
la AS (SELECT DISTINCT ON (id) id, campaign, amount FROM t ORDER BY id, touched_at DESC, campaign),
n AS (SELECT id, count(*) AS n FROM t GROUP BY id)
SELECT (SELECT sum(amount) FROM f)::float8, (SELECT sum(amount) FROM la)::float8,
  (SELECT sum(t.amount / n.n) FROM t JOIN n USING (id))::float8,
  (SELECT sum(amount) FROM f WHERE campaign = ANY(%(campaigns)s))::float8,
  (SELECT sum(amount) FROM la WHERE campaign = ANY(%(campaigns)s))::float8,
  (SELECT sum(t.amount / n.n) FROM t JOIN n USING (id) WHERE campaign = ANY(%(campaigns)s))::float8
"""


def cohort() -> dict[str, list]:
    names = [f"campaign-{k}" for k in range(150)]
    return {
        "campaigns": names,
        "within_sla": [k % 3 != 0 for k in range(150)],
        "template": [k % 2 == 0 for k in range(150)],
        "train": [k % 5 != 0 for k in range(150)],
    }


def snapshot(conn: psycopg.Connection, params: dict) -> tuple[dict, dict]:
    launches = [{"campaign": c} for c in params["campaigns"]]
    rows, columns, attribution = read_period(
        conn, rates_statement(OPPS, TOUCHES), attribution_statement(OPPS, TOUCHES), params
    )
    return figures.rate_figures(rows, columns, launches), figures.attribution_figures(
        attribution, 1.0, "linear"
    )


def hand(conn: psycopg.Connection, params: dict) -> tuple[list, tuple]:
    values = ", ".join(
        f"('{c}', {str(w).lower()}, {str(t).lower()}, {str(r).lower()})"
        for c, w, t, r in zip(
            params["campaigns"],
            params["within_sla"],
            params["template"],
            params["train"],
            strict=True,
        )
    )
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute("SET LOCAL jit = off")  # as the snapshot does: a fair comparison
        rates = conn.execute(HAND_RATES.replace("{values}", values), params).fetchall()
        attribution = conn.execute(HAND_ATTRIBUTION, params).fetchone()
    return rates, attribution


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--touches-per", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the schema (for EXPLAIN)")
    parser.add_argument("--reuse", action="store_true", help="use the kept schema")
    args = parser.parse_args()
    dsn = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    n, touches = args.opportunities, args.opportunities * args.touches_per
    with psycopg.connect(dsn, autocommit=True) as conn:
        started = time.perf_counter()
        if args.reuse:
            print("reusing the kept schema")
        else:
            with conn.transaction():
                psycopg.ClientCursor(conn).execute(
                    BUILD, {"n": n, "touches": touches, "spacing": 31_536_000 / n}
                )
            took = time.perf_counter() - started
            print(f"built {n:,} opportunities and {touches:,} touches in {took:.1f} s")
        try:
            conn.execute("SET work_mem = '64MB'")
            params = {"start": MONTH[0], "end": MONTH[1], **cohort()}
            ours, theirs = [], []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                rates, attribution = snapshot(conn, params)
                ours.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                hand_rates, hand_attribution = hand(conn, params)
                theirs.append(time.perf_counter() - t0)
            everything = next(r for r in hand_rates if r[0] == "all")
            assert rates["all"]["opportunities"] == everything[2], (rates["all"], everything)
            covered = next(r for r in hand_rates if r[0] == "attributed")
            assert rates["attributed"]["pipeline"] == covered[7]
            a = attribution
            mine = (a["all"]["first_touch"], a["all"]["last_touch"], a["all"]["linear"],
                    a["mops"]["first_touch"], a["mops"]["last_touch"], a["mops"]["linear"])  # fmt: skip
            for x, y in zip(mine, hand_attribution, strict=True):
                assert abs(x - (y or 0)) <= 1e-6 * max(1.0, abs(x)), (mine, hand_attribution)
            snap, ref = statistics.median(ours), statistics.median(theirs)
            print(f"month of {rates['all']['opportunities']:,} opportunities, "
                  f"{attribution['won_opportunities']:,} won, coverage {rates['coverage']:.1f}%")  # fmt: skip
            print(
                f"snapshot (statements + figures): {snap:.2f} s  (rounds: {', '.join(f'{x:.2f}' for x in ours)})"
            )
            print(
                f"hand-written SQL:                {ref:.2f} s  (rounds: {', '.join(f'{x:.2f}' for x in theirs)})"
            )
            print(f"RESULT snapshot {snap:.2f} s, hand {ref:.2f} s, ratio {snap / ref:.2f} "
                  f"(targets: ≤ 10 s, ≤ 1.5)")  # fmt: skip
        finally:
            if not args.keep:
                conn.execute(f"DROP SCHEMA IF EXISTS {S} CASCADE")


if __name__ == "__main__":
    main()
