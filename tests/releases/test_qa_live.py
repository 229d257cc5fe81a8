"""The QA page updates itself while a check runs (htmx polling with a progress indicator,
stopping when the run ends), and a link check of HTML without any link fails when the
work's channels carry calls to action."""

import pytest

from releases.qa import services
from releases.qa.models import ItemResult, PreflightStatus

HTML_WITHOUT_LINKS = "<html><body><p>Spring offer: 20% off.</p></body></html>"


@pytest.fixture
def link_item(users):
    services.checklist_template_create(
        actor=users["admin"],
        name="Links",
        channel="email",
        items=[{"text": "Links resolve", "automated_check": "links"}],
    )


def test_qa_page_polls_while_a_check_is_queued_and_stops_when_it_ends(
    client_for, users, make_request, link_item
):
    request = make_request()
    client = client_for("engineer")
    url = f"/releases/requests/{request.pk}/qa/"
    assert 'hx-trigger="every 2s"' not in client.get(url).content.decode()
    result = ItemResult.objects.get(run__request=request)
    posted = client.post(
        url,
        {
            "action": "preflight",
            "check": "links",
            "html": HTML_WITHOUT_LINKS,
            "item_result": result.pk,
        },
        follow=True,
    )
    body = posted.content.decode()
    assert "this page updates itself" in body
    assert 'hx-trigger="every 2s"' in body and "<progress" in body and "data-pending" in body
    # The poll asks for the live part only.
    polled = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="qa-live")
    part = polled.content.decode()
    assert 'id="qa-live"' in part
    assert "<html" not in part and 'hx-trigger="every 2s"' in part
    run = request.preflight_runs.get()
    services.preflight_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == PreflightStatus.FAILED
    done = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="qa-live").content.decode()
    assert 'hx-trigger="every 2s"' not in done and "data-pending" not in done
    assert "links.none" in done and "No link found" in done
    result.refresh_from_db()
    assert result.state == "failed"


def test_link_check_of_html_without_links_fails_only_where_the_channel_needs_links(
    users, make_request
):
    email = make_request(channels=["email"])
    run = services.preflight_start(
        request=email, actor=users["engineer"], check="links", html=HTML_WITHOUT_LINKS
    )
    run = services.preflight_execute(run_id=run.pk)
    assert run.status == PreflightStatus.FAILED
    assert [f["check"] for f in run.findings] == ["links.none"]
    data = make_request(channels=["crm", "data"], change_type="schema_change")
    run = services.preflight_start(
        request=data, actor=users["engineer"], check="tracking", html=HTML_WITHOUT_LINKS
    )
    assert services.preflight_execute(run_id=run.pk).status == PreflightStatus.PASSED


def test_leadership_reads_the_qa_page_without_a_board_link_it_may_not_follow(
    client_for, make_request
):
    request = make_request()
    body = client_for("leadership").get(f"/releases/requests/{request.pk}/qa/").content.decode()
    assert f"/releases/requests/{request.pk}/board/" not in body
