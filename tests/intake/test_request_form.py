"""The request form's first submit (#19 item 7, #20 item 6): required markers, the date and
the brief asked once, one error per field, a summary linking to the fields, the campaign
name hint, and file attachments stored and served like QA evidence."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Service
from intake import services
from intake.models import Request, RequestAttachment, Status
from tests.catalog.published import service_published

from .test_views import _form_data

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _pdf(name="brief.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _field(html: str, name: str) -> str:
    return html.split(f'id="field-{name}"', 1)[1].split("</div>", 1)[0]


def test_fields_needed_to_submit_carry_a_required_marker(client_for, service):
    html = client_for("requester").get(f"/requests/new/{service.slug}/").content.decode()
    for name in ("title", "brief", "audience", "desired_live_date", "utm_source", "utm_campaign"):
        field = _field(html, name)
        assert 'class="req-label"' in field, name  # the asterisk, from CSS
        assert 'aria-required="true"' in field, name
    for name in ("creative", "offer", "utm_content", "utm_term"):
        assert 'class="req-label"' not in _field(html, name), name


def test_campaign_hint_gives_an_example_and_the_builder_not_the_pattern(client_for, service):
    html = client_for("requester").get(f"/requests/new/{service.slug}/").content.decode()
    hint = _field(html, "utm_campaign")
    assert "_emea_email_" in hint and 'href="/governance/utm/builder/"' in hint
    assert "{fy}" not in hint


def test_first_submit_with_valid_data_and_a_file_succeeds(client_for, service):
    data = _form_data()
    data["attachments"] = [_pdf(), _pdf("list.pdf")]
    response = client_for("requester").post(f"/requests/new/{service.slug}/", data)
    request = Request.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert request.status == Status.SUBMITTED
    assert sorted(a.filename for a in request.attachments.all()) == ["brief.pdf", "list.pdf"]


def test_error_summary_links_each_error_to_its_field(client_for, service):
    response = client_for("requester").post(
        f"/requests/new/{service.slug}/",
        _form_data(**{"a-audience_size": "", "brief": "", "utm_campaign": "Spring_Sale"}),
    )
    html = response.content.decode()
    summary = html.split('id="submit-errors"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#id_brief">Brief</a>: Describe the brief.' in summary
    assert '<a href="#id_a-audience_size">Audience size</a>: This field is required.' in summary
    assert '<a href="#id_utm_campaign">utm_campaign</a>' in summary
    assert "{fy}" not in html  # the naming error is an example, not the raw pattern


def _page_service(admin, policy, name_and_slug: tuple[str, str], questions: list) -> Service:
    """A published simple web page service whose form asks `questions`."""
    name, slug = name_and_slug
    return service_published(
        actor=admin,
        name=name,
        slug=slug,
        description="A page.",
        channels=["web"],
        change_type="template_change",
        default_complexity="simple",
        sla_policy=policy,
        input_definition=questions,
    )


def test_a_service_that_asks_the_date_and_audience_gets_them_once(client_for, users, policy):
    service = _page_service(
        users["admin"],
        policy,
        ("Webinar page", "webinar-page"),
        [
            {"key": "audience", "label": "Audience", "type": "long_text", "required": True},
            {"key": "launch_date", "label": "Launch date", "type": "date", "required": True},
        ],
    )
    client = client_for("requester")
    html = client.get(f"/requests/new/{service.slug}/").content.decode()
    assert 'name="desired_live_date"' not in html and 'name="audience"' not in html
    assert 'name="a-launch_date"' in html and 'name="a-audience"' in html
    assert 'class="req-label"' in _field(html, "brief")  # the standard brief is still asked
    data = _form_data(**{"a-audience": "Partners", "a-launch_date": "2030-02-01"})
    for key in ("audience", "desired_live_date", "a-channel", "a-audience_size"):
        data.pop(key)
    response = client.post(f"/requests/new/{service.slug}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    request = Request.objects.get()
    assert str(request.desired_live_date) == "2030-02-01" and request.audience == "Partners"


def test_a_missing_launch_date_is_reported_once_on_the_services_field(users, policy):
    live_by = {"key": "live_by", "label": "Live by", "type": "date", "required": True}
    service = _page_service(users["admin"], policy, ("Page", "page"), [live_by])
    request = services.request_create(service=service, actor=users["requester"], title="x")
    problems, _ = services.request_problems(request)
    assert "desired_live_date" not in problems
    assert problems["answers.live_by"] == ["Live by: This field is required."]


def test_answer_message_says_answered_and_resubmitted(client_for, make_request):
    request = make_request(submit=True)
    client_for("pm").post(
        f"/requests/{request.pk}/transition/", {"name": "needs_info", "note": "?"}
    )
    request.refresh_from_db()
    response = client_for("requester").post(
        f"/requests/{request.pk}/edit/",
        _form_data(intent="answer", note="Here", version=str(request.version)),
        follow=True,
    )
    html = response.content.decode()
    assert f"{request.reference} answered and resubmitted to MOPS." in html


def test_attachment_upload_on_the_request_page_and_safe_download(client_for, make_request):
    request = make_request(submit=True)
    requester = client_for("requester")
    response = requester.post(
        f"/requests/{request.pk}/attachments/", {"attachments": [_pdf("Plan “Q1”.pdf")]}
    )
    assert response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert attachment.filename == "Plan “Q1”.pdf" and attachment.file.name.endswith(".pdf")
    assert "Plan" not in attachment.file.name  # stored under a random name
    page = client_for("pm").get(request.get_absolute_url()).content.decode()
    assert attachment.get_absolute_url() in page
    download = client_for("pm").get(attachment.get_absolute_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == PDF


def test_attachment_is_hidden_from_other_teams(client_for, make_request, users):
    request = make_request(submit=True)
    attachment = services.attachment_add(request=request, file=_pdf(), actor=users["requester"])
    assert client_for("other_requester").get(attachment.get_absolute_url()).status_code == 404
    other = client_for("other_requester").post(
        f"/requests/{request.pk}/attachments/", {"attachments": [_pdf()]}
    )
    assert other.status_code == 404


def test_active_content_is_refused_with_the_field(client_for, make_request):
    request = make_request(submit=True)
    response = client_for("requester").post(
        f"/requests/{request.pk}/attachments/",
        {"attachments": [SimpleUploadedFile("logo.png", SVG, content_type="image/png")]},
        follow=True,
    )
    assert "attachments: This file type is not accepted" in response.content.decode()
    assert not RequestAttachment.objects.exists()


def test_failed_submit_with_a_file_keeps_neither_draft_nor_file(client_for, service, settings):
    data = _form_data(brief="")
    data["attachments"] = [_pdf()]
    response = client_for("requester").post(f"/requests/new/{service.slug}/", data)
    assert response.status_code == 400
    assert "choose your files again" in response.content.decode()
    assert not Request.objects.exists() and not RequestAttachment.objects.exists()
    stored = list((settings.MEDIA_ROOT / "intake" / "attachments").glob("*"))
    assert stored == []


def test_api_upload_list_and_download(api_for, make_request):
    request = make_request(submit=True)
    api = api_for("requester")
    url = f"/api/v1/requests/{request.pk}/attachments/"
    response = api.post(url, {"file": [_pdf(), _pdf("b.pdf")]}, format="multipart")
    assert response.status_code == 201, response.content
    listed = api.get(url).json()
    assert [a["filename"] for a in listed] == ["brief.pdf", "b.pdf"]
    assert listed[0]["content_type"] == "application/pdf" and listed[0]["size"] == len(PDF)
    download = api_for("leadership").get(listed[0]["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert api_for("other_requester").get(url).status_code == 404
    bad = api.post(url, {"file": [SimpleUploadedFile("x.png", SVG)]}, format="multipart")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "attachments"
    assert api.post(url, {}, format="multipart").status_code == 400


def test_demo_services_ask_the_live_date_and_audience_once():
    """The demo catalog's own date and audience questions stand for the standard ones."""
    from catalog.demo import SERVICES

    asked = {s["slug"]: services.standard_fields_asked(s["input_definition"]) for s in SERVICES}
    assert asked["launch-a-campaign"]["desired_live_date"] == "launch_date"
    assert asked["build-a-nurture"] == {
        "audience": "entry_segment",
        "desired_live_date": "start_date",
    }
    assert "brief" not in asked["launch-a-campaign"]  # "Creative brief" is a link, not the brief


@pytest.fixture
def registered_campaign(users):
    from datetime import date

    from governance.taxonomy.services import campaign_register

    campaign, _link, _built = campaign_register(
        actor=users["requester"],
        base_url="https://example.com/lp",
        source="linkedin",
        medium="paid_social",
        campaign="fy26q3_na_social_ebook_launch-guide",
        start_date=date(2026, 7, 1),
    )
    return campaign


def test_tracking_plan_picks_from_the_taxonomy_and_registered_campaigns(users, registered_campaign):
    """Source and medium are chosen from the taxonomy; registered campaigns are offered by
    name (a list the campaign field completes from), not typed from memory."""
    from intake.forms import RequestForm
    from intake.selectors import tracking_choices

    campaign = registered_campaign
    choices = tracking_choices(users["requester"])
    assert "linkedin" in choices["sources"] and "email" in choices["mediums"]
    assert choices["campaigns"] == [campaign.name]
    assert tracking_choices(users["other_requester"])["campaigns"] == []

    form = RequestForm({"utm_source": "legacy-src"}, factors=[], asked=(), required=("utm_source",))
    form.set_tracking_choices(**choices)
    source = dict(form.fields["utm_source"].choices)
    assert "linkedin" in source and "legacy-src" in source  # a stored odd value stays offered
    assert form.fields["utm_source"].required_at_submit
    assert form.fields["utm_campaign"].widget.attrs["list"] == "registered-campaigns"


def test_request_page_offers_taxonomy_selects_and_campaign_list(
    client_for, service, registered_campaign
):
    html = client_for("requester").get(f"/requests/new/{service.slug}/").content.decode()
    assert '<select name="utm_source"' in html and '<select name="utm_medium"' in html
    assert 'list="registered-campaigns"' in html
    assert '<option value="fy26q3_na_social_ebook_launch-guide">' in html
