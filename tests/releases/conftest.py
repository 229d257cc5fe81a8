"""Fixtures for releases tests: trains, departures, and requests waiting in QA."""

from datetime import timedelta

import pytest
from django.utils import timezone

from releases.trains.models import Departure, Train
from tests.releases.workitems import daily_train


@pytest.fixture
def email_train(users) -> Train:
    """Daily 10:00 New York e-mail train (departures every day so tests always find one)."""
    return daily_train(users["admin"])


@pytest.fixture
def departure(email_train) -> Departure:
    """An open departure whose cutoff is at least a day away."""
    return (
        Departure.objects.filter(
            train=email_train, cutoff_at__gt=timezone.now() + timedelta(days=1)
        )
        .order_by("starts_at")
        .first()
    )


@pytest.fixture
def make_request(users):
    """make_request(channels=["email"]) → a request in QA from a service in those channels."""
    from tests.releases.workitems import qa_request

    def make(channels=("email",), change_type="new_campaign", **kwargs):
        return qa_request(
            channels=list(channels), change_type=change_type, requester=users["requester"], **kwargs
        )

    return make
