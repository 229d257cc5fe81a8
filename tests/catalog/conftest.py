"""Catalog fixtures: a published service and a template on the shared policy and calendar
(tests/conftest.py)."""

import pytest

from catalog import demo
from catalog.services import service_create
from tests.catalog.published import launch_a_campaign, nurture_template
from tests.factories import CONDITIONAL_DEFINITION

DEFINITION = CONDITIONAL_DEFINITION


@pytest.fixture
def admin(users):
    return users["admin"]


@pytest.fixture
def template(admin):
    return nurture_template(actor=admin)


@pytest.fixture
def service(admin, policy, template):
    return launch_a_campaign(
        actor=admin,
        sla_policy=policy,
        channels=["email", "paid_social"],
        default_complexity="simple",
        templates=[template],
        input_definition=DEFINITION,
    )


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
