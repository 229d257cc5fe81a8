"""Data-health queries never run with the app's database role (issue #12, finding 1)."""

from __future__ import annotations

import psycopg
import pytest
from django.core.exceptions import ValidationError

from governance.health.services import (
    app_database_conninfo,
    contract_save,
    dataset_introspect,
    dataset_run_checks,
    dataset_save,
    warehouse_connect,
    warehouse_save,
)
from governance.health.warehouse_access import WarehouseRefused
from governance.models import Warehouse

SOCKET_DIR = "/var/run/postgresql"


def _custom(health, users, name: str, query: str):
    leads = health["datasets"]["leads"]
    spec = dict(leads.contract.spec)
    spec["custom_metrics"] = [{"name": name, "sql": query}]
    contract_save(dataset=leads, actor=users["admin"], spec=spec)
    run = dataset_run_checks(dataset_id=leads.pk)
    return run, run.results.get(key=f"custom:{name}")


def test_custom_sql_cannot_read_the_apps_auth_tables(health, users):
    run, result = _custom(
        health, users, "hashes", "SELECT count(*) FROM public.auth_user WHERE password <> ''"
    )
    assert result.status == "error"
    assert result.value is None
    # no such table (or no access to it): the warehouse is another database
    assert result.error_code in {"42P01", "42501"}


def test_custom_sql_cannot_read_server_files(health, users):
    _, result = _custom(health, users, "files", "SELECT length(pg_read_file('/etc/passwd'))::int")
    assert result.status == "error" and result.value is None
    assert result.error_code == "42501"
    assert "permission denied" in result.error


def test_custom_sql_cannot_list_the_apps_sessions_through_another_schema(health, users):
    _, result = _custom(health, users, "sessions", "SELECT count(*) FROM django_session")
    assert result.status == "error" and result.error_code in {"42P01", "42501"}


def test_the_demo_warehouse_login_is_a_select_only_role_of_its_own(health):
    with warehouse_connect(health["warehouse"]) as conn:
        row = conn.execute(
            "SELECT current_user, current_database(), rolsuper, rolcreatedb, rolcreaterole,"
            " has_schema_privilege('demo_warehouse', 'CREATE'),"
            " has_table_privilege('demo_warehouse.leads', 'SELECT'),"
            " has_table_privilege('demo_warehouse.leads', 'INSERT')"
            " FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    app = psycopg.conninfo.conninfo_to_dict(app_database_conninfo())
    user, database, superuser, createdb, createrole, create, select, insert = row
    assert user != app["user"] and database != app["dbname"]
    assert not (superuser or createdb or createrole or create or insert)
    assert select


def test_a_blank_connection_string_is_refused_not_defaulted_to_the_app_database(db, users):
    with pytest.raises(ValidationError) as exc:
        warehouse_save(actor=users["admin"], name="Blank", dsn="")
    assert "dsn" in exc.value.message_dict
    assert "docs/data-health.md" in exc.value.message_dict["dsn"][0]
    # A row saved around the service (admin, fixtures) is still refused at connect time.
    legacy = Warehouse.objects.create(name="Legacy")
    with pytest.raises(WarehouseRefused):
        warehouse_connect(legacy)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_connection_string_to_the_apps_own_database_is_refused(db, users, host):
    app = psycopg.conninfo.conninfo_to_dict(app_database_conninfo())
    dsn = f"postgresql://someone@{host}:{app.get('port') or 5432}/{app['dbname']}"
    with pytest.raises(ValidationError) as exc:
        warehouse_save(actor=users["admin"], name="Self", dsn=dsn)
    assert "app's own database" in exc.value.message_dict["dsn"][0]


def test_the_apps_own_login_on_another_database_is_refused(db, users, demo_schema):
    app = psycopg.conninfo.conninfo_to_dict(app_database_conninfo())
    other = psycopg.conninfo.conninfo_to_dict(demo_schema)["dbname"]
    dsn = f"postgresql://{app['user']}@127.0.0.1:{app.get('port') or 5432}/{other}"
    with pytest.raises(ValidationError) as exc:
        warehouse_save(actor=users["admin"], name="Other", dsn=dsn)
    assert "app's own database role" in exc.value.message_dict["dsn"][0]


def test_the_same_server_reached_by_another_address_is_refused_once_connected(db, users):
    """A Unix socket is another spelling of the app's server: the server's system identifier
    and current_database() give it away."""
    app = psycopg.conninfo.conninfo_to_dict(app_database_conninfo())
    alias = Warehouse.objects.create(
        name="Alias",
        dsn=f"host={SOCKET_DIR} port={app.get('port') or 5432} dbname={app['dbname']} user=nobody_x",
    )
    with pytest.raises((WarehouseRefused, psycopg.OperationalError)):
        warehouse_connect(alias)
    superuser = Warehouse.objects.create(
        name="Super",
        dsn=f"host={SOCKET_DIR} port={app.get('port') or 5432} dbname={app['dbname']} "
        f"user={app['user']}",
    )
    with pytest.raises(WarehouseRefused) as exc:
        warehouse_connect(superuser)
    assert "superuser" in exc.value.message_dict["dsn"][0] or "app's own" in str(exc.value)


def test_a_superuser_login_is_refused_even_on_a_separate_database(db, users, demo_schema):
    app = psycopg.conninfo.conninfo_to_dict(app_database_conninfo())
    other = psycopg.conninfo.conninfo_to_dict(demo_schema)["dbname"]
    warehouse = Warehouse.objects.create(
        name="Super elsewhere",
        dsn=f"host={SOCKET_DIR} port={app.get('port') or 5432} dbname={other} user={app['user']}",
    )
    with pytest.raises(WarehouseRefused) as exc:
        warehouse_connect(warehouse)
    assert "superuser" in exc.value.message_dict["dsn"][0]


def test_a_run_on_a_refused_warehouse_is_an_error_run_naming_the_reason(health, users):
    leads = health["datasets"]["leads"]
    blank = Warehouse.objects.create(name="Blank")
    leads.warehouse = blank
    leads.save(update_fields=["warehouse"])
    run = dataset_run_checks(dataset_id=leads.pk)
    assert run.status == "error" and "own connection string" in run.error


@pytest.mark.parametrize("schema", ["pg_catalog", "information_schema", "pg_toast", "PG_temp_3"])
def test_system_schemas_cannot_be_datasets(health, users, schema):
    with pytest.raises(ValidationError) as exc:
        dataset_save(actor=users["admin"], warehouse=health["warehouse"], schema=schema, table="t")
    assert "system schema" in exc.value.message_dict["schema"][0]


def test_system_schema_dataset_is_refused_on_the_page_naming_the_field(health, client_for):
    response = client_for("admin").post(
        "/governance/datasets/new/",
        {
            "warehouse": health["warehouse"].pk,
            "schema": "pg_catalog",
            "table": "pg_authid",
            "schedule": "0 * * * *",
        },
    )
    assert response.status_code == 400
    assert b"system schema" in response.content


def test_contract_references_cannot_point_into_system_schemas(health, users):
    leads = health["datasets"]["leads"]
    spec = dict(leads.contract.spec)
    spec["references"] = [
        {
            "name": "roles",
            "column": "email",
            "target_schema": "pg_catalog",
            "target_table": "pg_authid",
            "target_column": "rolname",
        }
    ]
    with pytest.raises(ValidationError) as exc:
        contract_save(dataset=leads, actor=users["admin"], spec=spec)
    assert "system schema" in exc.value.message_dict["spec"][0]


def test_database_error_text_never_carries_the_failing_value(health, users, api_for):
    run, result = _custom(
        health, users, "leaky", "SELECT email::int FROM demo_warehouse.leads WHERE id = 1"
    )
    secret = "lead1@acme.io"
    assert result.status == "error" and result.error_code == "22P02"
    assert secret not in result.error and secret not in result.error_detail
    assert "SQLSTATE 22P02" in result.error
    assert secret not in run.error and all(secret not in n for n in run.notes)
    pm = api_for("pm").get(f"/api/v1/check-runs/{run.pk}/").json()
    pm_result = next(r for r in pm["results"] if r["key"] == "custom:leaky")
    assert pm_result["error_code"] == "22P02" and pm_result["error_detail"] == ""
    admin = api_for("admin").get(f"/api/v1/check-runs/{run.pk}/").json()
    admin_result = next(r for r in admin["results"] if r["key"] == "custom:leaky")
    assert "invalid input syntax" in admin_result["error_detail"]
    assert secret not in str(admin) and secret not in str(pm)


def test_run_page_shows_the_database_text_to_admins_only(health, users, client_for):
    run, _ = _custom(health, users, "cast", "SELECT 'x-secret-9'::int")
    pm_page = client_for("pm").get(f"/governance/runs/{run.pk}/").content.decode()
    admin_page = client_for("admin").get(f"/governance/runs/{run.pk}/").content.decode()
    assert "SQLSTATE 22P02" in pm_page and "Database said" not in pm_page
    assert "Database said" in admin_page and "x-secret-9" not in admin_page


def test_introspection_through_a_refused_warehouse_names_the_field(health, users):
    leads = health["datasets"]["leads"]
    leads.warehouse = Warehouse.objects.create(name="Blank2")
    with pytest.raises(ValidationError) as exc:
        dataset_introspect(dataset=leads)
    assert "dsn" in exc.value.message_dict
