"""The request page shows the next step for its state (QA checklist with progress, "Board on
a train" with the next eligible departures, the departure it rides); the departure page and
the calendar link to the QA checklist and boarding pages; Mark live waits for departure."""

import re

import pytest

from releases.qa import services
from releases.qa.models import ItemResult
from tests.releases.workitems import board_next, depart_and_land, train_for


@pytest.fixture
def checklist(users):
    return services.checklist_template_create(
        actor=users["admin"],
        name="E-mail pre-flight",
        channel="email",
        items=[{"text": "Seed test sent"}, {"text": "Links work"}],
    )


def _pass_all(request, engineer) -> None:
    for result in ItemResult.objects.filter(run__request=request):
        services.item_result_record(result=result, actor=engineer, state="passed")


def test_request_in_qa_shows_checklist_progress_then_eligible_departures(
    client_for, users, make_request, checklist
):
    request = make_request()
    train = train_for(["email"])
    engineer = client_for("engineer")
    body = engineer.get(request.get_absolute_url()).content.decode()
    assert 'id="next-step"' in body
    assert "0 of 2 items done" in body
    assert f'href="/releases/requests/{request.pk}/qa/"' in body
    assert f'href="/releases/requests/{request.pk}/board/"' in body
    assert "Pre-flight checklist not passed" in body  # why no departure is offered yet
    _pass_all(request, users["engineer"])
    body = engineer.get(request.get_absolute_url()).content.decode()
    assert "2 of 2 items done — passed." in body
    assert "Next eligible departures:" in body
    first = train.departures.filter(status="open").order_by("starts_at")
    assert any(f'href="{d.get_absolute_url()}"' in body for d in first[:5])


def test_requester_sees_the_step_without_links_they_may_not_follow(
    client_for, make_request, checklist
):
    request = make_request()
    train_for(["email"])
    body = client_for("requester").get(request.get_absolute_url()).content.decode()
    assert "QA checklist" in body
    assert "/releases/" not in body  # neither QA page, board page nor departure: all 403


def test_scheduled_request_links_its_departure_and_the_manifest_marks_live_after_it_left(
    client_for, users, make_request
):
    request = make_request()
    boarding = board_next(request, actor=users["engineer"])
    engineer = client_for("engineer")
    body = engineer.get(request.get_absolute_url()).content.decode()
    assert 'data-step="departure"' in body
    assert f'href="{boarding.departure.get_absolute_url()}"' in body
    manifest = engineer.get(boarding.departure.get_absolute_url()).content.decode()
    assert 'value="live"' not in manifest and "Mark live once the departure leaves." in manifest
    assert f'href="/releases/requests/{request.pk}/qa/"' in manifest
    depart_and_land(boarding, actor=users["engineer"])
    request.refresh_from_db()
    assert request.status == "live"


def test_departure_page_and_calendar_link_waiting_work_to_qa_and_boarding(client_for, make_request):
    request = make_request()
    train = train_for(["email"])
    departure = train.departures.filter(status="open").order_by("starts_at").last()
    engineer = client_for("engineer")
    for url in (departure.get_absolute_url(), "/releases/"):
        body = engineer.get(url).content.decode()
        assert f'href="/releases/requests/{request.pk}/qa/"' in body, url
        assert f'href="/releases/requests/{request.pk}/board/"' in body, url
    leader = client_for("leadership").get("/releases/").content.decode()
    assert f'href="/releases/requests/{request.pk}/qa/"' in leader
    assert not re.search(rf'href="/releases/requests/{request.pk}/board/"', leader)


def test_a_step_without_departures_lists_nothing_of_its_own(client_for, make_request, checklist):
    """The template reads `step.items`: a panel without that key must not fall back to the
    dict's own items (a list of "key", "title", "url" ... links on the page)."""
    request = make_request()
    body = client_for("engineer").get(request.get_absolute_url()).content.decode()
    step = re.search(r'data-step="checklist">(.*?)</div>', body, re.S).group(1)
    assert "<li>" not in step and ">title<" not in step
