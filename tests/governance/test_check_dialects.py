"""The dialect layer: the same contract compiled once, run for real on PostgreSQL and DuckDB
(same counts for every check of every demo contract), and written for Snowflake, BigQuery and
Redshift (golden files: tests/governance/golden/, rewritten with MOPS_GOLDEN_WRITE=1)."""

import os
from pathlib import Path

import duckdb
import pytest

from governance.health import checks as ce
from governance.health.checks import dialects, running
from governance.health.demo_warehouse import demo_contracts
from tests.governance.test_checkengine import CountingCursor, wh  # noqa: F401

GOLDEN = Path(__file__).parent / "golden"
W = "demo_warehouse"
DUCK_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "numeric": "DECIMAL(18, 2)",
    "date": "DATE",
    "timestamp with time zone": "TIMESTAMPTZ",
    "boolean": "BOOLEAN",
}


@pytest.fixture(scope="module")
def duck(wh):  # noqa: F811  (the imported fixture)
    """An embedded DuckDB holding a copy of the demo warehouse, rows and column types alike."""
    conn = duckdb.connect()
    conn.execute(f"CREATE SCHEMA {W}")
    tables = wh.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (W,)
    ).fetchall()
    for (table,) in tables:
        columns = wh.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (W, table),
        ).fetchall()
        ddl = ", ".join(f'"{c}" {DUCK_TYPES[t]}' for c, t in columns)
        conn.execute(f'CREATE TABLE {W}."{table}" ({ddl})')
        rows = wh.execute(f'SELECT * FROM {W}."{table}"').fetchall()
        marks = ", ".join("?" * len(columns))
        conn.executemany(f'INSERT INTO {W}."{table}" VALUES ({marks})', rows)
    yield conn
    conn.close()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["leads", "contacts", "opportunities", "accounts"])
def test_duckdb_counts_equal_postgres_for_every_check(wh, duck, name):  # noqa: F811
    spec = demo_contracts()[name]
    catalogue = ce.introspect(wh, ce.relations_of(spec))
    plan = ce.compile_checks(spec, catalogue[(W, spec.table)], targets=catalogue)
    on_duck = running.judge_values(plan, dialects.run_rendered(duck.cursor(), plan, "duckdb"))
    on_pg = ce.run_dataset(wh, spec, samples=False)
    judged = [c for c in on_duck if c.status != "skipped" and c.count is not None]
    assert len(judged) >= 8
    for check in judged:
        assert check.count == on_pg.check(check.key).count, check.key
        assert check.status == on_pg.check(check.key).status, check.key
    rendered = " ".join(s.text for s in dialects.render_plan(plan, "duckdb"))
    assert " ~ " not in rendered and "FILTER(WHERE" in rendered  # DuckDB regex, FILTER kept


def _golden_plan() -> ce.Plan:
    """The leads contract against a fixed catalogue: no database, so the SQL is stable."""
    spec = demo_contracts()["leads"]
    types = {
        "id": "bigint",
        "score": "integer",
        "account_id": "bigint",
        "sql_date": "date",
        "created_at": "timestamp with time zone",
        "updated_at": "timestamp with time zone",
    }
    table = ce.TableInfo(W, "leads", {f.name: types.get(f.name, "text") for f in spec.fields})
    targets = {
        (W, "campaigns"): ce.TableInfo(
            W, "campaigns", {"id": "text"}, unique_keys=frozenset({frozenset({"id"})})
        ),
        (W, "accounts"): ce.TableInfo(
            W, "accounts", {"id": "bigint"}, unique_keys=frozenset({frozenset({"id"})})
        ),
    }
    return ce.compile_checks(spec, table, targets=targets)


@pytest.mark.parametrize("dialect", ["snowflake", "bigquery", "redshift"])
def test_compiled_sql_for_cloud_warehouses_matches_the_golden_file(dialect):
    text = "\n\n".join(
        f"-- {s.label}\n{s.text};" for s in dialects.render_plan(_golden_plan(), dialect)
    )
    golden = GOLDEN / f"leads.{dialect}.sql"
    if os.environ.get("MOPS_GOLDEN_WRITE"):
        golden.write_text(text + "\n")
    assert text + "\n" == golden.read_text()
    assert "FILTER" not in text  # no aggregate FILTER on these engines
    assert " ~ " not in text or dialect == "redshift"  # Redshift has POSIX ~ itself


def test_postgres_is_the_compiled_text_and_unknown_dialects_are_refused():
    plan = _golden_plan()
    assert dialects.render(plan.statements[0].query, "postgres") == plan.statements[
        0
    ].query.as_string(None)
    with pytest.raises(dialects.DialectError, match="unknown dialect 'oracle'"):
        dialects.render(plan.statements[0].query, "oracle")
