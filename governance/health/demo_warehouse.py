"""The demo warehouse: schema ``demo_warehouse`` with leads, contacts, opportunities, accounts
and campaigns, built deterministically in SQL (generate_series, no random()) with planted
faults whose counts are known (``PLANTED``), plus the default contract of each table.

``build_demo_warehouse`` drops and recreates the schema (idempotent, ~0.1 s).
``provision_demo_warehouse`` puts it in a database of its own, read through a login role of
its own with SELECT on this schema only: data-health never reads with the app's role.
``bulk_load_leads`` builds the benchmark tables (1,000,000 leads + 50,000 accounts) the same way.
Timestamps are relative to the database clock at build time.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg
from psycopg import sql

from governance.health.contracts.spec import (
    Condition,
    ContractSpec,
    FieldSpec,
    Reference,
    Rule,
)

SCHEMA = "demo_warehouse"
ALLOWED_MEDIUMS = ("email", "cpc", "paid_social", "organic_social", "referral", "display")
ALLOWED_SOURCES = ("newsletter", "google", "linkedin", "facebook", "partner", "bing")
LIFECYCLE_STAGES = ("Lead", "MQL", "SQL", "Opportunity", "Customer")
OPPORTUNITY_STAGES = ("Discovery", "Proposal", "Negotiation", "Closed Won", "Closed Lost")

LEADS, CONTACTS, OPPORTUNITIES, ACCOUNTS, CAMPAIGNS = 2000, 800, 400, 300, 40

# Every planted fault: check key → number of offending rows (extra rows for duplicates).
PLANTED: dict[str, dict[str, int]] = {
    "leads": {
        "missing:email": 30,  # 20 NULL + 10 blank / whitespace-only
        "email:email": 17,  # malformed addresses
        "duplicates:email": 5,  # exact copies of another lead's e-mail
        "duplicates_normalised:email": 23,  # the 5 above + 12 case/whitespace + 6 gmail dots/plus
        "stale_rows": 20,  # updated more than 180 days ago
        "reference:campaign": 14,  # campaign ids not in the registry
        "reference:medium": 19,  # utm_medium not allowed by the taxonomy
        "reference:account": 9,  # account ids not in accounts
        "coverage": 41,  # 14 orphaned + 8 missing campaign ids + 19 bad mediums
        "rule:sql_needs_sql_date": 11,  # lifecycle_stage = 'SQL' without sql_date
        "range:score": 4,  # score outside 0..100
        "allowed:lifecycle_stage": 6,  # stages not in the list
        "missing:company": 7,
        "pattern:country": 8,  # not an ISO 3166 alpha-2 code
    },
    "contacts": {
        "missing:email": 9,
        "email:email": 6,
        "duplicates_normalised:email": 7,
        "reference:account": 5,
    },
    "opportunities": {
        "range:amount": 7,  # negative amounts
        "reference:campaign": 10,
        "coverage": 14,  # 10 orphaned + 4 missing campaign ids
        "rule:closed_won_needs_close_date": 5,
        "rule:close_after_create": 3,
    },
}

_DOMAINS = "ARRAY['example.com','acme.io','globex.com','initech.net','umbrella.org']"
_COUNTRIES = "ARRAY['US','GB','DE','FR','NL','CA','AU','SE']"
_MEDIUMS = "ARRAY['email','cpc','paid_social','organic_social','referral','display']"
_SOURCES = "ARRAY['newsletter','google','linkedin','facebook','partner','bing']"
_STAGES = "ARRAY['Lead','MQL','SQL','Opportunity','Customer']"
# The accounts table (`{accounts}` of them) and the leads table: the demo's and the benchmark's.
_ACCOUNTS = """CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, domain text NOT NULL,
  industry text);
INSERT INTO accounts
SELECT i, 'Account ' || i, 'account' || i || '.example.com',
       (ARRAY['SaaS','Retail','Finance','Health'])[1 + i % 4]
FROM generate_series(1, {accounts}) AS i;"""
_LEADS = """CREATE TABLE leads (id bigint PRIMARY KEY, email text, first_name text, last_name text,
  company text, account_id bigint, campaign_id text, utm_source text, utm_medium text,
  lifecycle_stage text, sql_date date, score integer, country text,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);"""

_BUILD = f"""
DROP SCHEMA IF EXISTS {SCHEMA} CASCADE;
CREATE SCHEMA {SCHEMA};
SET LOCAL search_path = {SCHEMA};

CREATE TABLE campaigns (id text PRIMARY KEY, name text NOT NULL, channel text NOT NULL,
  utm_source text NOT NULL, utm_medium text NOT NULL);
INSERT INTO campaigns
SELECT 'CMP-' || lpad(i::text, 3, '0'), 'Campaign ' || i, ({_MEDIUMS})[1 + i % 6],
       ({_SOURCES})[1 + i % 6], ({_MEDIUMS})[1 + i % 6]
FROM generate_series(1, {CAMPAIGNS}) AS i;

{_ACCOUNTS.format(accounts=ACCOUNTS)}

{_LEADS}
INSERT INTO leads
SELECT i, 'lead' || i || '@' || ({_DOMAINS})[1 + i % 5], 'First' || i, 'Last' || i,
       'Company ' || (1 + i % 300), 1 + i % {ACCOUNTS},
       'CMP-' || lpad((1 + i % {CAMPAIGNS})::text, 3, '0'),
       ({_SOURCES})[1 + i % 6], ({_MEDIUMS})[1 + i % 6],
       ({_STAGES})[1 + i % 5],
       CASE WHEN i % 5 >= 2 THEN (now() - make_interval(days => 10 + i % 30))::date END,
       (i * 37) % 101, ({_COUNTRIES})[1 + i % 8],
       now() - make_interval(hours => (i * 7) % 2160, mins => 5) - make_interval(days => 1 + i % 30),
       now() - make_interval(hours => (i * 7) % 2160, mins => 5)
FROM generate_series(1, {LEADS}) AS i;

-- Faults, each on its own id range so no row carries two of them.
UPDATE leads SET email = NULL WHERE id BETWEEN 11 AND 30;
UPDATE leads SET email = (ARRAY['', ' ', '   ', E'\\t'])[(1 + id % 4)::int] WHERE id BETWEEN 31 AND 40;
UPDATE leads SET email = (ARRAY['lead' || id || '.example.com', 'lead' || id || '@',
    '@example' || id || '.com', 'lead' || id || '@example', 'lead ' || id || '@example.com',
    'lead' || id || '@@example.com'])[(1 + id % 6)::int]
  WHERE id BETWEEN 51 AND 67;
UPDATE leads SET email = '  ' || upper(substr(o.email, 1, 1)) || substr(o.email, 2, 3)
    || upper(substr(o.email, 5)) || ' '
  FROM leads o WHERE o.id = leads.id + 900 AND leads.id BETWEEN 101 AND 112;
UPDATE leads SET email = 'jane.smith' || id || '@gmail.com' WHERE id BETWEEN 1101 AND 1106;
UPDATE leads SET email = CASE WHEN id % 2 = 0
      THEN 'j.a.n.e.smith' || (id + 980) || '+promo' || id || '@gmail.com'
      ELSE 'JaneSmith' || (id + 980) || '@GoogleMail.com' END
  WHERE id BETWEEN 121 AND 126;
UPDATE leads SET email = o.email FROM leads o
  WHERE o.id = leads.id + 1070 AND leads.id BETWEEN 131 AND 135;
UPDATE leads SET updated_at = now() - make_interval(days => 400, hours => id::int),
                 created_at = now() - make_interval(days => 430, hours => id::int)
  WHERE id BETWEEN 141 AND 160;
UPDATE leads SET campaign_id = 'CMP-9' || id WHERE id BETWEEN 171 AND 184;
UPDATE leads SET campaign_id = NULL WHERE id BETWEEN 191 AND 198;
UPDATE leads SET utm_medium = (ARRAY['Email', 'e-mail', 'CPC', 'paid-social', 'cpc '])[(1 + id % 5)::int]
  WHERE id BETWEEN 211 AND 229;
UPDATE leads SET lifecycle_stage = 'SQL', sql_date = NULL WHERE id BETWEEN 241 AND 251;
UPDATE leads SET score = (ARRAY[150, -5, 101, 250])[(id - 260)::int] WHERE id BETWEEN 261 AND 264;
UPDATE leads SET lifecycle_stage = (ARRAY['sql', 'Marketing Qualified', 'lead', 'Customer '])[(1 + id % 4)::int]
  WHERE id BETWEEN 271 AND 276;
UPDATE leads SET account_id = 900000 + id WHERE id BETWEEN 281 AND 289;
UPDATE leads SET company = CASE WHEN id % 2 = 0 THEN NULL ELSE '  ' END WHERE id BETWEEN 291 AND 297;
UPDATE leads SET country = (ARRAY['usa', 'U.S.', 'Germany', 'uk'])[(1 + id % 4)::int] WHERE id BETWEEN 301 AND 308;
CREATE INDEX leads_updated_at ON leads (updated_at);

CREATE TABLE contacts (id bigint PRIMARY KEY, email text, first_name text, last_name text,
  account_id bigint, phone text, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO contacts
SELECT i, 'contact' || i || '@' || ({_DOMAINS})[1 + i % 5], 'First' || i, 'Last' || i,
       1 + i % {ACCOUNTS}, '+1-555-' || lpad(i::text, 4, '0'),
       now() - make_interval(days => 60 + i % 200),
       now() - make_interval(hours => 50 + (i * 11) % 1000)
FROM generate_series(1, {CONTACTS}) AS i;
UPDATE contacts SET email = NULL WHERE id BETWEEN 11 AND 19;
UPDATE contacts SET email = 'contact' || id || '_at_example.com' WHERE id BETWEEN 21 AND 26;
UPDATE contacts SET email = upper(o.email) FROM contacts o
  WHERE o.id = contacts.id + 500 AND contacts.id BETWEEN 31 AND 37;
UPDATE contacts SET account_id = 800000 + id WHERE id BETWEEN 41 AND 45;
CREATE INDEX contacts_updated_at ON contacts (updated_at);

CREATE TABLE opportunities (id bigint PRIMARY KEY, name text NOT NULL, account_id bigint,
  campaign_id text, stage text NOT NULL, amount numeric(12, 2), close_date date,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO opportunities
SELECT i, 'Opportunity ' || i, 1 + i % {ACCOUNTS},
       'CMP-' || lpad((1 + i % {CAMPAIGNS})::text, 3, '0'),
       (ARRAY['Discovery','Proposal','Negotiation','Closed Won','Closed Lost'])[1 + i % 5],
       1000 + (i * 137) % 49000,
       CASE WHEN i % 5 >= 3 THEN (now() - make_interval(days => i % 20))::date END,
       now() - make_interval(days => 30 + i % 90),
       now() - make_interval(hours => 1 + (i * 13) % 500)
FROM generate_series(1, {OPPORTUNITIES}) AS i;
UPDATE opportunities SET amount = -amount WHERE id BETWEEN 11 AND 17;
UPDATE opportunities SET campaign_id = 'CMP-X' || id WHERE id BETWEEN 21 AND 30;
UPDATE opportunities SET campaign_id = NULL WHERE id BETWEEN 31 AND 34;
UPDATE opportunities SET stage = 'Closed Won', close_date = NULL WHERE id BETWEEN 41 AND 45;
UPDATE opportunities SET stage = 'Closed Lost',
    close_date = (created_at - interval '5 days')::date WHERE id BETWEEN 51 AND 53;
CREATE INDEX opportunities_updated_at ON opportunities (updated_at);

ANALYZE campaigns; ANALYZE accounts; ANALYZE leads; ANALYZE contacts; ANALYZE opportunities;
"""


def build_demo_warehouse(conn: psycopg.Connection) -> None:
    """Drop and recreate the demo warehouse schema in one transaction."""
    with conn.transaction():
        conn.execute(_BUILD)


def drop_demo_warehouse(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(SCHEMA)))


def provision_demo_warehouse(
    admin_conninfo: str, *, database: str, role: str, password: str
) -> str:
    """Create (or refresh) database `database` holding the demo schema and login role `role`
    with CONNECT on it and SELECT on the schema only; returns the role's connection string.

    `admin_conninfo` is a role that may create databases and roles (the app's, in a dev or
    demo install, including the embedded PostgreSQL). Idempotent.
    """
    params = psycopg.conninfo.conninfo_to_dict(admin_conninfo)
    with psycopg.connect(admin_conninfo, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if exists.fetchone() is None:
            try:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            except psycopg.errors.DuplicateDatabase:
                pass  # created meanwhile by a concurrent set-up
        if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone() is None:
            try:
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            except psycopg.errors.DuplicateObject:
                pass
        admin.execute(
            sql.SQL(
                "ALTER ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                "NOBYPASSRLS CONNECTION LIMIT 20 PASSWORD {}"
            ).format(sql.Identifier(role), sql.Literal(password))
        )
        admin.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
        )
        admin.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(role)
            )
        )
    warehouse_admin = psycopg.conninfo.make_conninfo(admin_conninfo, dbname=database)
    with psycopg.connect(warehouse_admin, autocommit=True) as conn:
        build_demo_warehouse(conn)
        with conn.transaction():
            conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            conn.execute(
                sql.SQL(
                    "GRANT USAGE ON SCHEMA {s} TO {r}; GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}"
                ).format(s=sql.Identifier(SCHEMA), r=sql.Identifier(role))
            )
    return psycopg.conninfo.make_conninfo(
        host=params.get("host") or "127.0.0.1",
        port=str(params.get("port") or 5432),
        dbname=database,
        user=role,
        password=password,
    )


def _ref_campaign(schema: str, name: str = "campaign") -> Reference:
    return Reference(
        name=name,
        column="campaign_id",
        target_schema=schema,
        target_table="campaigns",
        target_column="id",
        description="campaign_id must exist in the campaign registry",
    )


def _ref_account(schema: str, description: str = "") -> Reference:
    # Not part of attribution coverage (the campaign and the medium are).
    return Reference(
        name="account",
        column="account_id",
        target_schema=schema,
        target_table="accounts",
        target_column="id",
        coverage=False,
        description=description,
    )


# Every demo table but accounts keeps when a row was made and last changed.
_STAMPS = (
    FieldSpec("created_at", "timestamp", required=True),
    FieldSpec("updated_at", "timestamp", required=True),
)


def _crm_contract(schema: str, table: str, *fields: FieldSpec, **terms: Any) -> ContractSpec:
    """The contract of a CRM table of the demo: keyed by `id`, its rows stamped (`_STAMPS`,
    `updated_at` the timestamp column) and expected fresh within a day."""
    return ContractSpec(
        schema=schema,
        table=table,
        primary_key=("id",),
        timestamp_column="updated_at",
        fields=(*fields, *_STAMPS),
        freshness_slo_hours=24,
        **terms,
    )


def leads_contract(schema: str = SCHEMA) -> ContractSpec:
    return _crm_contract(
        schema,
        "leads",
        FieldSpec("id", "integer", "Lead id", required=True, unique=True),
        FieldSpec("email", "text", "Work e-mail", required=True, unique=True, pii=True, email=True),
        FieldSpec("first_name", "text", pii=True),
        FieldSpec("last_name", "text", pii=True),
        FieldSpec("company", "text", "Company name", required=True),
        FieldSpec("account_id", "integer"),
        FieldSpec("campaign_id", "text", "Campaign that sourced the lead"),
        FieldSpec("utm_source", "text"),
        FieldSpec("utm_medium", "text"),
        FieldSpec("lifecycle_stage", "text", required=True, allowed_values=LIFECYCLE_STAGES),
        FieldSpec("sql_date", "date", "Date the lead became sales-qualified"),
        FieldSpec("score", "integer", "Lead score", minimum=0, maximum=100),
        FieldSpec("country", "text", "ISO 3166-1 alpha-2", pattern=r"^[A-Z]{2}$"),
        stale_after_days=180,
        expected_volume=(1500, 5000),
        rules=(
            Rule(
                name="sql_needs_sql_date",
                when=Condition("lifecycle_stage", "eq", "SQL"),
                then=Condition("sql_date", "not_null"),
                description="lifecycle_stage = 'SQL' ⇒ sql_date IS NOT NULL",
            ),
        ),
        references=(
            _ref_campaign(schema),
            Reference(
                name="medium",
                column="utm_medium",
                allowed_values=ALLOWED_MEDIUMS,
                description="utm_medium must be allowed by the taxonomy",
            ),
            _ref_account(schema, "account_id must exist in accounts"),
        ),
    )


def contacts_contract(schema: str = SCHEMA) -> ContractSpec:
    return _crm_contract(
        schema,
        "contacts",
        FieldSpec("id", "integer", required=True, unique=True),
        FieldSpec("email", "text", required=True, unique=True, pii=True, email=True),
        FieldSpec("first_name", "text", pii=True),
        FieldSpec("last_name", "text", pii=True),
        FieldSpec("account_id", "integer"),
        FieldSpec("phone", "text", pii=True),
        expected_volume=(500, 2000),
        references=(_ref_account(schema),),
    )


def opportunities_contract(schema: str = SCHEMA) -> ContractSpec:
    return _crm_contract(
        schema,
        "opportunities",
        FieldSpec("id", "integer", required=True, unique=True),
        FieldSpec("name", "text", required=True),
        FieldSpec("account_id", "integer"),
        FieldSpec("campaign_id", "text"),
        FieldSpec("stage", "text", required=True, allowed_values=OPPORTUNITY_STAGES),
        FieldSpec("amount", "number", "Pipeline value", minimum=0),
        FieldSpec("close_date", "date"),
        expected_volume=(100, 2000),
        rules=(
            Rule(
                name="closed_won_needs_close_date",
                when=Condition("stage", "eq", "Closed Won"),
                then=Condition("close_date", "not_null"),
            ),
            Rule(
                name="close_after_create",
                when=Condition("close_date", "not_null"),
                then=Condition("close_date", "ge", other_column="created_at"),
                description="an opportunity cannot close before it was created",
            ),
        ),
        references=(_ref_campaign(schema),),
        coverage_value_column="amount",
    )


def accounts_contract(schema: str = SCHEMA) -> ContractSpec:
    return ContractSpec(
        schema=schema,
        table="accounts",
        primary_key=("id",),
        fields=(
            FieldSpec("id", "integer", required=True, unique=True),
            FieldSpec("name", "text", required=True),
            FieldSpec("domain", "text", required=True, pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$"),
            FieldSpec("industry", "text"),
        ),
    )


def demo_contracts(schema: str = SCHEMA) -> dict[str, ContractSpec]:
    return {
        "leads": leads_contract(schema),
        "contacts": contacts_contract(schema),
        "opportunities": opportunities_contract(schema),
        "accounts": accounts_contract(schema),
    }


# --- benchmark data ----------------------------------------------------------------------------

BENCH_SCHEMA = "bench_warehouse"

_BULK = f"""
DROP SCHEMA IF EXISTS {{schema}} CASCADE;
CREATE SCHEMA {{schema}};
SET LOCAL search_path = {{schema}};
CREATE TABLE campaigns (id text PRIMARY KEY, name text NOT NULL);
INSERT INTO campaigns SELECT 'CMP-' || lpad(i::text, 3, '0'), 'Campaign ' || i
  FROM generate_series(1, 200) AS i;
{_ACCOUNTS}
{_LEADS}
INSERT INTO leads
SELECT i,
  CASE WHEN i % 100 = 0 THEN NULL
       WHEN i % 250 = 1 THEN ''
       WHEN i % 333 = 2 THEN 'user' || i || '@example'
       WHEN i % 10 = 3 THEN 'first.last' || (i % 970000) || '@gmail.com'
       WHEN i % 97 = 5 THEN ' User' || (i % 970000) || '@Example.com'
       ELSE 'user' || (i % 970000) || '@' || (ARRAY['example.com','acme.io','globex.com'])[1 + i % 3]
  END,
  'First' || i, 'Last' || i,
  CASE WHEN i % 500 = 7 THEN NULL ELSE 'Company ' || (i % 20000) END,
  CASE WHEN i % 400 = 9 THEN 900000 + i ELSE 1 + i % {{accounts}} END,
  CASE WHEN i % 300 = 11 THEN 'CMP-X' ELSE 'CMP-' || lpad((1 + i % 200)::text, 3, '0') END,
  ({_SOURCES})[1 + i % 6],
  CASE WHEN i % 211 = 13 THEN 'E-mail'
       ELSE ({_MEDIUMS})[1 + i % 6] END,
  CASE WHEN i % 600 = 17 THEN 'sql' ELSE ({_STAGES})[1 + i % 5] END,
  CASE WHEN i % 5 >= 2 AND i % 450 <> 2 THEN DATE '2025-01-01' + (i % 300) END,
  CASE WHEN i % 800 = 19 THEN 150 ELSE (i * 37) % 101 END,
  CASE WHEN i % 700 = 23 THEN 'usa' ELSE ({_COUNTRIES})[1 + i % 8] END,
  now() - make_interval(secs => (i::bigint * 7919) % 31536000) - interval '30 days',
  now() - make_interval(secs => (i::bigint * 7919) % 31536000)
FROM generate_series(1, {{rows}}) AS i;
CREATE INDEX leads_updated_at ON leads (updated_at);
ANALYZE campaigns; ANALYZE accounts; ANALYZE leads;
"""


def bulk_load_leads(
    conn: psycopg.Connection, n_rows: int, *, accounts: int = 50_000, schema: str = BENCH_SCHEMA
) -> None:
    """(Re)build ``schema`` with ``n_rows`` leads (timestamps spread over a year, ~n/8760 per
    hour), ``accounts`` accounts and 200 campaigns, with faults at fixed modular rates."""
    query = sql.SQL(_BULK).format(
        schema=sql.Identifier(schema),
        rows=sql.Literal(int(n_rows)),
        accounts=sql.Literal(int(accounts)),
    )
    with conn.transaction():
        conn.execute(query)


def bench_leads_contract(schema: str = BENCH_SCHEMA) -> ContractSpec:
    """The benchmark contract: the demo leads contract pointed at the bench schema."""
    base = leads_contract(schema)
    return replace(
        base,
        expected_volume=(900_000, 1_100_000),
        references=(
            _ref_campaign(schema),
            base.references[1],
            _ref_account(schema),
        ),
    )
