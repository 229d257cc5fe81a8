"""The demo warehouse: deterministic, idempotent, matching its own contracts; the bench loader."""

import psycopg
import pytest

from governance.health import checks as ce
from governance.health.demo_warehouse import (
    PLANTED,
    bench_leads_contract,
    build_demo_warehouse,
    bulk_load_leads,
    demo_contracts,
    drop_demo_warehouse,
)
from tests.testdb import database_conninfo

pytestmark = pytest.mark.django_db

# Everything except the timestamps, which are relative to the build time.
FINGERPRINT = """
SELECT md5(string_agg(concat_ws('|', id, email, company, account_id, campaign_id, utm_medium,
                                lifecycle_stage, sql_date IS NULL, score, country), ',' ORDER BY id))
FROM demo_warehouse.leads
"""


@pytest.fixture(scope="module")
def conn(django_db_setup, django_db_blocker):
    conn = psycopg.connect(database_conninfo(), autocommit=True)
    yield conn
    drop_demo_warehouse(conn)
    conn.execute("DROP SCHEMA IF EXISTS bench_test CASCADE")
    conn.close()


def test_build_is_idempotent_and_deterministic(conn):
    build_demo_warehouse(conn)
    first = conn.execute(FINGERPRINT).fetchone()[0]
    build_demo_warehouse(conn)
    assert conn.execute(FINGERPRINT).fetchone()[0] == first
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM demo_warehouse.leads), (SELECT count(*) FROM demo_warehouse.contacts),"
        " (SELECT count(*) FROM demo_warehouse.opportunities), (SELECT count(*) FROM demo_warehouse.accounts),"
        " (SELECT count(*) FROM demo_warehouse.campaigns)"
    ).fetchone()
    assert counts == (2000, 800, 400, 300, 40)


def test_contracts_describe_the_tables_exactly(conn):
    build_demo_warehouse(conn)
    for name, spec in demo_contracts().items():
        result = ce.run_dataset(conn, spec, samples=False)
        drift = {c.key: c.count for c in result.checks if c.kind.startswith("schema")}
        assert drift == {"schema:added": 0, "schema:removed": 0, "schema:retyped": 0}, name
        assert not [c.key for c in result.checks if c.status in ("error", "skipped")], name


def test_every_planted_fault_names_a_check_of_the_contract(conn):
    build_demo_warehouse(conn)
    for table, faults in PLANTED.items():
        result = ce.run_dataset(conn, demo_contracts()[table], samples=False)
        keys = {c.key for c in result.checks}
        assert set(faults) <= keys, table
        flagged = {c.key for c in result.checks if c.status in ("warn", "fail")}
        # Nothing else is wrong with the demo data except contacts' freshness (stale feed).
        expected = set(faults) | ({"freshness"} if table == "contacts" else set())
        assert flagged == expected, table


def test_bulk_loader_spreads_rows_over_a_year_with_an_index_for_incremental_runs(conn):
    bulk_load_leads(conn, 20_000, accounts=1_000, schema="bench_test")
    rows, accounts, last_hour, last_day = conn.execute(
        "SELECT (SELECT count(*) FROM bench_test.leads), (SELECT count(*) FROM bench_test.accounts),"
        " (SELECT count(*) FROM bench_test.leads WHERE updated_at > now() - interval '1 hour'),"
        " (SELECT count(*) FROM bench_test.leads WHERE updated_at > now() - interval '1 day')"
    ).fetchone()
    assert (rows, accounts) == (20_000, 1_000)
    assert last_hour <= 10 and 30 <= last_day <= 90  # ~n/8760 per hour, ~n/365 per day
    spec = bench_leads_contract("bench_test")
    result = ce.run_dataset(conn, spec, samples=False)
    assert result.statements <= 3
    orphans = conn.execute(
        "SELECT count(*) FROM bench_test.leads l WHERE NOT EXISTS "
        "(SELECT 1 FROM bench_test.accounts a WHERE a.id = l.account_id)"
    ).fetchone()[0]
    assert result.check("reference:account").count == orphans > 0
    watermark = conn.execute("SELECT now() - interval '1 day'").fetchone()[0]
    incremental = ce.run_dataset(conn, spec, mode="incremental", watermark=watermark)
    assert incremental.mode == "incremental" and incremental.rows_in_scope == last_day
