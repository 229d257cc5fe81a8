"""Closed-day lines: ranges, yearly closures, and refusal of anything else (issue #20, item 4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.closeddays import ClosedDayError, ClosedSpan, parse_closed_days
from catalog.models import Calendar


def test_a_range_is_every_day_from_start_to_end():
    (span,) = parse_closed_days("2026-12-24 to 2027-01-01 Company shutdown")
    assert span == ClosedSpan(date(2026, 12, 24), date(2027, 1, 1), "Company shutdown")
    days = span.dates_in([2026, 2027])
    assert len(days) == 9 and set(days.values()) == {"Company shutdown"}
    assert min(days) == date(2026, 12, 24) and max(days) == date(2027, 1, 1)


def test_yearly_closures_repeat_and_may_cross_the_new_year():
    spans = parse_closed_days("every 12-24 Christmas Eve\nevery 12-31 to 01-02 Winter break")
    eve, winter = spans
    assert set(eve.dates_in([2026, 2027])) == {date(2026, 12, 24), date(2027, 12, 24)}
    assert set(winter.dates_in([2027])) == {
        date(2027, 1, 1),
        date(2027, 1, 2),
        date(2027, 12, 31),
    }


def test_lines_read_back_as_they_were_written():
    text = "2026-12-24 to 2027-01-01 Company shutdown\nevery 12-24 Christmas Eve\n2026-05-01 Off"
    assert "\n".join(s.text() for s in parse_closed_days(text)) == text


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("2026-12-24 to 27 Dec Shutdown", "is not a date (YYYY-MM-DD)"),
        ("2026-12-24 2027-01-01 Shutdown", "two days without “to”"),
        ("2026-12-24 Shutdown until 2027-01-01", "holds a date"),
        ("Dec 24 Christmas", "'Dec' is not a date"),
        ("2027-01-01 to 2026-12-24 Backwards", "ends"),
        ("2026-12-24 to", "no last day"),
        ("every 02-29 Leap", "29 February"),
        ("every 2026-12-24 Eve", "is not a month-day"),
        ("2026-01-01 to 2028-01-01 Sabbatical", "more than 366 days"),
    ],
)
def test_a_line_the_parser_does_not_understand_is_refused_with_its_number(line, fix):
    with pytest.raises(ClosedDayError) as exc:
        parse_closed_days(f"2026-05-01 May Day\n\n{line}")
    assert exc.value.line == 3
    assert str(exc.value).startswith("Line 3: ") and fix in str(exc.value)


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    length=st.integers(min_value=0, max_value=365),
    name=st.text(alphabet="abcdefghij XYZ", min_size=1, max_size=20).filter(
        lambda n: n.strip() and n.split()[0].lower() not in {"to"}
    ),
)
def test_any_range_round_trips_and_covers_exactly_its_days(start, length, name):

    end = start + timedelta(days=length)
    span = ClosedSpan(start, end, " ".join(name.split()))
    (parsed,) = parse_closed_days(span.text())
    assert parsed == span
    assert len(parsed.dates_in(range(start.year, end.year + 1))) == length + 1


def test_the_calendar_form_saves_a_shutdown_range_and_the_clock_skips_it(client_for):
    data = {
        "name": "London",
        "slug": "",
        "time_zone": "Europe/London",
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
        "closed_days": "2026-12-24 to 2027-01-01 Company shutdown\nevery 07-04 Summer party",
    }
    data |= {f"day_{d}": "09:00-12:30, 13:00-17:00" for d in range(5)}
    response = client_for("admin").post("/catalog/sla/calendars/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    calendar = Calendar.objects.get(slug="london")
    assert calendar.holiday_regions == ["GB-ENG"]
    closed = calendar.closed_dates(range(2026, 2028))
    assert all(date(2026, 12, d) in closed for d in range(24, 32)) and date(2027, 1, 1) in closed
    assert date(2027, 7, 4) in closed and date(2027, 3, 29) in closed  # England's Easter Monday
    london = ZoneInfo("Europe/London")
    engine = calendar.engine_for(datetime(2026, 12, 23, 16, tzinfo=london))
    due = engine.add(datetime(2026, 12, 23, 16, tzinfo=london), timedelta(hours=2))
    assert due.date() == date(2027, 1, 4)  # Mon 4 Jan: shutdown then weekend
    edit = client_for("admin").get("/catalog/sla/calendars/london/edit/").content.decode()
    assert (
        "2026-12-24 to 2027-01-01 Company shutdown" in edit and "every 07-04 Summer party" in edit
    )


def test_the_calendar_form_refuses_an_unreadable_line_naming_the_field(client_for):
    data = {
        "name": "London",
        "time_zone": "Europe/London",
        "closed_days": "2026-12-24 Christmas Eve\n24/12/2026 - 01/01/2027 Shutdown",
        "day_0": "09:00-17:00",
    }
    response = client_for("admin").post("/catalog/sla/calendars/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2: &#x27;24/12/2026&#x27; is not a date (YYYY-MM-DD)" in page
    assert "2026-12-24 to 2027-01-01 Company shutdown" in page  # the fix, by example
    assert not Calendar.objects.filter(name="London").exists()


def test_a_region_of_another_country_is_refused_naming_the_field(client_for):
    data = {
        "name": "X",
        "time_zone": "Europe/London",
        "holiday_country": "US",
        "holiday_subdivision": "ENG",
        "day_0": "09:00-17:00",
    }
    response = client_for("admin").post("/catalog/sla/calendars/new/", data)
    assert response.status_code == 400
    assert "&#x27;ENG&#x27; is not a region of US" in response.content.decode()


def test_the_holiday_preview_lists_the_regions_and_next_holidays(client_for):
    html = (
        client_for("admin")
        .get(
            "/catalog/sla/calendars/holidays/",
            {"holiday_country": "GB", "holiday_subdivision": "ENG"},
        )
        .content.decode()
    )
    assert "England (ENG)" in html and "Next public holidays" in html
    assert "Christmas Day" in html or "Boxing Day" in html
    assert client_for("pm").get("/catalog/sla/calendars/holidays/").status_code == 403
    form = client_for("admin").get("/catalog/sla/calendars/new/").content.decode()
    assert 'hx-get="/catalog/sla/calendars/holidays/"' in form and "United Kingdom (GB)" in form
