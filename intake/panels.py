"""Home-page panels: what is waiting for each person in intake."""

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from mops.accounts.roles import Role, has_role
from mops.core.registry import Panel

from .models import Request, Status
from .selectors import team_panel_rows


def my_team_panel(user: Any) -> Iterable[Panel]:
    """Requesters: their team's requests that wait on them (drafts, needs info)."""
    if not has_role(user, {Role.REQUESTER}):
        return []
    count, rows = team_panel_rows(user)
    return [
        Panel(
            title="Your team's requests waiting on you",
            url=reverse("intake:request_list") + "?scope=all",
            count=count,
            rows=[
                (f"{r.reference} {r.title} — {r.expected_of_requester}", r.get_absolute_url())
                for r in rows
            ],
            empty="Nothing waits on you.",
            action=("New request", reverse("intake:service_pick")),
        )
    ]


def backlog_panel(user: Any) -> Iterable[Panel]:
    """PMs: requests waiting for triage, oldest SLA first."""
    if not has_role(user, {Role.PM, Role.ADMIN}):
        return []
    qs = Request.objects.filter(status=Status.SUBMITTED)
    rows = list(qs.order_by("sla_due_at")[:5])
    return [
        Panel(
            title="Waiting for triage",
            url=reverse("intake:request_list") + "?scope=triage&sort=due",
            count=qs.count(),
            rows=[(f"{r.reference} {r.title}", r.get_absolute_url()) for r in rows],
            empty="The triage queue is empty.",
        )
    ]
