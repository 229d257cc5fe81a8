"""The tech stack in Chromium, clicks only after logging in: an admin imports a stack CSV
and sees the failing flow's edge marked on the map; the owner gets the renewal alert (what
the beat task does) and completes the tool's access review."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from governance.models import Monitor
from governance.stack import services
from governance.stack.models import Contract, Flow, Tool
from mops.notify.models import OutboxMessage
from tests.browser.test_selfserve_journey import _open_menu_and_click

pytestmark = pytest.mark.django_db(transaction=True)

STACK_CSV = (
    "name,layer,owner,status,sso,personal_data\n"
    "Salesforce,crm,admin,approved,yes,no\n"
    "Marketo,map,engineer,approved,yes,no\n"
    "Looker,bi,pm,tolerated,no,no\n"
)


def test_admin_imports_sees_the_failing_edge_owner_gets_alert_and_reviews(page, login, users):
    crm = Tool.objects.create(name="Salesforce", layer="crm")
    marketo = Tool.objects.create(name="Marketo", layer="map")
    down = Monitor.objects.create(name="CRM sync", status="down")
    flow = Flow.objects.create(
        source=crm, target=marketo, objects_synced="leads", pattern="native", monitor=down
    )
    services.seats_import(
        tool=marketo, actor=users["admin"], text="email\nann@example.com\nbob@example.com\n"
    )

    login("admin")
    _open_menu_and_click(page, "Governance", "Tech stack")
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("…or paste CSV").fill(STACK_CSV)
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Import 3 tools").click()
    page.get_by_text("Imported 3 tools: 1 new, 2 updated.").wait_for()
    page.get_by_role("link", name="Integration map").first.click()
    edge = page.locator(f'a[data-flow="{flow.pk}"] path')
    assert "down" in edge.get_attribute("class")
    link = page.locator(f'a[data-flow="{flow.pk}"]')
    assert link.get_attribute("href") == f"/governance/stack/flows/{flow.pk}/"
    page.get_by_role("link", name="Flows", exact=True).click()
    page.get_by_role("link", name="Salesforce → Marketo").click()
    assert page.get_by_test_id("monitor-state").inner_text() == "Down"

    Contract.objects.create(
        tool=Tool.objects.get(name="Marketo"),
        vendor="Adobe",
        starts_on=timezone.localdate() - timedelta(days=300),
        ends_on=timezone.localdate() + timedelta(days=80),
        annual_cost=Decimal("95000"),
        notice_days=30,
    )
    assert services.renewal_alerts_send() == 1  # what the beat task does
    alert = OutboxMessage.objects.get(idempotency_key__startswith="stack-renewal:")
    assert alert.target == users["engineer"].email and "50 days" in alert.subject
    login("admin")
    _open_menu_and_click(page, "Governance", "Tech stack")
    page.get_by_role("link", name="Marketo").click()
    page.get_by_role("link", name="Start an access review").click()
    page.get_by_role("button", name="Save").click()

    login("engineer")
    _open_menu_and_click(page, "Governance", "Access reviews")
    page.get_by_role("link", name="Marketo").click()
    for _ in range(2):
        page.get_by_role("button", name="Attest").first.click()
    assert "100% complete" in page.get_by_test_id("review-completion").inner_text()


def test_evaluate_a_new_tool_shows_the_approved_tools_of_the_layer_picked(
    page, login, publish_service
):
    from governance.stack.evaluation import EVALUATION_DEFINITION, EVALUATION_SERVICE_SLUG

    Tool.objects.create(name="Segment", layer="cdp", status="approved", purpose="Events.")
    Tool.objects.create(name="Salesforce", layer="crm", status="approved")
    Tool.objects.create(name="Webinar Buddy", layer="cdp", status="tolerated")
    publish_service(
        "Evaluate a new tool",
        EVALUATION_SERVICE_SLUG,
        change_type="schema_change",
        input_definition=EVALUATION_DEFINITION,
    )
    login("requester")
    page.goto("/")
    page.get_by_role("link", name="New request").click()
    page.get_by_role("link", name="Evaluate a new tool").click()
    page.wait_for_load_state("load")  # conditions.js (deferred) has run
    cdp = page.get_by_text("Approved CDP / event collection tools")
    crm = page.get_by_text("Approved CRM tools")
    assert not cdp.is_visible() and not crm.is_visible()
    page.get_by_label("Stack layer").select_option("CDP / event collection")
    assert cdp.is_visible() and not crm.is_visible()
    assert page.get_by_text("Segment — Events.").is_visible()
    assert page.get_by_text("Webinar Buddy").count() == 0
