"""Home-page panels from governance: what is waiting for this person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from governance.rfc.models import (
    Rfc,
    RfcStatus,
)
from governance.rfc.selectors import rfcs_awaiting_review_by
from mops.accounts.roles import Role, has_role
from mops.core.registry import Panel


def rfc_review_panel(user: Any) -> Iterable[Panel]:
    """Approvers: RFCs in review they have not approved yet."""
    if not has_role(user, {Role.APPROVER, Role.ADMIN}):
        return []
    qs = rfcs_awaiting_review_by(user)
    rows = [(str(r), r.get_absolute_url()) for r in qs[:5]]
    return [
        Panel(
            title="RFCs to review",
            url=reverse("governance:rfc_list") + "?status=in_review",
            count=qs.count(),
            rows=rows,
            empty="No RFC waits for your review.",
        )
    ]


def rfc_schedule_panel(user: Any) -> Iterable[Panel]:
    """PMs: approved RFCs waiting for a departure."""
    if not has_role(user, {Role.PM}):
        return []
    qs = Rfc.objects.filter(status=RfcStatus.APPROVED).order_by("updated_at")
    return [
        Panel(
            title="Approved RFCs to schedule",
            url=reverse("governance:rfc_list") + "?status=approved",
            count=qs.count(),
            rows=[(str(r), r.get_absolute_url()) for r in qs[:5]],
            empty="No approved RFC waits for a window.",
        )
    ]


def incident_panel(user: Any) -> Iterable[Panel]:
    """Staff: open incidents, the ones assigned to this person first."""
    from governance.health.models import (
        INCIDENT_RESPONDERS,
        Incident,
        IncidentStatus,
    )

    if not has_role(user, INCIDENT_RESPONDERS):
        return []
    qs = Incident.objects.filter(status=IncidentStatus.OPEN)
    mine = list(qs.filter(assignee=user).order_by("-opened_at")[:5]) or list(
        qs.order_by("-opened_at")[:5]
    )
    return [
        Panel(
            title="Open incidents",
            url=reverse("governance:incident_list") + "?status=open",
            count=qs.count(),
            rows=[(str(i), i.get_absolute_url()) for i in mine],
            empty="No open incident.",
        )
    ]
