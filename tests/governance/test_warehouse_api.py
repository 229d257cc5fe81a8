"""Warehouses over the API: admins only, the same rules as the page (warehouse_save), and
the connection string is write-only."""

import pytest

from governance.models import Warehouse

pytestmark = pytest.mark.django_db


def test_admin_creates_and_updates_a_warehouse_and_never_reads_its_dsn(api_for, demo_schema):
    api = api_for("admin")
    made = api.post(
        "/api/v1/warehouses/", {"name": "Marketing DW", "dsn": demo_schema}, format="json"
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert "dsn" not in body and body["has_connection"] is True
    warehouse = Warehouse.objects.get(name="Marketing DW")
    assert warehouse.dsn == demo_schema
    renamed = api.patch(
        f"/api/v1/warehouses/{warehouse.pk}/", {"name": "Marketing warehouse"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Marketing warehouse"
    warehouse.refresh_from_db()
    assert warehouse.dsn == demo_schema  # an update without dsn keeps the stored secret
    listed = api.get("/api/v1/warehouses/").json()["results"]
    assert all("dsn" not in row for row in listed)
    assert demo_schema not in api.get(f"/api/v1/warehouses/{warehouse.pk}/").content.decode()


@pytest.mark.parametrize(
    "dsn",
    ["", "postgres://postgres@127.0.0.1:5432/{app}", "mysql://x@y/z"],
    ids=["blank", "the-app-database", "not-postgres"],
)
def test_refused_connection_strings_name_the_dsn_field(api_for, dsn, settings):
    app_db = settings.DATABASES["default"]["NAME"]
    response = api_for("admin").post(
        "/api/v1/warehouses/", {"name": "Bad", "dsn": dsn.format(app=app_db)}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "dsn"
    assert not Warehouse.objects.filter(name="Bad").exists()


@pytest.mark.parametrize("role", ["pm", "engineer", "leadership", "requester", "approver"])
def test_only_admins_manage_warehouses(api_for, role):
    api = api_for(role)
    assert api.get("/api/v1/warehouses/").status_code == 403
    assert (
        api.post("/api/v1/warehouses/", {"name": "X", "dsn": "x"}, format="json").status_code == 403
    )
