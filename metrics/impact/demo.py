"""Demo data for business impact: twelve months of opportunities, campaign touches and
identities in the demo warehouse, tied to the campaigns of the demo's live requests, with a
planted lift — opportunities touched by campaigns launched within SLA reach SQL and win more
often — then datasets, contracts, role mappings, team cost and the snapshots.

Built in SQL with generate_series and modular arithmetic (no random()): the same data every
time. Idempotent: tables are rebuilt, registrations are made once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import psycopg
from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import timezone
from psycopg import sql

from governance.health.contracts.spec import (
    ContractSpec,
    FieldSpec,
)
from governance.health.demo import demo_warehouse_names
from governance.health.demo_warehouse import SCHEMA
from governance.health.services import (
    RunInProgress,
    app_database_conninfo,
    contract_save,
    dataset_run_checks,
    dataset_save,
)

from .. import periods
from . import cohorts
from .models import DatasetRole, TeamCost
from .warehouse import CheckRun, Dataset, Warehouse

OPPORTUNITIES = 6000
MONTHLY_TEAM_COST = Decimal("42000")

_BUILD = """
SET LOCAL search_path = {schema};
DROP TABLE IF EXISTS impact_touches, impact_opportunities, impact_identities;
CREATE TABLE impact_opportunities (id bigint PRIMARY KEY, name text NOT NULL,
  created_at timestamptz NOT NULL, reached_sql_at timestamptz, stage text NOT NULL,
  amount numeric(12, 2) NOT NULL, closed_at timestamptz, won boolean NOT NULL DEFAULT false);
CREATE TABLE impact_touches (id bigserial PRIMARY KEY, opportunity_id bigint NOT NULL,
  campaign text NOT NULL, touched_at timestamptz NOT NULL, channel text NOT NULL);
CREATE TABLE impact_identities (id bigint PRIMARY KEY, email text, match_confidence numeric(4, 3) NOT NULL);
-- campaign k of the list; `good` says whether it launched within SLA
CREATE TEMP TABLE demo_campaign ON COMMIT DROP AS
  SELECT (k - 1) AS k, name, good FROM unnest(%(names)s::text[], %(good)s::bool[])
  WITH ORDINALITY AS c(name, good, k);
WITH base AS (
  SELECT i, now() - make_interval(days => (i * 7919) %% 365, hours => i %% 24) AS created_at,
         (i * 7) %% (SELECT count(*) FROM demo_campaign) AS k
  FROM generate_series(1, %(n)s) AS i
), scored AS (
  SELECT b.*, c.good, c.name,
    ((i * 13) %% 100) < CASE WHEN c.good THEN 62 ELSE 40 END AS is_sql,
    created_at < now() - interval '30 days' AND ((i * 17) %% 100) < 75 AS is_closed,
    ((i * 19) %% 100) < CASE WHEN c.good THEN 48 ELSE 26 END AS wins
  FROM base b JOIN demo_campaign c USING (k)
)
INSERT INTO impact_opportunities
SELECT i, 'Opportunity ' || i, created_at,
  CASE WHEN is_sql THEN created_at + interval '6 days' END,
  CASE WHEN is_closed AND wins AND is_sql THEN 'Closed Won' WHEN is_closed THEN 'Closed Lost'
       WHEN is_sql THEN 'Proposal' ELSE 'Discovery' END,
  5000 + ((i * 37) %% 20) * 1000,
  CASE WHEN is_closed THEN created_at + make_interval(days => 20 + (i %% 40)) END,
  is_closed AND wins AND is_sql
FROM scored;
-- first touch: the opportunity's campaign 5 days before creation; every third also a
-- later touch by the next campaign; 1 in 25 has no touch at all (attribution gaps)
INSERT INTO impact_touches (opportunity_id, campaign, touched_at, channel)
SELECT o.id, c.name, o.created_at - interval '5 days',
  (ARRAY['email','paid_social','webinar','cpc'])[1 + o.id %% 4]
FROM impact_opportunities o
JOIN demo_campaign c ON c.k = (o.id * 7) %% (SELECT count(*) FROM demo_campaign)
WHERE o.id %% 25 <> 0;
INSERT INTO impact_touches (opportunity_id, campaign, touched_at, channel)
SELECT o.id, c.name, o.created_at + interval '2 days', 'email'
FROM impact_opportunities o
JOIN demo_campaign c ON c.k = (o.id * 7 + 1) %% (SELECT count(*) FROM demo_campaign)
WHERE o.id %% 3 = 0 AND o.id %% 25 <> 0;
CREATE INDEX ON impact_touches (opportunity_id);
CREATE INDEX ON impact_opportunities (created_at);
CREATE INDEX ON impact_opportunities (closed_at);
INSERT INTO impact_identities
SELECT i, 'person' || i || '@example.com', 0.75 + ((i * 31) %% 25) / 100.0
FROM generate_series(1, 1500) AS i;
ANALYZE impact_opportunities; ANALYZE impact_touches; ANALYZE impact_identities;
"""

TABLES = {
    "opportunities": "impact_opportunities",
    "campaign_touches": "impact_touches",
    "identities": "impact_identities",
}
MAPPINGS = {
    "opportunities": {
        "id": "id", "created_at": "created_at", "reached_sql_at": "reached_sql_at",
        "stage": "stage", "amount": "amount", "closed_at": "closed_at", "won": "won",
    },
    "campaign_touches": {
        "opportunity_id": "opportunity_id", "campaign": "campaign", "touched_at": "touched_at",
        "channel": "channel",
    },
    "identities": {"match_confidence": "match_confidence"},
}  # fmt: skip


_ID = FieldSpec("id", "integer", required=True, unique=True)
# Each impact table's fields; every one is keyed by its `id`.
FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "impact_opportunities": (
        _ID,
        FieldSpec("name", "text", required=True),
        FieldSpec("created_at", "timestamp", required=True),
        FieldSpec("reached_sql_at", "timestamp"),
        FieldSpec("stage", "text", required=True),
        FieldSpec("amount", "number", "Pipeline value", required=True, minimum=0),
        FieldSpec("closed_at", "timestamp"),
        FieldSpec("won", "boolean", required=True),
    ),
    "impact_touches": (
        _ID,
        FieldSpec("opportunity_id", "integer", required=True),
        FieldSpec("campaign", "text", required=True),
        FieldSpec("touched_at", "timestamp", required=True),
        FieldSpec("channel", "text", required=True),
    ),
    "impact_identities": (
        _ID,
        FieldSpec("email", "text", pii=True),
        FieldSpec("match_confidence", "number", required=True, minimum=0, maximum=1),
    ),
}


def contracts(schema: str = SCHEMA) -> dict[str, ContractSpec]:
    return {
        table: ContractSpec(schema=schema, table=table, primary_key=("id",), fields=fields)
        for table, fields in FIELDS.items()
    }


def build_tables(names: list[str], good: list[bool]) -> None:
    """(Re)build the impact tables in the demo warehouse and let its reader SELECT them."""
    database, role = demo_warehouse_names()
    admin = psycopg.conninfo.make_conninfo(app_database_conninfo(), dbname=database)
    with psycopg.connect(admin, autocommit=True) as conn, conn.transaction():
        # several statements with parameters: client-side binding
        psycopg.ClientCursor(conn).execute(
            sql.SQL(_BUILD).format(schema=sql.Identifier(SCHEMA)),
            {"names": names, "good": good, "n": OPPORTUNITIES},
        )
        conn.execute(
            sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(
                sql.Identifier(SCHEMA), sql.Identifier(role)
            )
        )


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    from .services import dataset_role_save, snapshot_compute, team_cost_save

    users = {u.username: u for u in get_user_model().objects.all()}
    admin = users.get("admin")
    warehouse = Warehouse.objects.filter(name="Demo warehouse").first()
    if admin is None or warehouse is None:
        return
    launches = cohorts.launches(before=timezone.now())
    if not launches:
        return
    build_tables([x.campaign for x in launches], [x.within_sla is not False for x in launches])
    progress("impact tables in the demo warehouse")
    for role, table in TABLES.items():
        dataset = Dataset.objects.filter(warehouse=warehouse, schema=SCHEMA, table=table).first()
        if dataset is None:
            dataset = dataset_save(
                actor=admin, warehouse=warehouse, schema=SCHEMA, table=table,
                description=f"Demo {role.replace('_', ' ')} for business impact.",
                owner=users.get("engineer") or admin, schedule="30 3 * * *",
            )  # fmt: skip
        if not hasattr(dataset, "contract"):
            contract_save(
                dataset=dataset, actor=admin, spec=contracts()[table],
                description=f"The {role.replace('_', ' ')} business impact reads.",
                consumers=["Business impact"], reason="demo contract",
            )  # fmt: skip
        if not CheckRun.objects.filter(dataset=dataset).exists():
            try:
                dataset_run_checks(dataset_id=dataset.pk, trigger=CheckRun.Trigger.MANUAL)
            except (RunInProgress, DatabaseError):
                pass
        if not DatasetRole.objects.filter(role=role).exists():
            dataset_role_save(role=role, dataset=dataset, columns=MAPPINGS[role], actor=admin)
    progress("impact datasets, contracts and roles")
    today = timezone.localdate()
    month = today.replace(day=1)
    for _ in range(13):
        if not TeamCost.objects.filter(month=month).exists():
            team_cost_save(month=month, amount=MONTHLY_TEAM_COST, note="demo", actor=admin)
        month = periods.period_previous(month, "month")
    for period, count in (("month", 12), ("quarter", 4)):
        start: date = periods.period_floor(today, period)
        for _ in range(count):
            snapshot_compute(period=period, start=start)
            start = periods.period_previous(start, period)
    progress("impact snapshots")
