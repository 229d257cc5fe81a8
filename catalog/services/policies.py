"""SLA policies."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mops.accounts.models import User
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.slugs import unique_slug

from ..models import SlaPolicy
from .roles import CALENDAR_EDITORS

POLICY_FIELDS = (
    "name",
    "slug",
    "description",
    "calendar",
    "triage_hours_simple",
    "triage_hours_standard",
    "triage_hours_complex",
    "delivery_hours_simple",
    "delivery_hours_standard",
    "delivery_hours_complex",
    "at_risk_percent",
    "target_kinds",
)


def sla_policy_create(*, actor: User, **fields: Any) -> SlaPolicy:
    require_role(actor, CALENDAR_EDITORS, "edit SLA policies")
    fields_check(fields, fields=POLICY_FIELDS, message="Not an SLA policy field.")
    if not fields.get("slug"):
        fields["slug"] = unique_slug(SlaPolicy, fields.get("name") or "sla-policy")
    policy = SlaPolicy(**fields)
    with transaction.atomic():
        model_save(policy, reason=f"created by {actor.username}")
    return policy


def sla_policy_update(*, policy: SlaPolicy, actor: User, **changes: Any) -> SlaPolicy:
    require_role(actor, CALENDAR_EDITORS, "edit SLA policies")
    fields_check(changes, fields=POLICY_FIELDS, message="Not an SLA policy field.")
    if "slug" in changes and not changes["slug"]:
        del changes["slug"]  # an emptied slug keeps the old one
    with transaction.atomic():
        model_update(policy, fields=POLICY_FIELDS, data=changes)
        model_save(policy, reason=f"edited by {actor.username}")
    return policy
