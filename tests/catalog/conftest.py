"""Catalog fixtures: a published service and a template on the shared policy and calendar
(tests/conftest.py)."""

import pytest

from catalog import demo
from catalog.services import (
    service_create,
    service_publish,
    template_create,
)
from tests.factories import CONDITIONAL_DEFINITION

DEFINITION = CONDITIONAL_DEFINITION


@pytest.fixture
def admin(users):
    return users["admin"]


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
