"""Departure steps go through `Lifecycle.apply`: locked, version-bumped, and recorded as the
departure's history row with who took the step, from/to and the note (#13)."""

import pytest
from django.core.exceptions import ValidationError

from mops.core.concurrency import StaleVersion
from releases.trains import services as trains_services
from releases.trains.models import Departure, DepartureStatus


def test_a_departure_step_is_an_event_with_actor_states_and_note(users, departure):
    before = departure.version
    trains_services.departure_transition(
        departure=departure, name="cancel", actor=users["pm"], note="Agency holiday"
    )
    departure.refresh_from_db()
    assert departure.status == DepartureStatus.CANCELLED and departure.version == before + 1
    last, previous = departure.history.order_by("-history_id")[:2]
    assert last.history_user == users["pm"]
    assert last.history_change_reason == "cancel by pm: Agency holiday"
    assert (previous.status, last.status) == (DepartureStatus.OPEN, DepartureStatus.CANCELLED)


def test_a_refused_step_writes_nothing(users, departure):
    rows = departure.history.count()
    with pytest.raises(ValidationError):
        trains_services.departure_transition(departure=departure, name="cancel", actor=users["pm"])
    assert departure.history.count() == rows
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.OPEN


def test_a_stale_version_is_refused_before_the_step(users, departure):
    with pytest.raises(StaleVersion):
        Departure.lifecycle.apply(
            departure, "close_boarding", users["pm"], roles={"pm"}, expected_version=99
        )
