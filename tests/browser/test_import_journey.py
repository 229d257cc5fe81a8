"""A MOPS PM imports a Jira export by clicks (#21): backlog → Import → upload → map a status →
dry run → import → the progress bar completes and the imported requests are listed."""

import pytest

from intake.imports.models import ImportedRequest
from tests.browser.test_selfserve_journey import _open_menu_and_click

CSV = (
    "Issue key,Summary,Status,Created,Resolved,Reporter,Customer Request Type\n"
    "MOPS-1,Spring launch,Done,02/Mar/26 9:00 AM,05/Mar/26 2:30 PM,requester,Launch a campaign\n"
    "MOPS-2,Add a field,Blocked,2026-03-03 10:00,,requester,Launch a campaign\n"
    "MOPS-3,Webinar invite,In Progress,2026-03-04 11:00,,requester,Launch a campaign\n"
)


@pytest.fixture
def service(publish_service):
    return publish_service(
        "Launch a campaign",
        "launch-a-campaign",
        description="Plan and launch.",
        channels=["email"],
        change_type="new_campaign",
        default_complexity="standard",
        input_definition=[{"key": "notes", "label": "Notes", "type": "long_text"}],
    )


def test_pm_imports_a_jira_export(page, login, users, service, settings, monkeypatch):
    # Files above IMPORT_SYNC_ROWS go to the worker; none runs beside the browser tests, so
    # the queued task executes eagerly, exactly as the worker would run it.
    from mops.celery import app as celery_app

    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    settings.IMPORT_SYNC_ROWS = 1
    page.on("dialog", lambda dialog: dialog.accept())
    login("pm")
    _open_menu_and_click(page, "Work", "Requests")
    page.get_by_role("link", name="Import from Jira / Asana").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "jira.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Upload and map columns").click()
    assert "Spring launch" in page.get_by_test_id("import-preview").inner_text()
    assert page.get_by_label("Source id (Issue key / Task ID) *").input_value() == "Issue key"

    page.get_by_role("button", name="Dry run").click()
    result = page.get_by_test_id("import-result")
    assert "Dry run: nothing was written" in result.inner_text()
    assert (
        "Line 3: Status: unknown status 'Blocked'"
        in page.get_by_test_id("import-errors").inner_text()
    )

    page.get_by_label("Blocked").select_option("needs_info")
    page.get_by_role("button", name="Dry run").click()
    assert "Would create: 3" in page.get_by_test_id("import-result").inner_text()

    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_test_id("imported-requests").wait_for()
    assert (
        page.get_by_test_id("import-progress").locator("progress").get_attribute("value") == "100"
    )
    listed = page.get_by_test_id("imported-requests").inner_text()
    assert "Spring launch" in listed and "Webinar invite" in listed
    assert ImportedRequest.objects.count() == 3

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: nothing scrolls sideways
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name="← Imports").click()
    # The click returns once the navigation commits; the new document may not be parsed yet.
    page.get_by_role("heading", name="Import requests from Jira or Asana").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.go_back()
    page.get_by_role("link", name="See them in the backlog").click()
    page.get_by_role("link", name="Spring launch").first.wait_for()
