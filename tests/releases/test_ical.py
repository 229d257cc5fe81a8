"""iCalendar feeds: parse with the icalendar package, round-trip departure times, secret
per-user tokens."""

from datetime import date, time

import icalendar
import pytest

from releases.boarding import services as boarding_services
from releases.trains import services as trains_services
from releases.trains.models import Departure, Freeze


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_train_feed_round_trips_departure_times(client, users, email_train, make_request):
    departure = Departure.objects.filter(train=email_train).order_by("starts_at").last()
    boarding_services.departure_board(
        departure=departure, request=make_request(), actor=users["pm"]
    )
    token = trains_services.feed_token_rotate(user=users["pm"])
    cal = _feed(client, f"/releases/feeds/{token.key}/trains/{email_train.pk}.ics")
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    departures = list(email_train.departures.all())
    assert len(events) == len(departures)
    for d in departures:
        event = events[f"departure-{d.pk}@mops"]
        assert event.decoded("dtstart") == d.starts_at
        assert event.decoded("dtend") == d.ends_at
        assert str(event.decoded("dtstart").tzinfo) == "America/New_York"
    assert "Spring launch" in str(events[f"departure-{departure.pk}@mops"]["description"])


def test_freeze_feed_lists_one_off_and_recurring_freezes(client, users):
    trains_services.freeze_create(
        actor=users["admin"],
        name="Friday afternoons",
        kind=Freeze.Kind.RECURRING,
        rrule="FREQ=WEEKLY;BYDAY=FR",
        first_date=date(2024, 1, 5),
        start_time=time(15, 0),
        duration_minutes=540,
        time_zone="America/New_York",
    )
    token = trains_services.feed_token_rotate(user=users["leadership"])
    cal = _feed(client, f"/releases/feeds/{token.key}/freezes.ics")
    starts = [e.decoded("dtstart") for e in cal.walk("VEVENT")]
    assert len(starts) > 50
    assert {s.weekday() for s in starts} == {4}
    assert {(s.hour, s.minute) for s in starts} == {(15, 0)}


def test_rotating_the_token_kills_the_old_url(client, users, email_train):
    old = trains_services.feed_token_rotate(user=users["pm"]).key
    new = trains_services.feed_token_rotate(user=users["pm"]).key
    assert client.get(f"/releases/feeds/{old}/freezes.ics").status_code == 404
    assert client.get(f"/releases/feeds/{new}/freezes.ics").status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * 300])
def test_unknown_tokens_are_404(client, db, token):
    assert client.get(f"/releases/feeds/{token}/freezes.ics").status_code == 404


def test_requesters_tokens_do_not_open_feeds(client, users):
    token = trains_services.feed_token_rotate(user=users["requester"])
    assert client.get(f"/releases/feeds/{token.key}/freezes.ics").status_code == 404
