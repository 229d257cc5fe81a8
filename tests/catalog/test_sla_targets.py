"""SLA targets in business days and "end of this/next business day" (issue #20, item 5)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from catalog.businesstime import SlaBudget
from catalog.models import SlaPolicy
from catalog.services import calendar_create, sla_policy_create, sla_policy_update
from intake import slaclock

LONDON = ZoneInfo("Europe/London")
LUNCH = {str(day): [["09:00", "12:30"], ["13:00", "17:00"]] for day in range(5)}


@pytest.fixture
def london(admin):
    return calendar_create(
        actor=admin,
        name="London",
        slug="london",
        time_zone="Europe/London",
        working_hours=LUNCH,
        holiday_regions=[],
        closed_days=[],
    )


@pytest.fixture
def same_day(admin, london):
    return sla_policy_create(
        actor=admin,
        name="Same day",
        calendar=london,
        triage_hours_simple=1,
        triage_hours_standard=1,
        triage_hours_complex=1,
        delivery_hours_simple=7.5,
        delivery_hours_standard=15,
        delivery_hours_complex=37.5,
        at_risk_percent=75,
        target_kinds={"delivery_simple": "eod:0", "delivery_standard": "days:2"},
    )


def test_same_business_day_ends_at_friday_close_not_monday(same_day):
    friday = datetime(2026, 12, 4, 12, 6, tzinfo=LONDON)
    due = same_day.due(clock="delivery", complexity="simple", start=friday)
    assert due.isoformat() == "2026-12-04T17:00:00+00:00"
    # The old way, 7.5 business hours, spills to Monday 12:06.
    same_day.target_kinds = {}
    assert same_day.due(clock="delivery", complexity="simple", start=friday).isoformat() == (
        "2026-12-07T12:06:00+00:00"
    )


def test_the_sla_clock_counts_down_to_the_close_of_the_day(same_day):
    friday = datetime(2026, 12, 4, 12, 6, tzinfo=LONDON)
    target = same_day.target("delivery", "simple")
    assert isinstance(target, SlaBudget)
    reading = slaclock.read_clock(
        calendar=same_day.calendar.engine_for(friday),
        timeline=[("submitted", friday), ("accepted", friday)],
        clock=slaclock.DELIVERY,
        target=target,
        at_risk_ratio=same_day.at_risk_ratio,
        now=friday,
    )
    assert reading.due_at.isoformat() == "2026-12-04T17:00:00+00:00"
    assert reading.target.total_seconds() == 4 * 3600 + 24 * 60  # lunch is not counted


def test_targets_are_shown_in_the_calendars_own_day_length(same_day):
    summary = {c: text for c, _label, text in same_day.delivery_summary()}
    assert summary["simple"] == "end of this business day"
    assert summary["standard"] == "2 business days (15 h at 7 h 30 min a day)"
    assert summary["complex"] == "5 business days"  # 37.5 h at 7.5 h a day


@pytest.mark.parametrize(
    "kinds",
    [{"delivery_simple": "eod:x"}, {"delivery_simple": "weeks:1"}, {"delivery_huge": "eod:0"}],
)
def test_an_impossible_target_is_refused_naming_the_field(admin, same_day, kinds):
    with pytest.raises(ValidationError) as exc:
        sla_policy_update(policy=same_day, actor=admin, target_kinds=kinds)
    assert "target_kinds" in exc.value.message_dict


def test_the_policy_page_offers_end_of_day_and_business_days(same_day, client_for):
    client = client_for("admin")
    page = client.get(f"/catalog/sla/policies/{same_day.slug}/edit/").content.decode()
    assert "End of this business day" in page and "2 business days" in page
    data = {
        "name": "Same day",
        "slug": same_day.slug,
        "calendar": same_day.calendar_id,
        "at_risk_percent": 75,
        "triage_hours_simple": 1,
        "triage_hours_standard": 1,
        "triage_hours_complex": 1,
        "delivery_hours_simple": 7.5,
        "delivery_hours_standard": 15,
        "delivery_hours_complex": 37.5,
        "triage_simple_kind": "eod:1",
        "delivery_simple_kind": "eod:0",
    }
    response = client.post(f"/catalog/sla/policies/{same_day.slug}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = SlaPolicy.objects.get(pk=same_day.pk)
    assert saved.target_kinds == {"triage_simple": "eod:1", "delivery_simple": "eod:0"}
    refused = client.post(
        f"/catalog/sla/policies/{same_day.slug}/edit/", {**data, "delivery_simple_kind": "x"}
    )
    assert refused.status_code == 400


def test_due_date_api_uses_the_target_kind(same_day, api_for):
    body = (
        api_for("requester")
        .get(
            f"/api/v1/calendars/{same_day.calendar_id}/due-date/",
            {
                "complexity": "simple",
                "clock": "delivery",
                "start": "2026-12-04T12:06:00Z",
                "policy": same_day.slug,
            },
        )
        .json()
    )
    assert datetime.fromisoformat(body["due"]) == datetime(2026, 12, 4, 17, tzinfo=LONDON)
    assert body["target"] == "end of this business day"


def test_lunch_is_a_closed_time(london):
    engine = london.engine_for(datetime(2026, 12, 4, tzinfo=LONDON))
    assert not engine.is_open(datetime(2026, 12, 4, 12, 45, tzinfo=LONDON))
