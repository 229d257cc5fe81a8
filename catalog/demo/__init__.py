"""Demo catalog (idempotent): three calendars, the Standard SLA policy, seven services, five
templates with two or three versions each. Objects that exist (by slug) are left alone."""

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import timezone

from mops.accounts.models import Team, User

from ..models import Calendar, Service, SlaPolicy
from ..models import Template as TemplateModel
from ..services import (
    calendar_create,
    service_create,
    service_publish,
    sla_policy_create,
    template_create,
    template_publish,
)
from .services import CHANNEL_CHOICES, REGIONS, SERVICES
from .templates import TEMPLATES

__all__ = [
    "ALWAYS",
    "BERLIN_WEEK",
    "CHANNEL_CHOICES",
    "MON_FRI_9_17",
    "REGIONS",
    "SERVICES",
    "TEMPLATES",
    "load",
]

MON_FRI_9_17 = {str(d): [["09:00", "17:00"]] for d in range(5)}
BERLIN_WEEK = {str(d): [["09:00", "12:30"], ["13:30", "18:00"]] for d in range(4)} | {
    "4": [["09:00", "12:30"], ["13:30", "16:00"]]
}
ALWAYS = {str(d): [["00:00", "24:00"]] for d in range(7)}

# The two SLA policies, by slug: name, calendar (by its slug) and description; then the
# triage and delivery targets in hours for (simple, standard, complex) work and the at-risk percent.
POLICIES: dict[str, tuple[str, str, str]] = {
    "standard": (
        "Standard",
        "us-business-hours",
        "Triage the same business day; deliver in 2 / 5 / 15 business days.",
    ),
    "urgent-24-7": (
        "Urgent (24/7)",
        "always-open",
        "Incidents and hot fixes: the clock never stops.",
    ),
}
POLICY_TARGETS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int], int]] = {
    "standard": ((4, 4, 4), (16, 40, 120), 75),
    "urgent-24-7": ((1, 1, 2), (8, 24, 72), 50),
}
COMPLEXITIES = ("simple", "standard", "complex")


def _admin() -> User:
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("The catalog demo needs the accounts demo (an admin) first.")
    admin._mops_roles = frozenset({"admin"})
    return admin


def _calendars(this_year: int) -> dict[str, dict[str, Any]]:
    """The three demo calendars, by slug, with closed days around `this_year`."""
    years = range(this_year - 1, this_year + 3)
    return {
        "us-business-hours": dict(
            name="US business hours",
            time_zone="America/New_York",
            working_hours=MON_FRI_9_17,
            holiday_regions=["US"],
            closed_days=[
                d
                for y in years
                for d in ((date(y, 12, 24), "Christmas Eve"), (date(y, 12, 31), "New Year's Eve"))
            ],
        ),
        "berlin": dict(
            name="Berlin",
            time_zone="Europe/Berlin",
            working_hours=BERLIN_WEEK,
            holiday_regions=["DE-BE"],
            closed_days=[(date(y, 12, 24), "Heiligabend") for y in years],
        ),
        "always-open": dict(
            name="24/7", time_zone="UTC", working_hours=ALWAYS, holiday_regions=[], closed_days=[]
        ),
    }


def _load_calendars(actor: User, progress: Callable[[str], None]) -> None:
    for slug, spec in _calendars(timezone.now().year).items():
        if not Calendar.objects.filter(slug=slug).exists():
            calendar_create(actor=actor, slug=slug, **spec)
        progress(f"calendar {slug}")


def _load_policies(actor: User, progress: Callable[[str], None]) -> None:
    for slug, (name, calendar, description) in POLICIES.items():
        if SlaPolicy.objects.filter(slug=slug).exists():
            continue
        triage, delivery, at_risk = POLICY_TARGETS[slug]
        hours = {f"triage_hours_{c}": h for c, h in zip(COMPLEXITIES, triage, strict=True)} | {
            f"delivery_hours_{c}": h for c, h in zip(COMPLEXITIES, delivery, strict=True)
        }
        sla_policy_create(
            actor=actor,
            slug=slug,
            name=name,
            description=description,
            calendar=Calendar.objects.get(slug=calendar),
            at_risk_percent=at_risk,
            **hours,
        )
    progress("SLA policies")


def _load_templates(actor: User, team: Team | None, progress: Callable[[str], None]) -> None:
    for spec in TEMPLATES:
        if not TemplateModel.objects.filter(slug=spec["slug"]).exists():
            (content, tspec, changelog, rollback), *later = spec["versions"]
            template = template_create(
                actor=actor,
                name=spec["name"],
                slug=spec["slug"],
                kind=spec["kind"],
                channel=spec["channel"],
                owner_team=team,
                description=spec["description"],
                content=content,
                spec=tspec,
                changelog=changelog,
                rollback_plan=rollback,
            )
            for content, tspec, changelog, rollback in later:
                template_publish(
                    template=template,
                    actor=actor,
                    content=content,
                    spec=tspec,
                    changelog=changelog,
                    rollback_plan=rollback,
                )
        progress(f"template {spec['slug']}")


def _load_services(actor: User, team: Team | None, progress: Callable[[str], None]) -> None:
    policy = SlaPolicy.objects.get(slug="standard")
    for spec in SERVICES:
        if Service.objects.filter(slug=spec["slug"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "templates"}
        templates = TemplateModel.objects.filter(slug__in=spec["templates"])
        service = service_create(
            actor=actor,
            owner_team=team,
            sla_policy=policy,
            templates=list(templates.values_list("pk", flat=True)),
            changelog="First version.",
            **fields,
        )
        service_publish(service=service, actor=actor)
        progress(f"service {spec['slug']}")


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    actor = _admin()
    team = Team.objects.filter(slug="marketing-ops").first()
    _load_calendars(actor, progress)
    _load_policies(actor, progress)
    _load_templates(actor, team, progress)
    _load_services(actor, team, progress)
