"""Data-health pages and API: lists with constant query counts, run now, contract YAML
export/import (line-numbered errors), incident acknowledge/resolve, runbook search."""

from __future__ import annotations

from governance.health.services import dataset_run_checks
from governance.models import Incident
from governance.tasks import dataset_run_checks_task


def health_user(client) -> int:
    """The id of the user logged in on a test client."""
    return int(client.session["_auth_user_id"])


def test_pages_render_for_staff_and_hide_from_requesters(
    health, client_for, django_assert_max_num_queries
):
    leads = health["datasets"]["leads"]
    run = dataset_run_checks(dataset_id=leads.pk)
    engineer = client_for("engineer")
    with django_assert_max_num_queries(20):
        assert engineer.get("/governance/datasets/").status_code == 200
    page = engineer.get(f"/governance/datasets/{leads.pk}/")
    assert page.status_code == 200 and b"Extra rows" in page.content
    assert b"sql_needs_sql_date" in page.content and b"PII" in page.content  # readable contract
    detail = engineer.get(f"/governance/runs/{run.pk}/")
    assert b"Failing rows sample" in detail.content
    incident = Incident.objects.filter(dataset=leads).first()
    assert engineer.get(f"/governance/incidents/{incident.pk}/").status_code == 200
    with django_assert_max_num_queries(20):
        assert engineer.get("/governance/incidents/").status_code == 200
    assert engineer.get("/governance/monitors/").status_code == 200
    assert client_for("requester").get("/governance/datasets/").status_code == 403


def test_run_now_from_the_page_and_acknowledge_the_incident(
    health, client_for, django_capture_on_commit_callbacks
):
    """ "Run checks now" queues the run on the worker (it used to run inside the request);
    the page polls until the worker's run ends, then reloads."""
    leads = health["datasets"]["leads"]
    engineer = client_for("engineer")
    with django_capture_on_commit_callbacks() as queued:
        response = engineer.post(f"/governance/datasets/{leads.pk}/", {"mode": "full"})
    assert response.status_code == 302 and response["Location"] == leads.get_absolute_url()
    assert len(queued) == 1 and not leads.runs.exists()  # nothing ran in the request
    page = engineer.get(leads.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page and "this page updates itself" in page
    poll = engineer.get(
        leads.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="run-status"
    )
    assert 'id="run-status"' in poll.content.decode() and "<html" not in poll.content.decode()
    again = engineer.post(f"/governance/datasets/{leads.pk}/", {"mode": "full"}, follow=True)
    assert b"in progress" in again.content  # one queued run at a time
    dataset_run_checks_task.apply(
        kwargs={
            "dataset_id": leads.pk,
            "mode": "full",
            "trigger": "manual",
            "actor_id": health_user(engineer),
        }
    )
    run = leads.runs.get()
    assert (run.trigger, run.requested_by.username) == ("manual", "engineer")
    ended = engineer.get(
        leads.get_absolute_url(), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="run-status"
    )
    assert ended["HX-Refresh"] == "true"
    assert 'hx-trigger="every 2s"' not in engineer.get(leads.get_absolute_url()).content.decode()
    incident = Incident.objects.filter(dataset=leads, status="open").first()
    engineer.post(f"/governance/incidents/{incident.pk}/", {"transition": "acknowledge"})
    incident.refresh_from_db()
    assert incident.status == "acknowledged"


def test_contract_edit_page_shows_line_numbered_errors(health, client_for):
    leads = health["datasets"]["leads"]
    admin = client_for("admin")
    form = admin.get(f"/governance/datasets/{leads.pk}/contract/")
    assert b"apiVersion: v3.0.0" in form.content
    bad = admin.post(
        f"/governance/datasets/{leads.pk}/contract/", {"yaml": "schema: [\n", "version": "1"}
    )
    assert bad.status_code == 400 and b"line " in bad.content
    assert (
        client_for("engineer").get(f"/governance/datasets/{leads.pk}/contract/").status_code == 403
    )


def test_runbook_search_finds_by_stemmed_words(health, client_for):
    page = client_for("pm").get("/governance/runbooks/?q=bounces")
    assert b"Deliverability dips" in page.content and b"Identity stitching" not in page.content
    html = client_for("pm").get("/governance/runbooks/deliverability-dips/")
    assert b"<h2>Symptoms</h2>" in html.content


def test_api_lists_run_contract_yaml_and_incident_actions(
    health, api_for, django_assert_max_num_queries
):
    leads = health["datasets"]["leads"]
    engineer, admin = api_for("engineer"), api_for("admin")
    run = engineer.post(f"/api/v1/datasets/{leads.pk}/run/", {"mode": "full"}, format="json")
    assert run.status_code == 201 and run.json()["status"] == "fail"
    with django_assert_max_num_queries(12):
        assert engineer.get("/api/v1/datasets/").status_code == 200
    with django_assert_max_num_queries(12):
        assert engineer.get("/api/v1/incidents/?status=open").status_code == 200
    assert engineer.get("/api/v1/incidents/?status=bogus").status_code == 400
    assert engineer.get("/api/v1/check-runs/?dataset=x").status_code == 400
    yaml_text = engineer.get(f"/api/v1/datasets/{leads.pk}/contract-yaml/").content.decode()
    saved = admin.put(
        f"/api/v1/datasets/{leads.pk}/contract-yaml/",
        {"yaml": yaml_text},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert saved.status_code == 200 and saved.json()["version"] == 2
    stale = admin.put(
        f"/api/v1/datasets/{leads.pk}/contract-yaml/",
        {"yaml": yaml_text},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert stale.status_code == 412
    incident = Incident.objects.filter(status="open").first()
    ack = engineer.post(f"/api/v1/incidents/{incident.pk}/acknowledge/", {}, format="json")
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert (
        api_for("leadership")
        .post(f"/api/v1/incidents/{incident.pk}/resolve/", {}, format="json")
        .status_code
        == 403
    )
    found = engineer.get("/api/v1/runbooks/?q=duplicate").json()
    assert any(r["slug"] == "identity-stitching" for r in found["results"])


def test_warehouse_connection_string_is_encrypted_and_never_shown(db, users, client_for):
    from django.db import connection

    admin = client_for("admin")
    secret = "postgresql://reader:s3cr3t-pw@warehouse.example/analytics"
    response = admin.post(
        "/governance/warehouses/",
        {"name": "Analytics", "dsn": secret, "statement_timeout_ms": 20000},
    )
    assert response.status_code == 302
    page = admin.get("/governance/warehouses/")
    assert b"s3cr3t-pw" not in page.content and b"external (stored, hidden)" in page.content
    with connection.cursor() as cursor:
        cursor.execute("SELECT dsn FROM governance_warehouse WHERE name = 'Analytics'")
        stored = cursor.fetchone()[0]
    assert "s3cr3t" not in stored
    # Saving again without a connection string keeps the stored one.
    admin.post(
        "/governance/warehouses/", {"name": "Analytics", "dsn": "", "statement_timeout_ms": 1000}
    )
    from governance.models import Warehouse

    assert Warehouse.objects.get(name="Analytics").dsn == secret
    assert client_for("engineer").get("/governance/warehouses/").status_code == 403


def test_dataset_created_from_the_page_is_introspected_and_scheduled(health, client_for):
    admin = client_for("admin")
    response = admin.post(
        "/governance/datasets/new/",
        {
            "warehouse": health["warehouse"].pk,
            "schema": "demo_warehouse",
            "table": "campaigns",
            "schedule": "15 2 * * *",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    from governance.models import Dataset

    ds = Dataset.objects.get(table="campaigns")
    assert {"name": "id", "type": "text"} in ds.last_columns or any(
        c["name"] == "id" for c in ds.last_columns
    )
    assert ds.periodic_task.crontab.minute == "15" and ds.periodic_task.crontab.hour == "2"
    bad = admin.post(
        "/governance/datasets/new/",
        {
            "warehouse": health["warehouse"].pk,
            "schema": "demo_warehouse",
            "table": "x",
            "schedule": "every day",
        },
    )
    assert bad.status_code == 400 and b"five fields" in bad.content


def test_monitor_and_runbook_editing_pages(health, client_for):
    admin = client_for("admin")
    response = admin.post(
        "/governance/monitors/new/",
        {"name": "Lead routing sync", "period_minutes": 15, "grace_minutes": 5},
    )
    assert response.status_code == 302
    from governance.models import Monitor, Runbook

    monitor = Monitor.objects.get(name="Lead routing sync")
    assert monitor.next_due_at is not None
    runbook = Runbook.objects.get(slug="broken-utms")
    edit = client_for("engineer").post(
        "/governance/runbooks/broken-utms/edit/",
        {
            "slug": "broken-utms",
            "title": runbook.title,
            "summary": runbook.summary,
            "failure_modes": "reference, coverage",
            "body": runbook.body + "\n\nAlso check the ad platform's auto-tagging.",
            "version": runbook.version,
        },
    )
    assert edit.status_code == 302
    runbook.refresh_from_db()
    assert runbook.version == 2 and runbook.history.count() == 2
    assert runbook.failure_modes == ["reference", "coverage"]
    stale = client_for("engineer").post(
        "/governance/runbooks/broken-utms/edit/",
        {"slug": "broken-utms", "title": "x", "body": "y", "version": 1},
    )
    assert stale.status_code == 412


def test_runbook_markdown_is_sanitised(health, users, client_for):
    from governance.health.services import runbook_save

    runbook_save(
        actor=users["admin"],
        slug="xss",
        title="XSS",
        body="Hi <script>alert(1)</script> [x](javascript:alert(1))",
    )
    page = client_for("pm").get("/governance/runbooks/xss/")
    assert b"<script>alert(1)" not in page.content and b"javascript:alert" not in page.content


def test_api_check_definitions_carry_semantics(health, api_for):
    leads = health["datasets"]["leads"]
    rows = api_for("pm").get(f"/api/v1/datasets/{leads.pk}/checks/").json()
    by_key = {r["key"]: r for r in rows}
    assert by_key["duplicates_normalised:email"]["semantics"].startswith(
        "Duplicates on the normalised"
    )
    assert by_key["missing:email"]["fail"] == 5


def test_monitor_list_query_count_is_constant(
    health, users, client_for, django_assert_max_num_queries
):
    from datetime import timedelta

    from governance.health.services import (
        monitor_ping,
        monitor_save,
    )

    for i in range(5):
        m = monitor_save(
            actor=users["admin"],
            name=f"Job {i}",
            period=timedelta(minutes=10),
            grace=timedelta(minutes=1),
        )
        monitor_ping(monitor=m)
    pm = client_for("pm")
    with django_assert_max_num_queries(12):
        assert pm.get("/governance/monitors/").status_code == 200
    with django_assert_max_num_queries(12):
        assert pm.get("/governance/runbooks/?q=sync").status_code == 200


def test_home_panel_lists_open_incidents_for_staff(health, client_for):
    dataset_run_checks(dataset_id=health["datasets"]["leads"].pk)
    assert b"Open incidents" in client_for("engineer").get("/").content
    assert b"Open incidents" not in client_for("requester").get("/").content


def test_new_datasets_run_in_full_nightly_and_pages_say_so_in_words(health, client_for):
    from governance.models import Dataset

    ds = health["datasets"]["leads"]  # created by dataset_save without a schedule
    assert ds.schedule == "0 2 * * *"
    task = Dataset.objects.get(pk=ds.pk).periodic_task
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "2", "*")
    assert '"mode": "full"' in task.kwargs
    admin = client_for("admin")
    assert 'value="0 2 * * *"' in admin.get("/governance/datasets/new/").content.decode()
    listing = admin.get("/governance/datasets/").content.decode()
    assert "At 02:00" in listing
    assert "At 02:00" in admin.get(ds.get_absolute_url()).content.decode()


def test_admins_create_and_edit_datasets_over_the_api_with_the_page_rules(health, api_for):
    from governance.models import Dataset

    admin, engineer = api_for("admin"), api_for("engineer")
    body = {"warehouse": health["warehouse"].pk, "schema": "demo_warehouse", "table": "campaigns"}
    assert engineer.post("/api/v1/datasets/", body, format="json").status_code == 403
    created = admin.post("/api/v1/datasets/", body, format="json")
    assert created.status_code == 201, created.json()
    ds = Dataset.objects.get(pk=created.json()["id"])
    assert created.json()["schedule"] == ds.schedule == "0 2 * * *"  # nightly by default
    assert ds.periodic_task.crontab.hour == "2"
    again = admin.post("/api/v1/datasets/", body, format="json")
    assert again.status_code == 400  # one dataset per table, said as a field error
    bad = admin.patch(f"/api/v1/datasets/{ds.pk}/", {"schedule": "every day"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "schedule"
    assert "five fields" in bad.json()["errors"][0]["message"]
    assert Dataset.objects.get(pk=ds.pk).schedule == "0 2 * * *"  # nothing half-saved
    ok = admin.patch(
        f"/api/v1/datasets/{ds.pk}/", {"schedule": "30 3 * * 1", "enabled": False}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["schedule"] == "30 3 * * 1"
    ds.refresh_from_db()
    assert ds.periodic_task.crontab.minute == "30" and not ds.periodic_task.enabled
    missing = admin.post("/api/v1/datasets/", {"schema": "x", "table": "y"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "warehouse"
