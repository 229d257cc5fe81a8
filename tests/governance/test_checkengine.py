"""The check engine against the demo warehouse on real PostgreSQL.

Every expected number is computed here with plain, hand-written SQL, independently of the
engine's compiler, and compared with both the engine's answer and the planted count.
"""

import dataclasses

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from governance.health import checks as ce
from governance.health.contracts.spec import (
    ContractError,
    ContractSpec,
    CustomMetric,
    FieldSpec,
    Reference,
    Threshold,
    guard_custom_sql,
    spec_from_dict,
)
from governance.health.demo_warehouse import (
    PLANTED,
    build_demo_warehouse,
    demo_contracts,
    drop_demo_warehouse,
)
from tests.testdb import database_conninfo

# The marker makes pytest-django create the test database; the tests talk to it over their own
# psycopg connection (committed data, read-only runs), not through Django's.
pytestmark = pytest.mark.django_db

W = "demo_warehouse"
MEDIUMS = "('email','cpc','paid_social','organic_social','referral','display')"
BLANK = r"'^[[:space:]]*$'"


class CountingCursor(psycopg.Cursor):
    """Counts every statement sent on the connection, independently of the engine's own count."""

    sent: list[str] = []

    def execute(self, query, params=None, **kwargs):
        text = query if isinstance(query, str) else query.as_string(self.connection)
        type(self).sent.append(text)
        return super().execute(query, params, **kwargs)


@pytest.fixture(scope="module")
def wh(django_db_setup, django_db_blocker):
    """An autocommit psycopg connection to the test database holding the demo warehouse."""
    conn = psycopg.connect(database_conninfo(), autocommit=True, cursor_factory=CountingCursor)
    build_demo_warehouse(conn)
    conn.execute("DROP SCHEMA IF EXISTS check_scratch CASCADE; CREATE SCHEMA check_scratch")
    yield conn
    conn.execute("DROP SCHEMA IF EXISTS check_scratch CASCADE")
    drop_demo_warehouse(conn)
    conn.close()


@pytest.fixture(scope="module")
def results(wh):
    return {name: ce.run_dataset(wh, spec) for name, spec in demo_contracts().items()}


def scalar(conn, query: str):
    return conn.execute(query).fetchone()[0]


# (table, check key, hand-written SQL giving the expected count)
HAND_SQL = [
    (
        "leads",
        "missing:email",
        f"SELECT count(*) FROM {W}.leads WHERE email IS NULL OR email ~ {BLANK}",
    ),
    (
        "leads",
        "email:email",
        f"""SELECT count(*) FROM {W}.leads WHERE email !~ {BLANK}
            AND trim(both E' \\t\\r\\n' from email) !~ '^[^@[:space:]]+@[^@[:space:]]+[.][A-Za-z][A-Za-z]+$'""",
    ),
    (
        "leads",
        "duplicates:email",
        f"""SELECT coalesce(sum(n - 1), 0) FROM (SELECT email, count(*) AS n FROM {W}.leads
            WHERE email !~ {BLANK} GROUP BY email HAVING count(*) > 1) d""",
    ),
    (
        "leads",
        "duplicates_normalised:email",
        f"""WITH e AS (SELECT lower(trim(both E' \\t\\r\\n' from email)) AS v FROM {W}.leads
                      WHERE email !~ {BLANK}),
                 k AS (SELECT CASE WHEN split_part(v, '@', 2) IN ('gmail.com', 'googlemail.com')
                              THEN regexp_replace(regexp_replace(split_part(v, '@', 1), '[+].*$', ''), '[.]', '', 'g')
                                   || '@gmail.com'
                              ELSE v END AS key FROM e)
            SELECT count(*) - count(DISTINCT key) FROM k""",
    ),
    (
        "leads",
        "stale_rows",
        f"SELECT count(*) FROM {W}.leads WHERE updated_at < now() - interval '180 days'",
    ),
    (
        "leads",
        "reference:campaign",
        f"""SELECT count(*) FROM {W}.leads l WHERE l.campaign_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM {W}.campaigns c WHERE c.id = l.campaign_id)""",
    ),
    (
        "leads",
        "reference:medium",
        f"SELECT count(*) FROM {W}.leads WHERE utm_medium IS NOT NULL AND utm_medium NOT IN {MEDIUMS}",
    ),
    (
        "leads",
        "reference:account",
        f"""SELECT count(*) FROM {W}.leads WHERE account_id IS NOT NULL
            AND account_id NOT IN (SELECT id FROM {W}.accounts)""",
    ),
    (
        "leads",
        "coverage",
        f"""SELECT count(*) FROM {W}.leads WHERE campaign_id IS NULL OR utm_medium IS NULL
            OR campaign_id NOT IN (SELECT id FROM {W}.campaigns) OR utm_medium NOT IN {MEDIUMS}""",
    ),
    (
        "leads",
        "rule:sql_needs_sql_date",
        f"SELECT count(*) FROM {W}.leads WHERE lifecycle_stage = 'SQL' AND sql_date IS NULL",
    ),
    ("leads", "range:score", f"SELECT count(*) FROM {W}.leads WHERE score < 0 OR score > 100"),
    (
        "leads",
        "allowed:lifecycle_stage",
        f"""SELECT count(*) FROM {W}.leads WHERE lifecycle_stage !~ {BLANK}
            AND lifecycle_stage NOT IN ('Lead', 'MQL', 'SQL', 'Opportunity', 'Customer')""",
    ),
    (
        "leads",
        "missing:company",
        f"SELECT count(*) FROM {W}.leads WHERE company IS NULL OR company ~ {BLANK}",
    ),
    (
        "leads",
        "pattern:country",
        f"SELECT count(*) FROM {W}.leads WHERE country !~ {BLANK} AND country !~ '^[A-Z][A-Z]$'",
    ),
    (
        "contacts",
        "missing:email",
        f"SELECT count(*) FROM {W}.contacts WHERE email IS NULL OR email ~ {BLANK}",
    ),
    (
        "contacts",
        "email:email",
        f"SELECT count(*) FROM {W}.contacts WHERE email !~ {BLANK} AND email NOT LIKE '%@%.%'",
    ),
    (
        "contacts",
        "duplicates_normalised:email",
        f"""SELECT count(*) - count(DISTINCT lower(trim(email))) FROM {W}.contacts
            WHERE email !~ {BLANK}""",
    ),
    (
        "contacts",
        "reference:account",
        f"""SELECT count(*) FROM {W}.contacts c LEFT JOIN {W}.accounts a ON a.id = c.account_id
            WHERE c.account_id IS NOT NULL AND a.id IS NULL""",
    ),
    ("opportunities", "range:amount", f"SELECT count(*) FROM {W}.opportunities WHERE amount < 0"),
    (
        "opportunities",
        "reference:campaign",
        f"""SELECT count(*) FROM {W}.opportunities o WHERE o.campaign_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM {W}.campaigns c WHERE c.id = o.campaign_id)""",
    ),
    (
        "opportunities",
        "coverage",
        f"""SELECT count(*) FROM {W}.opportunities o WHERE NOT EXISTS
            (SELECT 1 FROM {W}.campaigns c WHERE c.id = o.campaign_id)""",
    ),
    (
        "opportunities",
        "rule:closed_won_needs_close_date",
        f"SELECT count(*) FROM {W}.opportunities WHERE stage = 'Closed Won' AND close_date IS NULL",
    ),
    (
        "opportunities",
        "rule:close_after_create",
        f"SELECT count(*) FROM {W}.opportunities WHERE close_date < created_at",
    ),
]


def test_every_planted_fault_is_listed_once():
    listed = {(table, key) for table, key, _ in HAND_SQL}
    planted = {(table, key) for table, faults in PLANTED.items() for key in faults}
    assert listed == planted


@pytest.mark.parametrize(
    ("table", "key", "query"), HAND_SQL, ids=[f"{t}-{k}" for t, k, _ in HAND_SQL]
)
def test_planted_fault_found_by_the_right_check_with_the_right_count(
    wh, results, table, key, query
):
    expected = scalar(wh, query)
    check = results[table].check(key)
    assert expected == PLANTED[table][key], "the demo data no longer plants what it says"
    assert check.count == expected
    assert check.status in ("warn", "fail")


def test_pipeline_value_coverage_is_the_uncovered_share_of_positive_amounts(wh, results):
    total, uncovered = wh.execute(
        f"""SELECT sum(amount) FILTER (WHERE amount > 0),
                   sum(amount) FILTER (WHERE amount > 0 AND (campaign_id IS NULL OR campaign_id
                       NOT IN (SELECT id FROM {W}.campaigns)))
            FROM {W}.opportunities"""
    ).fetchone()
    check = results["opportunities"].check("coverage_value")
    assert (check.count, check.denominator) == (float(uncovered), float(total))
    assert check.value == pytest.approx(100 * float(uncovered) / float(total), abs=1e-3)


def test_validity_denominator_is_present_values_and_completeness_uses_all_rows(wh, results):
    leads = results["leads"]
    rows = scalar(wh, f"SELECT count(*) FROM {W}.leads")
    present = scalar(wh, f"SELECT count(*) FROM {W}.leads WHERE email !~ {BLANK}")
    assert leads.check("missing:email").denominator == rows
    assert leads.check("email:email").denominator == present
    assert leads.check("email:email").value == pytest.approx(100 * 17 / present, abs=1e-3)
    assert leads.check("duplicates_normalised:email").value == pytest.approx(1000 * 23 / rows)
    for check in leads.checks:
        assert check.semantics, check.key


def test_clean_checks_pass_and_freshness_reflects_the_newest_row(wh, results):
    leads, contacts = results["leads"], results["contacts"]
    assert leads.check("missing:lifecycle_stage").status == "pass"
    assert leads.check("duplicates:id").detail["answered_by"] == "unique index"
    newest_age = scalar(
        wh, f"SELECT extract(epoch FROM now() - max(updated_at)) / 3600 FROM {W}.leads"
    )
    assert leads.check("freshness").value == pytest.approx(float(newest_age), abs=0.05)
    assert leads.check("freshness").status == "pass"
    assert contacts.check("freshness").status == "fail"  # newest contact is ~50 h old, SLO 24 h
    assert leads.check("volume").count == 2000 and leads.check("volume").status == "pass"
    assert {c.key for c in leads.checks if c.kind.startswith("schema")} == {
        "schema:added",
        "schema:removed",
        "schema:retyped",
    }
    assert all(c.count == 0 for c in leads.checks if c.kind.startswith("schema"))


def test_a_dataset_run_is_at_most_three_statements(wh):
    for spec in demo_contracts().values():
        CountingCursor.sent.clear()
        result = ce.run_dataset(wh, spec, samples=False)
        data = [q for q in CountingCursor.sent if not q.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
        assert len(data) == result.statements <= 3, data
        assert all("SELECT *" not in q for q in data)


def test_run_is_read_only_with_a_statement_timeout(wh):
    CountingCursor.sent.clear()
    ce.run_dataset(wh, demo_contracts()["accounts"], timeout_ms=1234, samples=False)
    begin = CountingCursor.sent[0]
    assert "READ ONLY" in begin and "statement_timeout = 1234" in begin
    assert wh.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_failing_checks_carry_a_masked_sample_and_passing_ones_none(wh, results):
    leads = results["leads"]
    dup = leads.check("duplicates_normalised:email")
    assert dup.status == "fail" and dup.sample
    assert all(set(row) == {"id", "email"} for row in dup.sample)
    assert all("***@" in row["email"] for row in dup.sample)
    assert len(dup.sample) == 20  # capped; rows of every duplicate group, in key order
    assert [row["id"] for row in dup.sample][:12] == list(range(101, 113))
    rule = leads.check("rule:sql_needs_sql_date")
    assert rule.status == "fail"
    expected = [
        r[0]
        for r in wh.execute(
            f"SELECT id FROM {W}.leads WHERE lifecycle_stage = 'SQL' AND sql_date IS NULL ORDER BY id"
        )
    ]
    assert [row["id"] for row in rule.sample] == expected
    assert (
        leads.check("missing:email").status == "warn"
        and leads.check("missing:email").sample is None
    )
    assert leads.check("missing:id").sample is None


def test_sample_is_capped_and_masks_only_pii_columns(wh):
    spec = demo_contracts()["leads"]
    table = ce.introspect(wh, ce.relations_of(spec))
    plan = ce.compile_checks(spec, table[(W, "leads")], targets=table)
    sample = ce.fetch_failing_sample(wh, plan, "missing:email", limit=3)
    assert [row["id"] for row in sample] == [11, 12, 13]
    sample = ce.fetch_failing_sample(wh, plan, "pattern:country", limit=50)
    assert len(sample) == 8 and sample[0]["country"] in ("usa", "U.S.", "Germany", "uk")
    assert ce.mask_value("jane.doe@example.com") == "j***@e***.com"
    assert ce.mask_value("Smith") == "S***"


def test_dimension_scores_are_the_mean_goodness_of_each_dimension(results):
    leads = results["leads"]
    goods = [
        c.goodness for c in leads.checks if c.dimension == "completeness" and c.goodness is not None
    ]
    assert leads.scores["completeness"] == pytest.approx(round(100 * sum(goods) / len(goods), 1))
    assert all(0 <= s <= 100 for s in leads.scores.values() if s is not None)
    assert results["contacts"].scores["timeliness"] == 0  # 51 h old against a 24 h SLO
    assert results["accounts"].scores["consistency"] is None  # no rule: unknown, not 100


# --- incremental -----------------------------------------------------------------------------


@pytest.fixture
def events(wh):
    wh.execute(
        """DROP TABLE IF EXISTS check_scratch.events;
        CREATE TABLE check_scratch.events (id int PRIMARY KEY, email text, updated_at timestamptz NOT NULL);
        INSERT INTO check_scratch.events
        SELECT i, CASE WHEN i % 10 = 0 THEN NULL ELSE 'e' || i || '@example.com' END,
               now() - make_interval(mins => 600 - i)
        FROM generate_series(1, 600) AS i;
        CREATE INDEX ON check_scratch.events (updated_at);
        ANALYZE check_scratch.events"""
    )
    return ContractSpec(
        schema="check_scratch",
        table="events",
        primary_key=("id",),
        timestamp_column="updated_at",
        fields=(
            FieldSpec("id", "integer", required=True),
            FieldSpec("email", "text", required=True, unique=True, email=True),
            FieldSpec("updated_at", "timestamp", required=True),
        ),
        freshness_slo_hours=1,
        expected_volume=(100, 1000),
    )


def test_incremental_run_sees_only_rows_past_the_watermark(wh, events):
    watermark = wh.execute("SELECT now() - interval '59 minutes 30 seconds'").fetchone()[0]
    expected_rows, expected_missing, newest = wh.execute(
        "SELECT count(*), count(*) FILTER (WHERE email IS NULL), max(updated_at) "
        "FROM check_scratch.events WHERE updated_at > %s",
        (watermark,),
    ).fetchone()
    result = ce.run_dataset(wh, events, mode="incremental", watermark=watermark)
    assert result.mode == "incremental"
    assert result.rows_in_scope == expected_rows == 60
    assert result.check("missing:email").count == expected_missing == 6
    assert result.watermark_out == newest
    assert result.check("duplicates:email").status == "skipped"  # full runs only
    assert result.check("volume").detail["source"] == "pg_class.reltuples estimate"
    assert result.check("volume").count == 600
    assert result.statements <= 3


def test_incremental_freshness_looks_at_the_whole_table(wh, events):
    future = wh.execute("SELECT now() + interval '1 day'").fetchone()[0]
    result = ce.run_dataset(wh, events, mode="incremental", watermark=future)
    assert result.rows_in_scope == 0
    assert result.check("freshness").value < 0.1
    assert result.watermark_out == future  # no new rows: the watermark stays


def test_incremental_without_an_index_falls_back_to_a_full_run(wh, events):
    wh.execute("DROP INDEX check_scratch.events_updated_at_idx")
    result = ce.run_dataset(wh, events, mode="incremental", watermark=None)
    assert result.mode == "full"
    watermark = wh.execute("SELECT now() - interval '1 hour'").fetchone()[0]
    result = ce.run_dataset(wh, events, mode="incremental", watermark=watermark)
    assert result.mode == "full" and result.rows_in_scope == 600
    assert any("no index leads with" in n for n in result.notes)


# --- safety ------------------------------------------------------------------------------------


def test_statement_timeout_is_an_error_result_not_an_exception(wh):
    wh.execute(
        """CREATE OR REPLACE VIEW check_scratch.slow AS
           SELECT l.id, l.email FROM demo_warehouse.leads l
           CROSS JOIN LATERAL (SELECT pg_sleep(0.01 + l.id * 0)) AS s"""
    )
    spec = ContractSpec(
        schema="check_scratch",
        table="slow",
        primary_key=("id",),
        fields=(
            FieldSpec("id", "integer", required=True),
            FieldSpec("email", "text", required=True),
        ),
        custom_metrics=(CustomMetric("sleepy", "SELECT 1 FROM pg_sleep(1)"),),
    )
    result = ce.run_dataset(wh, spec, timeout_ms=200)
    missing = result.check("missing:email")
    assert missing.status == "error"
    assert "timed out after 200 ms" in missing.error
    assert result.check("custom:sleepy").status == "error"
    assert "timed out" in result.check("custom:sleepy").error
    assert result.status == "error"
    assert wh.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_custom_metric_is_judged_against_its_thresholds(wh):
    spec = ContractSpec(
        schema=W,
        table="leads",
        custom_metrics=(
            CustomMetric(
                "gmail_share",
                "SELECT 100.0 * avg((email ILIKE '%@gmail.com')::int) FROM demo_warehouse.leads;",
            ),
        ),
        thresholds={"custom:gmail_share": Threshold(warn=0.1, fail=50)},
    )
    result = ce.run_dataset(wh, spec)
    metric = result.check("custom:gmail_share")
    expected = scalar(wh, f"SELECT 100.0 * avg((email ILIKE '%@gmail.com')::int) FROM {W}.leads")
    assert metric.value == pytest.approx(float(expected))
    assert metric.status == "warn"


@pytest.mark.parametrize(
    "statement",
    [
        "WITH gone AS (DELETE FROM demo_warehouse.leads RETURNING 1) SELECT count(*) FROM gone",
        "SELECT nextval('check_scratch.counter')",
        "SELECT count(*) FROM (SELECT set_config('default_transaction_read_only', 'off', false)) x, "
        "LATERAL (SELECT nextval('check_scratch.counter')) y",
    ],
)
def test_read_only_transaction_refuses_writes_from_custom_sql(wh, statement):
    wh.execute("CREATE SEQUENCE IF NOT EXISTS check_scratch.counter")
    before = scalar(wh, f"SELECT count(*) FROM {W}.leads")
    spec = ContractSpec(schema=W, table="leads", custom_metrics=(CustomMetric("evil", statement),))
    result = ce.run_dataset(wh, spec)
    assert result.check("custom:evil").status == "error"
    assert scalar(wh, f"SELECT count(*) FROM {W}.leads") == before
    assert scalar(wh, "SELECT last_value FROM check_scratch.counter") == 1
    assert scalar(wh, "SELECT is_called FROM check_scratch.counter") is False


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT 1; DROP TABLE demo_warehouse.leads",
        "DELETE FROM demo_warehouse.leads",
        "SELECT 1 -- sneaky",
        "SELECT 1 /* sneaky */",
        "   ",
        "VACUUM demo_warehouse.leads",
    ],
)
def test_custom_sql_guard_refuses_non_selects(statement):
    with pytest.raises(ContractError):
        guard_custom_sql(statement)
    with pytest.raises(ContractError):
        ContractSpec(schema=W, table="leads", custom_metrics=(CustomMetric("x", statement),))


def test_guard_accepts_a_single_select_with_a_trailing_semicolon():
    assert (
        guard_custom_sql("  with x as (select 1) select * from x ;\n")
        == "with x as (select 1) select * from x"
    )


def test_odd_but_legal_identifiers_are_quoted(wh):
    wh.execute(
        'DROP TABLE IF EXISTS check_scratch."Odd ""table""";'
        'CREATE TABLE check_scratch."Odd ""table""" ("select" text, "we""ird" int, "Mixed Case" text);'
        'INSERT INTO check_scratch."Odd ""table""" '
        "VALUES ('a', 1, 'x'), (NULL, 200, ''), ('  ', 3, 'y'), ('b', -1, 'x')"
    )
    spec = ContractSpec(
        schema="check_scratch",
        table='Odd "table"',
        fields=(
            FieldSpec("select", "text", required=True, allowed_values=("a", "b")),
            FieldSpec('we"ird', "integer", minimum=0, maximum=100),
            FieldSpec("Mixed Case", "text", required=True, unique=True),
        ),
        rules=(),
    )
    result = ce.run_dataset(wh, spec)
    assert result.check("missing:select").count == 2
    assert result.check("allowed:select").count == 0
    assert result.check('range:we"ird').count == 2
    assert result.check("missing:Mixed Case").count == 1
    assert result.check("duplicates:Mixed Case").count == 1
    assert result.status != "error", result.notes


def test_malicious_column_names_are_refused_not_run(wh):
    evil = "email; DROP TABLE demo_warehouse.accounts; --"
    spec = ContractSpec(
        schema=W,
        table="leads",
        fields=(FieldSpec("id", "integer"), FieldSpec(evil, "text", required=True, pattern="x")),
        references=(Reference("evil", evil, allowed_values=("a",)),),
    )
    result = ce.run_dataset(wh, spec)
    assert result.check(f"missing:{evil}").status == "skipped"
    assert result.check("reference:evil").status == "skipped"
    assert result.check("schema:removed").detail["columns"] == [evil]
    assert result.check("schema:removed").status == "fail"
    assert scalar(wh, f"SELECT count(*) FROM {W}.accounts") == 300
    with pytest.raises(ContractError):
        ContractSpec(schema=W, table="leads", fields=(FieldSpec("x" * 64),))
    with pytest.raises(ContractError):
        ContractSpec(schema=W, table="le\x00ads")


def test_contract_values_of_the_wrong_type_skip_the_check_instead_of_breaking_the_scan(wh):
    spec = ContractSpec(
        schema=W,
        table="leads",
        fields=(
            FieldSpec("score", "integer", allowed_values=("high", "low")),
            FieldSpec("company", "text", required=True),
        ),
    )
    result = ce.run_dataset(wh, spec)
    assert result.check("allowed:score").status == "skipped"
    assert "not a number" in result.check("allowed:score").error
    assert result.check("missing:company").count == 7


def test_schema_drift_reports_added_removed_and_retyped_columns(wh):
    spec = ContractSpec(
        schema=W,
        table="accounts",
        fields=(
            FieldSpec("id", "integer"),
            FieldSpec("name", "integer"),  # stored as text
            FieldSpec("domain", "text"),
            FieldSpec("region", "text", required=True),  # not in the table
        ),
    )
    result = ce.run_dataset(wh, spec)
    assert result.check("schema:added").detail["columns"] == ["industry"]
    assert result.check("schema:added").status == "warn"
    assert result.check("schema:removed").detail["columns"] == ["region"]
    assert result.check("schema:retyped").detail["columns"] == [
        "name: contract integer, table text"
    ]
    assert result.check("schema:retyped").status == "fail"
    assert result.check("missing:region").status == "skipped"


def test_cross_field_rules_are_structured_not_raw_sql(wh):
    data = {
        "schema": W,
        "table": "leads",
        "rules": [
            {
                "name": "sql_needs_date",
                "if": {"all": [{"column": "lifecycle_stage", "op": "eq", "value": "SQL"}]},
                "then": {
                    "any": [
                        {"column": "sql_date", "op": "not_null"},
                        {"not": {"column": "score", "op": "ge", "value": 0}},
                    ]
                },
            }
        ],
    }
    result = ce.run_dataset(wh, spec_from_dict(data))
    assert result.check("rule:sql_needs_date").count == 11
    for bad in (
        {"column": "x", "op": "raw_sql", "value": "1=1"},
        {"column": "x", "op": "in", "value": []},
        "lifecycle_stage = 'SQL'",
        {"column": "x", "op": "eq", "value": 1, "sql": "DROP"},
    ):
        with pytest.raises(ContractError):
            spec_from_dict({**data, "rules": [{"name": "r", "then": bad}]})


def test_unknown_dataset_is_a_failed_run_with_a_note(wh):
    result = ce.run_dataset(wh, ContractSpec(schema=W, table="nope"))
    assert result.checks == [] and "not found" in result.notes[0]


def test_compile_accepts_a_plain_column_map_and_runs_full(wh):
    spec = demo_contracts()["accounts"]
    columns = dict(
        wh.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'demo_warehouse' AND table_name = 'accounts'"
        ).fetchall()
    )
    plan = ce.compile_checks(spec, columns, mode="incremental", watermark=None)
    assert plan.mode == "full" and len(plan.statements) == 2  # scan + GROUP BY on id
    result = ce.run_plan(wh, plan)
    assert result.check("duplicates:id").count == 0
    assert result.statements == 2
    assert isinstance(plan.statements[0].query, sql.Composable)


def test_freshness_threshold_defaults_to_the_slo(wh, events):
    wh.execute("UPDATE check_scratch.events SET updated_at = updated_at - interval '3 hours'")
    result = ce.run_dataset(wh, events)
    freshness = result.check("freshness")
    assert (freshness.warn, freshness.fail) == (0.75, 1.0)
    assert freshness.status == "fail" and 3 <= freshness.value < 3.1
    assert freshness.goodness == 0


# --- literals and the read-only connection ---------------------------------------------------

ODD_TEXT = st.text(
    alphabet=st.sampled_from(
        ["a", "B", "'", '"', "\\", "%", "s", "{", "}", ";", "-", " ", "é", "\n", "$"]
    ),
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(ODD_TEXT, min_size=1, max_size=8),
    allowed=st.lists(ODD_TEXT, min_size=1, max_size=4),
)
def test_any_allowed_values_are_literals_and_counted_exactly(wh, values, allowed):
    wh.execute(
        "DROP TABLE IF EXISTS check_scratch.odd; CREATE TABLE check_scratch.odd (id int, v text)"
    )
    with wh.cursor() as cur:
        cur.executemany("INSERT INTO check_scratch.odd VALUES (%s, %s)", list(enumerate(values)))
    spec = ContractSpec(
        schema="check_scratch",
        table="odd",
        fields=(
            FieldSpec("id", "integer"),
            FieldSpec("v", "text", required=True, allowed_values=tuple(allowed)),
        ),
    )
    result = ce.run_dataset(wh, spec, samples=False)
    present = [v for v in values if v.strip(" \t\r\n")]
    assert result.check("missing:v").count == len(values) - len(present)
    assert result.check("allowed:v").count == sum(v not in allowed for v in present)
    assert result.check("allowed:v").denominator == len(present)


def test_connect_readonly_refuses_writes_even_outside_a_run(wh):
    with ce.connect_readonly(database_conninfo(), timeout_ms=500) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE check_scratch.nope (x int)")
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(2)")
        assert ce.run_dataset(conn, demo_contracts()["accounts"]).status == "pass"


# --- the stored run: samples in one statement, in the run's snapshot ---------------------------

# Hand-written: the normalised e-mail key of every lead whose e-mail is present.
NORMALISED_KEYS = f"""SELECT id, CASE WHEN split_part(v, '@', 2) IN ('gmail.com', 'googlemail.com')
      THEN regexp_replace(regexp_replace(split_part(v, '@', 1), '[+].*$', ''), '[.]', '', 'g')
           || '@gmail.com' ELSE v END AS key
    FROM (SELECT id, lower(trim(both E' \\t\\r\\n' from email)) AS v FROM {W}.leads
          WHERE email !~ {BLANK}) e"""


def strict(spec: ContractSpec) -> ContractSpec:
    """The contract with every row-level check failing at its first offending row."""
    keys = [c.key for c in ce.compile_checks(spec, {f.name: "text" for f in spec.fields}).checks]
    return dataclasses.replace(spec, thresholds={k: Threshold(warn=None, fail=0) for k in keys})


def test_stored_run_is_one_snapshot_with_every_sample_in_one_statement(wh):
    CountingCursor.sent.clear()
    result = ce.run_dataset(wh, strict(demo_contracts()["leads"]), samples=True)
    sent = CountingCursor.sent
    assert sum(q.startswith("BEGIN") for q in sent) == 1  # one read-only transaction
    assert "READ ONLY" in sent[0] and "SET LOCAL work_mem" in sent[0]
    data = [q for q in sent if not q.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SET LOCAL"))]
    assert result.statement_log == ["introspect", "scan", "grouped", "samples"]
    assert len(data) == result.statements + result.sample_statements == 4
    assert result.sample_statements == 1 and data[-1].count("UNION ALL") >= 1
    failing = [c for c in result.checks if c.status == "fail"]
    row_level = [c for c in failing if c.kind not in ("freshness", "volume", "custom")]
    assert len(row_level) >= 10 and all(c.sample for c in row_level), [
        c.key for c in row_level if not c.sample
    ]
    assert all(c.sample is None for c in result.checks if c.status != "fail")


def test_duplicate_samples_come_from_the_grouped_pass_and_are_the_first_offending_rows(wh):
    result = ce.run_dataset(wh, demo_contracts()["leads"], samples=True, sample_limit=7)
    assert "GROUP BY" not in CountingCursor.sent[-2]  # the samples statement regroups nothing
    normalised_ids = [
        r[0]
        for r in wh.execute(
            f"""WITH k AS ({NORMALISED_KEYS}) SELECT id FROM k WHERE key IN
                (SELECT key FROM k GROUP BY key HAVING count(*) > 1) ORDER BY id LIMIT 7"""
        )
    ]
    raw_ids = [
        r[0]
        for r in wh.execute(
            f"""SELECT id FROM {W}.leads WHERE email !~ {BLANK} AND email IN
                (SELECT email FROM {W}.leads GROUP BY email HAVING count(*) > 1)
                ORDER BY id LIMIT 7"""
        )
    ]
    normalised = result.check("duplicates_normalised:email")
    assert [row["id"] for row in normalised.sample] == normalised_ids
    raw = result.check("duplicates:email")
    if raw.status == "fail":
        assert [row["id"] for row in raw.sample] == raw_ids
    # Tab- and case-variant e-mails (ids 101–112) are duplicates only once normalised.
    assert {101, 102} <= set(normalised_ids) and not {101, 102} & set(raw_ids)


def test_simple_samples_are_the_first_offending_rows_by_primary_key(wh):
    result = ce.run_dataset(wh, strict(demo_contracts()["leads"]), samples=True, sample_limit=5)
    expected = {
        "pattern:country": f"SELECT id FROM {W}.leads WHERE country !~ '^[A-Z]{{2}}$' AND country !~ {BLANK}",
        "reference:campaign": f"""SELECT id FROM {W}.leads l WHERE l.campaign_id !~ {BLANK}
            AND NOT EXISTS (SELECT 1 FROM {W}.campaigns c WHERE c.id = l.campaign_id)""",
        "rule:sql_needs_sql_date": f"SELECT id FROM {W}.leads WHERE lifecycle_stage = 'SQL' AND sql_date IS NULL",
    }
    for key, query in expected.items():
        check = result.check(key)
        assert check.status == "fail", key
        ids = [r[0] for r in wh.execute(f"{query} ORDER BY id LIMIT 5")]
        assert [row["id"] for row in check.sample] == ids, key


def test_samples_off_means_no_samples_statement_and_no_sample_keys_in_the_pass(wh):
    CountingCursor.sent.clear()
    result = ce.run_dataset(wh, demo_contracts()["leads"], samples=False)
    assert result.statement_log == ["introspect", "scan", "grouped"]
    assert "firsts" not in CountingCursor.sent[-2]
    assert all(c.sample is None for c in result.checks)


def test_work_mem_is_sized_to_the_table_within_bounds():
    table = ce.TableInfo("s", "t", {"id": "bigint"}, reltuples=1_000_000)
    assert ce.run_work_mem_mb(table, "full") == 191
    assert ce.run_work_mem_mb(table, "incremental") == 64
    assert ce.run_work_mem_mb(ce.TableInfo("s", "t", {}, reltuples=10), "full") == 64
    huge = ce.TableInfo("s", "t", {}, reltuples=1e9)
    assert ce.run_work_mem_mb(huge, "full") == 512
    assert ce.run_work_mem_mb(huge, "full", cap_mb=1024) == 1024


def test_a_new_check_kind_is_one_registered_function(wh, monkeypatch):
    from governance.health.checks import registry
    from governance.health.checks.plan import CheckDef

    monkeypatch.setattr(registry, "COMPILERS", list(registry.COMPILERS))

    @registry.check_kind("short_names")
    def short_names(b):
        check = b.add(
            CheckDef(
                key="short_names",
                kind="short_names",
                dimension="validity",
                columns=("first_name",),
                semantics="first names of one character",
                unit="%",
                threshold=Threshold(warn=0, fail=50),
            )
        )
        check.count_alias = b.count(sql.SQL("length(t.first_name) = 1"))
        check.denominator_alias = b.rows_alias

    from governance.health.checks import compiler

    monkeypatch.setattr(compiler, "COMPILERS", registry.COMPILERS)
    result = ce.run_dataset(wh, demo_contracts()["leads"], samples=False)
    expected = scalar(wh, f"SELECT count(*) FROM {W}.leads WHERE length(first_name) = 1")
    assert result.check("short_names").count == expected
    assert result.statements == 3  # still one scan
