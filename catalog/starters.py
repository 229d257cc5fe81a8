"""Starter services: the common MOPS services, installable one by one on a clean install
(the demo is all or nothing). Installing twice returns the service already there."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from mops.accounts.models import User
from mops.accounts.roles import has_role
from mops.core.slugs import unique_slug

from .demo import SERVICES
from .models import Calendar, Service, SlaPolicy
from .services import (
    CALENDAR_EDITORS,
    CATALOG_EDITORS,
    service_create,
    service_publish,
    sla_policy_create,
)

STARTER_SLUGS = (
    "launch-a-campaign",
    "add-a-field",
    "create-a-segment",
    "build-a-nurture",
    "create-a-utm-set",
)
STARTERS: dict[str, dict[str, Any]] = {
    spec["slug"]: {k: v for k, v in spec.items() if k != "templates"}
    for spec in SERVICES
    if spec["slug"] in STARTER_SLUGS
}


def starters_status() -> list[tuple[dict[str, Any], Service | None]]:
    """Each starter with the service installed from it (by slug), if any."""
    installed = {s.slug: s for s in Service.objects.filter(slug__in=STARTERS)}
    return [(spec, installed.get(slug)) for slug, spec in STARTERS.items()]


def _default_policy(actor: User) -> SlaPolicy:
    policy = SlaPolicy.objects.order_by("pk").first()
    if policy is not None:
        return policy
    calendar = Calendar.objects.order_by("pk").first()
    if calendar is None:
        raise ValidationError(
            {"calendar": "Create a business calendar first (SLAs and calendars → New calendar)."}
        )
    if not has_role(actor, CALENDAR_EDITORS):
        raise ValidationError(
            {
                "sla_policy": "There is no SLA policy yet: an admin installs the first starter "
                "(which makes a Standard policy) or creates a policy."
            }
        )
    return sla_policy_create(
        actor=actor,
        name="Standard",
        slug=unique_slug(SlaPolicy, "standard"),
        description="Triage the same business day; deliver in 2 / 5 / 15 business days.",
        calendar=calendar,
        triage_hours_simple=Decimal(4),
        triage_hours_standard=Decimal(4),
        triage_hours_complex=Decimal(4),
        delivery_hours_simple=calendar.hours_per_day * 2,
        delivery_hours_standard=calendar.hours_per_day * 5,
        delivery_hours_complex=calendar.hours_per_day * 15,
        at_risk_percent=75,
    )


def starter_install(*, key: str, actor: User) -> Service:
    """Install one starter as a published service on the first SLA policy (a "Standard"
    one on the first calendar is made when none exists). Idempotent by the starter's slug."""
    if not has_role(actor, CATALOG_EDITORS):
        raise PermissionDenied("Only a MOPS PM or an admin can install starter services.")
    spec = STARTERS.get(key)
    if spec is None:
        raise ValidationError({"starter": f"'{key}' is not a starter service."})
    existing = Service.objects.filter(slug=key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        service = service_create(
            actor=actor,
            owner_team=getattr(actor, "team", None),
            sla_policy=_default_policy(actor),
            changelog="Installed from the starter set.",
            **spec,
        )
        return service_publish(service=service, actor=actor)
