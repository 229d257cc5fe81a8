"""Catalog fixtures: the US calendar, the Standard policy, a published service, a template."""

import pytest

from catalog import demo
from catalog.services import (
    calendar_create,
    service_create,
    service_publish,
    sla_policy_create,
    template_create,
)

DEFINITION = [
    {
        "key": "channel",
        "label": "Channel",
        "type": "choice",
        "required": True,
        "choices": ["E-mail", "Paid social"],
    },
    {
        "key": "audience_size",
        "label": "Audience size",
        "type": "number",
        "required": True,
        "min": 1,
        "condition": {"field": "channel", "op": "eq", "value": "E-mail"},
    },
    {"key": "notes", "label": "Notes", "type": "long_text"},
]


@pytest.fixture
def admin(users):
    return users["admin"]


@pytest.fixture
def us_calendar(admin):
    return calendar_create(
        actor=admin,
        name="US business hours",
        slug="us",
        time_zone="America/New_York",
        working_hours=demo.MON_FRI_9_17,
        holiday_regions=["US"],
        closed_days=[],
    )


@pytest.fixture
def policy(admin, us_calendar):
    return sla_policy_create(
        actor=admin,
        name="Standard",
        slug="standard",
        calendar=us_calendar,
        triage_hours_simple=4,
        triage_hours_standard=4,
        triage_hours_complex=4,
        delivery_hours_simple=16,
        delivery_hours_standard=40,
        delivery_hours_complex=120,
        at_risk_percent=75,
    )


@pytest.fixture
def template(admin):
    return template_create(
        actor=admin,
        name="Nurture",
        slug="nurture",
        kind="nurture",
        channel="email",
        content="Weekly e-mail.",
        spec={"cadence_days": 7},
        changelog="First version.",
        rollback_plan="Pause it.",
    )


@pytest.fixture
def service(admin, policy, template):
    service = service_create(
        actor=admin,
        name="Launch a campaign",
        slug="launch-a-campaign",
        description="Plan and launch.",
        channels=["email", "paid_social"],
        change_type="new_campaign",
        default_complexity="simple",
        sla_policy=policy,
        templates=[template],
        input_definition=DEFINITION,
    )
    return service_publish(service=service, actor=admin)


@pytest.fixture
def draft_service(admin, policy):
    return service_create(
        actor=admin,
        name="Secret draft",
        slug="secret-draft",
        sla_policy=policy,
        input_definition=[{"key": "what", "label": "What", "type": "text"}],
    )


@pytest.fixture
def demo_catalog(users):
    """The full demo catalog (needs the demo admin)."""
    demo.load()
