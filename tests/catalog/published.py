"""Catalog rows the tests of several apps stand on, made through the catalog services as a
person would: the "Launch a campaign" service, a self-serve service, the "Nurture" template."""

from typing import Any

from catalog.models import Service, Template
from catalog.services import service_create, service_publish, template_create

WHAT = [{"key": "what", "label": "What", "type": "text"}]

LAUNCH_A_CAMPAIGN = {
    "name": "Launch a campaign",
    "slug": "launch-a-campaign",
    "description": "Plan and launch.",
    "channels": ["email"],
    "change_type": "new_campaign",
    "default_complexity": "standard",
}

NURTURE = {
    "name": "Nurture",
    "slug": "nurture",
    "kind": "nurture",
    "channel": "email",
    "content": "Weekly e-mail.",
    "spec": {"cadence_days": 7},
    "changelog": "First version.",
    "rollback_plan": "Pause it.",
}


def service_published(*, actor: Any, **fields: Any) -> Service:
    """service_create then service_publish, by the same actor."""
    return service_publish(service=service_create(actor=actor, **fields), actor=actor)


def launch_a_campaign(*, actor: Any, sla_policy: Any, **changes: Any) -> Service:
    """The published "Launch a campaign" service (standard, e-mail), with `changes`."""
    return service_published(actor=actor, sla_policy=sla_policy, **(LAUNCH_A_CAMPAIGN | changes))


def self_serve_service(
    admin: Any, policy: Any, *, slug: str, tool: str, instructions: str = "1. Do it."
) -> Service:
    """A published simple e-mail self-serve service finished with `tool`, named after its
    slug ("create-a-segment" → "Create a segment")."""
    return service_published(
        actor=admin,
        name=slug.replace("-", " ").capitalize(),
        slug=slug,
        channels=["email"],
        default_complexity="simple",
        sla_policy=policy,
        self_serve=True,
        self_serve_tool=tool,
        instructions=instructions,
        input_definition=WHAT,
    )


def nurture_template(*, actor: Any, **changes: Any) -> Template:
    """The weekly "Nurture" e-mail template (version 1), with `changes`."""
    return template_create(actor=actor, **(NURTURE | changes))
