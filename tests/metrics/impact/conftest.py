"""A small warehouse for the business-impact tests: schema `impact_fixture` in the demo
warehouse database (its own database and SELECT-only login), rows hand-picked so every
figure can be worked out on paper (see test_figures.py), plus the launches of the metrics
`history` fixture tagged with campaigns."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

SCHEMA = "impact_fixture"

ROWS = f"""
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
CREATE SCHEMA {SCHEMA};
SET LOCAL search_path = {SCHEMA};
CREATE TABLE opps (id bigint PRIMARY KEY, email text, created_at timestamptz NOT NULL,
  sql_at timestamptz, stage text NOT NULL, amount numeric(12, 2), closed_at timestamptz,
  is_won boolean NOT NULL, amount_text text);
INSERT INTO opps VALUES
 (1, 'a@x.io', '2025-07-10 12:00Z', '2025-07-12 12:00Z', 'Closed Won',  1000, '2025-07-20 12:00Z', true, '1000'),
 (2, 'b@x.io', '2025-07-11 12:00Z', '2025-07-13 12:00Z', 'Closed Lost', 2000, '2025-07-25 12:00Z', false, '2000'),
 (3, 'c@x.io', '2025-07-12 12:00Z', NULL,                'Discovery',   3000, NULL,                false, '3000'),
 (4, 'd@x.io', '2025-07-13 12:00Z', '2025-07-14 12:00Z', 'Closed Won',  4000, '2025-07-23 12:00Z', true, '4000'),
 (5, 'e@x.io', '2025-07-14 12:00Z', NULL,                'Discovery',    500, NULL,                false, '500'),
 (6, 'f@x.io', '2025-06-20 12:00Z', '2025-06-25 12:00Z', 'Closed Won', 10000, '2025-07-15 12:00Z', true, '10000');
CREATE TABLE touches (opp_id bigint NOT NULL, campaign text NOT NULL, at timestamptz NOT NULL,
  channel text);
INSERT INTO touches VALUES
 (1, 'c-met-1', '2025-07-05 12:00Z', 'email'), (1, 'c-late', '2025-07-08 12:00Z', 'email'),
 (2, 'c-late', '2025-07-01 12:00Z', 'cpc'),
 (3, 'c-met-3', '2025-07-02 12:00Z', 'email'), (3, 'c-other', '2025-07-02 12:00Z', 'email'),
 (4, 'c-met-1', '2025-07-01 12:00Z', 'email'), (4, 'c-met-1', '2025-07-02 12:00Z', 'email'),
 (4, 'c-late', '2025-07-30 12:00Z', 'email'),
 (6, 'c-late', '2025-06-01 12:00Z', 'cpc'), (6, 'c-other', '2025-07-10 12:00Z', 'paid_social');
CREATE INDEX ON touches (opp_id);  -- the LATERAL path; prop_touches has none (join path)
CREATE TABLE identities (id bigint PRIMARY KEY, confidence numeric(4, 3) NOT NULL);
INSERT INTO identities VALUES (1, 0.95), (2, 0.8), (3, 0.79), (4, 0.5);
CREATE TABLE prop_opps (id bigint PRIMARY KEY, created_at timestamptz, sql_at timestamptz,
  stage text, amount numeric(12, 2), closed_at timestamptz, is_won boolean);
CREATE TABLE prop_touches (opp_id bigint, campaign text, at timestamptz, channel text);
"""

OPP_COLUMNS = {
    "id": "id", "created_at": "created_at", "reached_sql_at": "sql_at", "stage": "stage",
    "amount": "amount", "closed_at": "closed_at", "won": "is_won",
}  # fmt: skip
TOUCH_COLUMNS = {
    "opportunity_id": "opp_id", "campaign": "campaign", "touched_at": "at", "channel": "channel",
}  # fmt: skip
IDENTITY_COLUMNS = {"match_confidence": "confidence"}

# R1..R5 of tests/metrics/conftest.py went live in July 2025: R2 late, the others within
# SLA; R1, R3 and R5 from a template; none on a train.
CAMPAIGNS = {"R1": "c-met-1", "R2": "c-late", "R3": "c-met-3", "R4": "c-met-4", "R5": "c-met-5"}


def admin_conninfo() -> str:
    from governance.health.demo import demo_warehouse_names
    from governance.health.services import app_database_conninfo

    database, _ = demo_warehouse_names()
    return psycopg.conninfo.make_conninfo(app_database_conninfo(), dbname=database)


@pytest.fixture(scope="session")
def impact_warehouse(django_db_setup, django_db_blocker):
    """The warehouse database with the fixture schema, readable by its SELECT-only login;
    returns that login's connection string."""
    from governance.health.demo import (
        build_warehouse,
        demo_warehouse_names,
    )

    with django_db_blocker.unblock():
        dsn = build_warehouse()
        _, role = demo_warehouse_names()
        with psycopg.connect(admin_conninfo(), autocommit=True) as conn, conn.transaction():
            conn.execute(ROWS)
            conn.execute(
                sql.SQL(
                    "GRANT USAGE ON SCHEMA {s} TO {r}; GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}"
                ).format(s=sql.Identifier(SCHEMA), r=sql.Identifier(role))
            )
    return dsn


@pytest.fixture
def mapped(db, users, impact_warehouse):
    """Warehouse, datasets with published contracts and a passing check run, roles mapped."""
    from governance.health.contracts.spec import (
        ContractSpec,
        FieldSpec,
    )
    from governance.health.services import (
        contract_save,
        dataset_save,
    )
    from governance.models import CheckRun, RunStatus, Warehouse
    from metrics.impact.services import dataset_role_save

    admin = users["admin"]
    warehouse = Warehouse.objects.create(name="Impact fixture", dsn=impact_warehouse)
    datasets = {}
    for role, table, columns, pii in (
        ("opportunities", "opps", OPP_COLUMNS, ("email",)),
        ("campaign_touches", "touches", TOUCH_COLUMNS, ()),
        ("identities", "identities", IDENTITY_COLUMNS, ()),
    ):
        ds = dataset_save(actor=admin, warehouse=warehouse, schema=SCHEMA, table=table)
        fields = [FieldSpec(c, pii=c in pii) for c in {*columns.values(), *pii}]
        contract = contract_save(
            dataset=ds,
            actor=admin,
            spec=ContractSpec(schema=SCHEMA, table=table, fields=tuple(fields)),
        )
        CheckRun.objects.create(
            dataset=ds, status=RunStatus.PASS, contract_version=contract.version
        )
        dataset_role_save(role=role, dataset=ds, columns=columns, actor=admin)
        datasets[role] = ds
    return {"warehouse": warehouse, "datasets": datasets, "admin": admin}


@pytest.fixture
def launched(history):
    """The history's live requests, each with a campaign in its tracking plan."""
    from intake.models import Request

    for name, campaign in CAMPAIGNS.items():
        Request.objects.filter(pk=history[name].pk).update(
            tracking_plan={
                "utm_source": "newsletter",
                "utm_medium": "email",
                "utm_campaign": campaign,
            }
        )
    return history
