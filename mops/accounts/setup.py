"""The accounts steps of the set-up guide: the time zone, then teams and people."""

import os
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from mops.core.registry import Panel, SetupStep

from .models import Team, User
from .roles import ADMINS, GROUP_NAMES, Role, has_role


def setup_steps() -> Iterable[SetupStep]:
    explicit = bool(os.environ.get("MOPS_TIME_ZONE"))
    yield SetupStep(
        title=f"Time zone: {settings.TIME_ZONE}",
        done=explicit,
        url=reverse("setup") + "#time-zone",
        detail=(
            "Set MOPS_TIME_ZONE (e.g. Europe/London) and restart: new calendars and trains "
            "default to it."
            if not explicit
            else "Set by MOPS_TIME_ZONE; new calendars and trains default to it."
        ),
        order=10,
    )
    has_team = Team.objects.exists()
    people = User.objects.filter(
        groups__name__in=[GROUP_NAMES[Role.PM], GROUP_NAMES[Role.REQUESTER]]
    )
    has_pm = people.filter(groups__name=GROUP_NAMES[Role.PM]).exists()
    has_requester = people.filter(groups__name=GROUP_NAMES[Role.REQUESTER]).exists()
    yield SetupStep(
        title="Teams and people",
        done=has_team and has_pm and has_requester,
        url=reverse("people"),
        detail="Create your teams, then invite or import people: at least one MOPS PM and "
        "one Requester.",
        order=30,
    )


def setup_panel(user: object) -> Iterable[Panel]:
    """Admins' home: the set-up guide while steps remain (a clean install shows it first)."""
    if not has_role(user, ADMINS):
        return []
    from mops.core import registry

    steps = sorted(
        (s for provider in registry.setup_steps for s in provider()), key=lambda s: s.order
    )
    todo = [s for s in steps if not s.done]
    return [
        Panel(
            title="Set-up guide",
            url=reverse("setup"),
            count=len(todo),
            rows=[(s.title, s.url) for s in todo[:4]],
            empty="Every set-up step is done.",
        )
    ]
