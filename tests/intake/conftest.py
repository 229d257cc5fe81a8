"""Intake fixtures: a published service with a conditional form on the shared policy
(tests/conftest.py: New York 9–17, US holidays, 4-business-hour triage), request helpers."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intake import services
from tests.catalog.published import launch_a_campaign
from tests.factories import CONDITIONAL_DEFINITION

NY = ZoneInfo("America/New_York")
MON_FRI_9_17 = {str(d): [["09:00", "17:00"]] for d in range(5)}


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def service(users, policy):
    return launch_a_campaign(
        actor=users["admin"], sla_policy=policy, input_definition=CONDITIONAL_DEFINITION
    )


COMPLETE = {
    "title": "Spring launch",
    "answers": {"channel": "E-mail", "audience_size": "5000"},
    "brief": "Launch the spring offer.",
    "audience": "Trial users in the US",
    "offer": "20% off",
    "tracking_plan": {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "fy30q1_na_email_promo_spring",
    },
    "desired_live_date": date(2030, 1, 1),
    "scoring_inputs": {"impact": 4, "effort": 2, "risk": 3},
}


@pytest.fixture
def make_request(service, users):
    """make_request(submit=True, now=..., actor=..., **overrides) → a request."""

    def make(*, submit: bool = False, now: datetime | None = None, actor=None, **overrides):
        fields = {**COMPLETE, **overrides}
        return services.request_create(
            service=service,
            actor=actor or users["requester"],
            submit=submit,
            now=now,
            **fields,
        )

    return make


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
