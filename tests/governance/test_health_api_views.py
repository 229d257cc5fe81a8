"""Data-health pages and API: lists with constant query counts, run now, contract YAML
export/import (line-numbered errors), incident acknowledge/resolve, runbook search."""

from __future__ import annotations

from governance.health_services import dataset_run_checks
from governance.models import Incident


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
    detail = engineer.get(f"/governance/runs/{run.pk}/")
    assert b"Failing rows sample" in detail.content
    incident = Incident.objects.filter(dataset=leads).first()
    assert engineer.get(f"/governance/incidents/{incident.pk}/").status_code == 200
    with django_assert_max_num_queries(20):
        assert engineer.get("/governance/incidents/").status_code == 200
    assert engineer.get("/governance/monitors/").status_code == 200
    assert client_for("requester").get("/governance/datasets/").status_code == 403


def test_run_now_from_the_page_and_acknowledge_the_incident(health, client_for):
    leads = health["datasets"]["leads"]
    engineer = client_for("engineer")
    response = engineer.post(f"/governance/datasets/{leads.pk}/", {"mode": "full"})
    assert response.status_code == 302 and "/governance/runs/" in response["Location"]
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
