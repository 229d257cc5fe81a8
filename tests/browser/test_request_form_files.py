"""The request form in Chromium (#19 item 7): from the home page's "New request" button, a
requester fills a conditional form, attaches a file and submits on the first try; a failed
try lists its errors at the top with links to the fields and keeps no draft; the file
downloads from the request page."""

import pytest

from intake.models import Request
from tests.browser.conftest import CONDITIONAL_FIELDS

pytestmark = pytest.mark.django_db(transaction=True)

DEFINITION = [
    *CONDITIONAL_FIELDS,
    {"key": "launch_date", "label": "Launch date", "type": "date", "required": True},
]
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def service(publish_service, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return publish_service(
        "Launch a campaign",
        "launch-a-campaign",
        change_type="new_campaign",
        default_complexity="standard",
        input_definition=DEFINITION,
    )


def test_conditional_form_with_a_file_submits_first_time(page, login, users, service, tmp_path):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(PDF)

    login("requester")
    page.goto("/")
    page.get_by_role("link", name="New request").click()
    page.get_by_role("link", name="Launch a campaign").click()
    page.wait_for_load_state("load")  # conditions.js (deferred) has run
    # The date is asked once: the service's own launch date, no second "desired live date".
    assert page.locator('[name="desired_live_date"]').count() == 0
    campaign = page.get_by_label("utm_campaign")
    assert campaign.get_attribute("aria-required") == "true"
    marker = "getComputedStyle(document.querySelector('label[for=id_utm_campaign]'), '::after')"
    assert "*" in page.evaluate(f"{marker}.content")

    # A first try with the audience, the date and more missing: errors listed
    # at the top, each a link to its field; nothing saved.
    page.locator('[name="a-channel"]').select_option("E-mail")
    page.get_by_label("Brief").fill("Launch the spring offer.")
    page.get_by_role("button", name="Submit request").click()
    summary = page.locator("#submit-errors")
    summary.wait_for()
    assert "Nothing was saved yet" in summary.inner_text()
    summary.get_by_role("link", name="Audience size").click()
    assert page.evaluate("document.activeElement.name") == "a-audience_size"
    assert Request.objects.count() == 0

    # The form came back filled in; complete it, attach the brief, submit.
    page.locator('[name="a-audience_size"]').fill("5000")
    page.locator('[name="a-launch_date"]').fill("2030-01-01")
    page.get_by_label("Audience", exact=True).fill("Trial users in the US")
    page.get_by_label("utm_source").select_option("newsletter")
    page.get_by_label("utm_medium").select_option("email")
    page.get_by_label("utm_campaign").fill("fy30q1_na_email_promo_spring")
    page.get_by_label("Business impact").select_option("4")
    page.get_by_label("Effort").select_option("2")
    page.get_by_label("Risk").select_option("3")
    page.get_by_label("Attach files").set_input_files(str(brief))
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url("**/requests/*/")
    assert page.locator("#request-status").inner_text() == "Submitted"
    request = Request.objects.get()
    assert str(request.desired_live_date) == "2030-01-01"

    files = page.locator("#attachments")
    with page.expect_download() as download_info:
        files.get_by_role("link", name="brief.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "brief.pdf"
    assert open(download.path(), "rb").read() == PDF
    assert errors == []
