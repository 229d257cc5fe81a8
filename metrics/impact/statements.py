"""The SQL the impact figures run inside the warehouse (built with psycopg.sql), and the
one function that runs a period's statements on a connection it is given.

Three statements a period — rates by campaign and cohort, attribution, identity
confidence — plus the drill-down sample. The cohort list travels as array parameters
(`unnest`), so nothing but aggregates leaves the warehouse and a warehouse login needs
SELECT only (a read-only session cannot create temporary tables).

Rules a reader could not guess:
- An opportunity belongs to the period it was *created* in (rates, velocity, coverage);
  revenue belongs to the period a won opportunity *closed* in (attribution, ROI).
- A touch counts for an opportunity when it happened no later than the opportunity's close
  (any time while it is open) and names a campaign.
- First touch = earliest `touched_at`, last touch = latest; ties on time go to the campaign
  name that sorts first (then channel). Linear gives each counted touch amount ÷ touches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

COHORT_DIMENSIONS = ("within_sla", "template", "train")


@dataclass(frozen=True)
class Table:
    schema: str
    table: str
    columns: Mapping[str, str]  # role field → column
    indexed: frozenset[str] = frozenset()  # columns leading an index (introspected)

    @property
    def ident(self) -> sql.Composable:
        return sql.Identifier(self.schema, self.table)

    def col(self, alias: str, field: str) -> sql.Composable:
        return sql.Identifier(alias, self.columns[field])

    def is_indexed(self, field: str) -> bool:
        return self.columns.get(field, "") in self.indexed


def _touches_of(parent: str, touches: Table, until: str) -> sql.Composable:
    """The counted touches of each row of CTE `parent` (columns id, closed_at/`until`).

    With an index on the touches' opportunity column, a LATERAL lookup per opportunity of
    the period (an index probe each) beats hashing every touch ever recorded; without one,
    a plain join lets the planner hash."""
    t = touches
    condition = sql.SQL("{t_at} <= {until} AND nullif(btrim({t_campaign}), '') IS NOT NULL").format(
        t_at=t.col("t", "touched_at"),
        t_campaign=t.col("t", "campaign"),
        until=sql.SQL(until),
    )
    if t.is_indexed("opportunity_id"):
        return sql.SQL(
            "{parent} p CROSS JOIN LATERAL (SELECT t.* FROM {touches} t "
            "WHERE {t_opp} = p.id AND {condition}) t"
        ).format(
            parent=sql.Identifier(parent), touches=t.ident,
            t_opp=t.col("t", "opportunity_id"), condition=condition,
        )  # fmt: skip
    return sql.SQL("{parent} p JOIN {touches} t ON {t_opp} = p.id AND {condition}").format(
        parent=sql.Identifier(parent), touches=t.ident,
        t_opp=t.col("t", "opportunity_id"), condition=condition,
    )  # fmt: skip


def _names(o: Table, t: Table) -> dict[str, sql.Composable]:
    """The placeholders every statement uses: tables and mapped columns as identifiers
    (o_<field> on alias o, t_<field> on alias t)."""
    names: dict[str, sql.Composable] = {"opps": o.ident, "touches": t.ident}
    shorts = {"created_at": "created", "reached_sql_at": "sql", "closed_at": "closed",
              "opportunity_id": "opp", "touched_at": "at"}  # fmt: skip
    for alias, table in (("o", o), ("t", t)):
        for field in table.columns:
            names[f"{alias}_{shorts.get(field, field)}"] = table.col(alias, field)
    return names


_COHORT = sql.SQL(
    """cohort AS (
  SELECT DISTINCT ON (c.campaign) c.campaign, c.within_sla, c.template, c.train
  FROM unnest(%(campaigns)s::text[], %(within_sla)s::bool[], %(template)s::bool[],
              %(train)s::bool[]) AS c(campaign, within_sla, template, train)
  ORDER BY c.campaign, c.within_sla NULLS LAST
)"""
)


def rates_statement(opps: Table, touches: Table) -> sql.Composed:
    """Per campaign, per cohort value, all opportunities and the attributed ones: counts,
    pipeline, won amount and cycle days of the opportunities created in the period."""
    o, t = opps, touches
    dims = sql.SQL("\n  UNION ALL\n  ").join(
        sql.SQL(
            "SELECT DISTINCT {name} AS dimension, c.{dim}::text AS value, l.opp_id "
            "FROM link l JOIN cohort c USING (campaign) WHERE c.{dim} IS NOT NULL"
        ).format(name=sql.Literal(d), dim=sql.Identifier(d))
        for d in COHORT_DIMENSIONS
    )
    return sql.SQL(
        """WITH {cohort},
opp AS MATERIALIZED (
  SELECT {o_id} AS id, {o_created}::timestamptz AS created_at, {o_sql} AS sql_at,
         {o_closed}::timestamptz AS closed_at, coalesce({o_won}, false) AS won,
         coalesce({o_amount}, 0)::numeric AS amount
  FROM {opps} o
  WHERE {o_created} >= %(start)s AND {o_created} < %(end)s
),
link AS MATERIALIZED (
  SELECT DISTINCT p.id AS opp_id, {t_campaign} AS campaign
  FROM {touch_join}
),
grouped AS (
  SELECT 'campaign' AS dimension, l.campaign AS value, l.opp_id
  FROM link l JOIN cohort c USING (campaign)
  UNION ALL
  {dims}
  UNION ALL
  SELECT DISTINCT 'attributed', 'any', l.opp_id FROM link l
  UNION ALL
  SELECT 'all', 'all', opp.id FROM opp
)
SELECT g.dimension, g.value,
  count(*) AS opportunities,
  count(*) FILTER (WHERE o.sql_at IS NOT NULL) AS sqls,
  count(*) FILTER (WHERE o.closed_at IS NOT NULL) AS closed,
  count(*) FILTER (WHERE o.won AND o.closed_at IS NOT NULL) AS won,
  count(*) FILTER (WHERE o.closed_at IS NULL) AS open,
  coalesce(sum(o.amount), 0)::float8 AS pipeline,
  coalesce(sum(o.amount) FILTER (WHERE o.won AND o.closed_at IS NOT NULL), 0)::float8 AS won_amount,
  coalesce(sum(extract(epoch FROM o.closed_at - o.created_at) / 86400.0)
           FILTER (WHERE o.won AND o.closed_at IS NOT NULL), 0)::float8 AS cycle_days
FROM grouped g JOIN opp o ON o.id = g.opp_id
GROUP BY g.dimension, g.value
ORDER BY g.dimension, g.value"""
    ).format(
        **_names(o, t),
        cohort=_COHORT,
        dims=dims,
        touch_join=_touches_of("opp", t, "coalesce(p.closed_at, 'infinity')"),
    )


def attribution_statement(opps: Table, touches: Table) -> sql.Composed:
    """Revenue of the opportunities won in the period, credited to campaigns under
    first-touch, last-touch and linear; influenced revenue = amount of won opportunities
    with at least one counted touch. Rows: each cohort campaign, 'mops' (cohort campaigns
    together), 'all' (every campaign) and 'revenue' (all won revenue, touched or not)."""
    o, t = opps, touches
    return sql.SQL(
        """WITH cohort AS (SELECT DISTINCT c AS campaign FROM unnest(%(campaigns)s::text[]) AS c),
won AS MATERIALIZED (
  SELECT {o_id} AS id, coalesce({o_amount}, 0)::numeric AS amount, {o_closed}::timestamptz AS closed_at
  FROM {opps} o
  WHERE coalesce({o_won}, false) AND {o_closed} >= %(start)s AND {o_closed} < %(end)s
),
touch AS (
  SELECT p.id, p.amount, {t_campaign} AS campaign,
    row_number() OVER (PARTITION BY p.id ORDER BY {t_at} ASC, {t_campaign} ASC{channel_order}) AS first_rank,
    row_number() OVER (PARTITION BY p.id ORDER BY {t_at} DESC, {t_campaign} ASC{channel_order}) AS last_rank,
    count(*) OVER (PARTITION BY p.id) AS n
  FROM {touch_join}
),
pair AS (
  SELECT t.campaign, t.id, max(t.amount) AS amount,
    sum(CASE WHEN t.first_rank = 1 THEN t.amount ELSE 0 END) AS first_touch,
    sum(CASE WHEN t.last_rank = 1 THEN t.amount ELSE 0 END) AS last_touch,
    sum(t.amount / t.n) AS linear,
    EXISTS (SELECT 1 FROM cohort c WHERE c.campaign = t.campaign) AS mops
  FROM touch t GROUP BY t.campaign, t.id
),
per_opp AS (
  SELECT p.id, max(p.amount) AS amount, bool_or(p.mops) AS mops,
    sum(p.first_touch) FILTER (WHERE p.mops) AS mops_first,
    sum(p.last_touch) FILTER (WHERE p.mops) AS mops_last,
    sum(p.linear) FILTER (WHERE p.mops) AS mops_linear,
    sum(p.first_touch) AS first_touch, sum(p.last_touch) AS last_touch, sum(p.linear) AS linear
  FROM pair p GROUP BY p.id
)
SELECT 'campaign' AS scope, p.campaign, count(*) AS opportunities,
  sum(p.amount)::float8 AS influenced, sum(p.first_touch)::float8 AS first_touch,
  sum(p.last_touch)::float8 AS last_touch, sum(p.linear)::float8 AS linear
FROM pair p WHERE p.mops GROUP BY p.campaign
UNION ALL
SELECT 'mops', '', count(*), coalesce(sum(amount), 0)::float8, coalesce(sum(mops_first), 0)::float8,
  coalesce(sum(mops_last), 0)::float8, coalesce(sum(mops_linear), 0)::float8
FROM per_opp WHERE mops
UNION ALL
SELECT 'all', '', count(*), coalesce(sum(amount), 0)::float8, coalesce(sum(first_touch), 0)::float8,
  coalesce(sum(last_touch), 0)::float8, coalesce(sum(linear), 0)::float8
FROM per_opp
UNION ALL
SELECT 'revenue', '', count(*), coalesce(sum(amount), 0)::float8, NULL, NULL, NULL FROM won
ORDER BY 1, 2"""
    ).format(
        **_names(o, t),
        touch_join=_touches_of("won", t, "p.closed_at"),
        channel_order=(
            sql.SQL(", {} ASC").format(t.col("t", "channel"))
            if t.columns.get("channel")
            else sql.SQL("")
        ),
    )


def identities_statement(identities: Table) -> sql.Composed:
    """Identities counted, and those whose match confidence reaches the threshold."""
    return sql.SQL(
        "SELECT count(*) AS identities, "
        "count(*) FILTER (WHERE {conf} >= %(threshold)s) AS confident FROM {table} i"
    ).format(conf=identities.col("i", "match_confidence"), table=identities.ident)


def sample_statement(opps: Table, touches: Table) -> sql.Composed:
    """Up to %(limit)s opportunities created in the period and touched by any of
    %(campaigns)s (newest first), with the campaigns that touched each."""
    o, t = opps, touches
    return sql.SQL(
        """SELECT {o_id}::text, {o_created}::timestamptz, {o_stage}::text, {o_amount}::float8,
  {o_sql}::timestamptz, {o_closed}::timestamptz, {o_won},
  (SELECT string_agg(DISTINCT {t_campaign}, ', ') FROM {touches} t
    WHERE {t_opp} = {o_id} AND {t_campaign} = ANY(%(campaigns)s::text[])) AS campaigns
FROM {opps} o
WHERE {o_created} >= %(start)s AND {o_created} < %(end)s
  AND EXISTS (SELECT 1 FROM {touches} t WHERE {t_opp} = {o_id}
              AND {t_campaign} = ANY(%(campaigns)s::text[])
              AND {t_at} <= coalesce({o_closed}::timestamptz, 'infinity'))
ORDER BY {o_created} DESC, {o_id}
LIMIT %(limit)s"""
    ).format(**_names(o, t))


def read_period(
    conn: psycopg.Connection, rates: Any, attribution: Any, params: dict[str, Any]
) -> tuple[list[tuple[Any, ...]], list[str], list[tuple[Any, ...]]]:
    """Run a period's rates and attribution statements in one read-only repeatable-read
    transaction (both see the same warehouse state): rate rows, their column names,
    attribution rows.

    JIT is off for the transaction: the planner's estimate for the per-cohort regrouping is
    far above the real row count, so PostgreSQL would spend ~2.5 s compiling ~100 functions
    for a statement that runs in ~4 s without them (measured at 1M opportunities / 10M
    touches, docs/benchmarks.md)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        conn.execute("SET LOCAL jit = off")
        cur = conn.execute(rates, params)
        rate_rows = cur.fetchall()
        rate_columns = [d.name for d in cur.description or ()]
        attribution_rows = conn.execute(attribution, params).fetchall()
    return rate_rows, rate_columns, attribution_rows
