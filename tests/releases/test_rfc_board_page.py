"""The RFC board page: a PM schedules an approved RFC on a departure, seeing why others
are refused; the RFC page links to it through governance's rfc_actions hook."""

import pytest

from releases.boarding.models import Boarding
from tests.conftest import join_cab
from tests.releases.workitems import approved_rfc as approved_rfc_by


@pytest.fixture
def approved_rfc(users):
    join_cab(users)
    return approved_rfc_by(users, risk="high")


def test_board_page_lists_departures_with_each_rules_verdict(
    client_for, departure, approved_rfc, freeze_over, django_assert_max_num_queries
):
    freeze_over(departure.starts_at, departure.ends_at, name="Board meeting freeze")
    client = client_for("pm")
    # Bounded: at most 20 candidate departures, two rule queries each (seats, freezes).
    with django_assert_max_num_queries(50):
        page = client.get(f"/releases/rfcs/{approved_rfc.pk}/board/")
    assert page.status_code == 200
    body = page.content.decode()
    assert approved_rfc.reference in body
    assert "Channel carried by the train." in body
    assert "seats left" in body
    assert "inside a freeze (Board meeting freeze)" in body
    assert f'data-departure="{departure.pk}"' in body
    assert body.count("data-departure=") > 1


def test_board_page_boards_the_rfc_and_governance_schedules_it(client_for, departure, approved_rfc):
    client = client_for("pm")
    response = client.post(f"/releases/rfcs/{approved_rfc.pk}/board/", {"departure": departure.pk})
    assert response.status_code == 302 and response["Location"] == departure.get_absolute_url()
    approved_rfc.refresh_from_db()
    assert approved_rfc.status == "scheduled"
    assert approved_rfc.scheduled_start == departure.starts_at
    assert Boarding.objects.get(rfc=approved_rfc).departure_id == departure.pk
    manifest = client.get(response["Location"])
    assert approved_rfc.reference.encode() in manifest.content


def test_a_refused_boarding_names_the_rule(client_for, departure, approved_rfc, freeze_over):
    freeze_over(departure.starts_at, departure.ends_at)
    client = client_for("pm")
    url = f"/releases/rfcs/{approved_rfc.pk}/board/"
    response = client.post(url, {"departure": departure.pk}, follow=True)
    assert "Refused (freeze)" in response.content.decode()
    approved_rfc.refresh_from_db()
    assert approved_rfc.status == "approved"


def test_only_pm_and_admin_may_open_or_use_the_board_page(client_for, departure, approved_rfc):
    url = f"/releases/rfcs/{approved_rfc.pk}/board/"
    assert client_for("engineer").get(url).status_code == 403
    assert client_for("engineer").post(url, {"departure": departure.pk}).status_code == 403
    assert client_for("admin").get(url).status_code == 200
    approved_rfc.refresh_from_db()
    assert approved_rfc.status == "approved"


def test_rfc_page_links_to_the_board_page_for_schedulers_only(client_for, approved_rfc):
    link = f"/releases/rfcs/{approved_rfc.pk}/board/"
    assert link in client_for("pm").get(approved_rfc.get_absolute_url()).content.decode()
    assert link not in client_for("engineer").get(approved_rfc.get_absolute_url()).content.decode()
