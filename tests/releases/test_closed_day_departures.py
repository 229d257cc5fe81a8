"""Trains on a business calendar do not open departures on its closed days."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.services import calendar_create
from releases.trains import services
from releases.trains.models import DepartureStatus

pytestmark = pytest.mark.django_db


def test_departure_on_a_company_closed_day_is_made_cancelled_with_the_reason(users):
    today = timezone.localdate()
    shutdown = [(today + timedelta(days=n), "Company shutdown") for n in (4, 5)]
    calendar = calendar_create(
        actor=users["admin"],
        name="London",
        slug="london",
        time_zone="Europe/London",
        working_hours={str(d): [["09:00", "17:30"]] for d in range(7)},
        closed_days=shutdown,
    )
    train = services.train_create(
        actor=users["admin"],
        name="Daily",
        slug="daily",
        channels=["email"],
        time_zone="Europe/London",
        rrule="FREQ=DAILY",
        first_date=today,
        start_time=time(12, 0),
        cutoff_hours=Decimal(1),
        calendar=calendar,
        horizon_days=10,
    )
    by_day = {d.local_start.date(): d for d in train.departures.all()}
    for day, _name in shutdown:
        assert by_day[day].status == DepartureStatus.CANCELLED
        assert "Company shutdown" in by_day[day].note
        assert not by_day[day].is_bookable
    open_days = [d for day, d in by_day.items() if day not in dict(shutdown)]
    assert open_days and all(d.status == DepartureStatus.OPEN for d in open_days)
