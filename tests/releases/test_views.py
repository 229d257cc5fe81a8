"""Release pages render for the right roles, with constant query counts on lists."""

from releases.boarding import services as boarding_services
from releases.trains import services as trains_services


def test_calendar_month_and_week_show_departures_and_freezes(
    client_for, departure, make_request, users, django_assert_max_num_queries
):
    boarding_services.departure_board(
        departure=departure, request=make_request(), actor=users["pm"]
    )
    client = client_for("pm")
    day = departure.local_start.date().isoformat()
    with django_assert_max_num_queries(16):
        response = client.get(f"/releases/?mode=month&date={day}")
    assert response.status_code == 200
    assert b"Spring launch" in response.content
    week = client.get(f"/releases/?mode=week&date={day}")
    assert b"Spring launch" in week.content
    assert client_for("requester").get("/releases/").status_code == 403


def test_board_page_lists_rules_and_boards(client_for, departure, make_request):
    request = make_request()
    client = client_for("pm")
    page = client.get(f"/releases/requests/{request.pk}/board/")
    assert page.status_code == 200 and b"capacity" in page.content
    response = client.post(f"/releases/requests/{request.pk}/board/", {"departure": departure.pk})
    assert response.status_code == 302
    manifest = client.get(response["Location"])
    assert b"Spring launch" in manifest.content


def test_list_pages(client_for, email_train, django_assert_max_num_queries):
    client = client_for("admin")
    for url in (
        "/releases/trains/",
        "/releases/checklists/",
        "/releases/freezes/",
        f"/releases/trains/{email_train.slug}/",
        "/releases/trains/new/",
        "/releases/freezes/new/",
        "/releases/checklists/new/",
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200, url


def test_feed_token_rotation_from_the_calendar_page(client_for, users):
    client = client_for("pm")
    client.post("/releases/")
    page = client.get("/releases/")
    token = users["pm"].release_feed_token.key
    assert token.encode() in page.content


def test_board_page_checks_every_departure_in_a_constant_number_of_queries(
    client_for, users, email_train, make_request
):
    """Seats taken, freezes and emergency RFCs are read once for the listed departures,
    not once per departure: twice the departures (all inside a freeze) cost no more."""
    from datetime import time, timedelta
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from .workitems import all_day_freeze

    all_day_freeze(users["admin"])
    client = client_for("pm")
    url = f"/releases/requests/{make_request().pk}/board/"
    client.get(url)

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url)
        assert page.status_code == 200 and b"Everything frozen" in page.content
        return len(queries), page.content.count(b"<tr data-departure=")

    few_queries, few_rows = measure()
    trains_services.train_create(
        actor=users["admin"],
        name="Second e-mail train",
        slug="email-2",
        channels=["email"],
        time_zone="America/New_York",
        rrule="FREQ=DAILY",
        first_date=timezone.localdate() - timedelta(days=3),
        start_time=time(15, 0),
        duration_minutes=60,
        capacity=2,
        cutoff_hours=Decimal(2),
        horizon_days=14,
    )
    many_queries, many_rows = measure()
    assert many_rows > few_rows >= 5
    assert many_queries == few_queries
