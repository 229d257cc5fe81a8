"""Intake fixtures: a published service with a conditional form on the shared policy
(tests/conftest.py: New York 9–17, US holidays, 4-business-hour triage), request helpers."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog.services import service_create, service_publish
from intake import services
from tests.factories import CONDITIONAL_DEFINITION

NY = ZoneInfo("America/New_York")
MON_FRI_9_17 = {str(d): [["09:00", "17:00"]] for d in range(5)}


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.fixture
def service(users, policy):
    service = service_create(
        actor=users["admin"],
        name="Launch a campaign",
        slug="launch-a-campaign",
        description="Plan and launch.",
        channels=["email"],
        change_type="new_campaign",
        default_complexity="standard",
        sla_policy=policy,
        input_definition=CONDITIONAL_DEFINITION,
    )
    return service_publish(service=service, actor=users["admin"])


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
