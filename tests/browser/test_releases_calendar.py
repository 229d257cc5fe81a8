"""A PM boards a request in QA onto a departure and sees it on the release calendar."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from releases.trains import services
from releases.trains.models import Departure
from tests.releases.workitems import qa_request


def test_pm_books_a_request_and_sees_it_on_the_calendar(page, login, users):
    train = services.train_create(
        actor=users["admin"],
        name="E-mail train",
        slug="email",
        channels=["email"],
        time_zone="America/New_York",
        rrule="FREQ=DAILY",
        first_date=timezone.localdate(),
        start_time=timezone.datetime(2000, 1, 1, 10, 0).time(),
        duration_minutes=120,
        capacity=3,
        cutoff_hours=Decimal(1),
        horizon_days=10,
    )
    departure = (
        Departure.objects.filter(train=train, cutoff_at__gt=timezone.now() + timedelta(days=1))
        .order_by("starts_at")
        .first()
    )
    request = qa_request(
        channels=["email"], requester=users["requester"], title="Black Friday teaser"
    )
    login("pm")
    page.goto(f"/releases/requests/{request.pk}/board/")
    row = page.locator(f"tr[data-departure='{departure.pk}']")
    row.get_by_role("button", name="Board").click()
    page.wait_for_url(f"**/releases/departures/{departure.pk}/")
    assert page.get_by_text("Black Friday teaser").is_visible()

    day = departure.local_start.date().isoformat()
    page.goto(f"/releases/?mode=week&date={day}")
    cell = page.locator(f"td[data-date='{day}']")
    assert cell.get_by_text("Black Friday teaser").is_visible()
    assert cell.get_by_role("link", name="E-mail train").is_visible()
    page.goto(f"/releases/?mode=month&date={day}")
    assert page.locator(f"td[data-date='{day}']").get_by_text("Black Friday teaser").is_visible()
