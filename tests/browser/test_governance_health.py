"""An admin edits a data contract (ODCS YAML), runs the checks from the dataset page, sees
the failing rows sample and the incident the failure opened, and acknowledges it."""

from __future__ import annotations

import pytest

from governance.health.demo import (
    RUNBOOKS,
    build_warehouse,
)
from governance.health.demo_warehouse import (
    SCHEMA,
    leads_contract,
)
from governance.health.services import (
    contract_save,
    dataset_save,
    runbook_save,
)
from governance.models import Incident, Warehouse

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def leads(users):
    dsn = build_warehouse()
    admin = users["admin"]
    warehouse = Warehouse.objects.create(name="Demo", is_demo=True, dsn=dsn)
    dataset = dataset_save(actor=admin, warehouse=warehouse, schema=SCHEMA, table="leads")
    contract_save(dataset=dataset, actor=admin, spec=leads_contract())
    for slug, title, summary, modes, body in RUNBOOKS:
        runbook_save(
            actor=admin, slug=slug, title=title, summary=summary, body=body, failure_modes=modes
        )
    return dataset


def test_admin_edits_contract_runs_checks_sees_sample_and_acknowledges(
    page, login, leads, monkeypatch
):
    # "Run checks now" queues the run on the worker; no worker runs beside the browser
    # tests, so the queued task executes eagerly, exactly as the worker would run it.
    from mops.celery import app as celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    login("admin")
    page.goto(leads.get_absolute_url())
    page.get_by_role("link", name="Edit contract").click()
    editor = page.get_by_label("Contract (YAML)")
    text = editor.input_value()
    assert "apiVersion: v3.0.0" in text
    # Tighten the score range: every lead scored above 50 now breaks the contract.
    assert "maximum: 100" in text
    editor.fill(text.replace("maximum: 100", "maximum: 50", 1))
    page.get_by_role("button", name="Save contract").click()
    page.wait_for_url(f"**{leads.get_absolute_url()}")
    assert "Contract saved as a new version" in page.locator("body").inner_text()

    page.get_by_role("button", name="Run checks now").click()
    page.wait_for_url(f"**{leads.get_absolute_url()}")
    assert "Checks queued" in page.locator("body").inner_text()
    page.locator("section.panel h2 a[href*='/governance/runs/']").first.click()
    page.wait_for_url("**/governance/runs/*/")
    row = page.locator("#check-rangescore")
    assert "fail" in row.inner_text()
    sample = row.locator("details.sample")
    assert "Failing rows sample" in sample.inner_text()
    assert sample.locator("tbody tr").count() == 20  # capped

    incident = Incident.objects.get(source_key=f"check:{leads.pk}:range:score")
    page.get_by_role("link", name=str(incident)).first.click()
    page.wait_for_url(f"**{incident.get_absolute_url()}")
    assert "Lead scoring mis-fires" in page.locator("body").inner_text()  # its runbook
    assert page.locator("#incident-status").inner_text() == "Open"
    page.get_by_role("button", name="Acknowledge").click()
    page.wait_for_load_state()
    assert page.locator("#incident-status").inner_text() == "Acknowledged"
    incident.refresh_from_db()
    assert incident.status == "acknowledged" and incident.acknowledged_by.username == "admin"
