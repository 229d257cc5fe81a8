"""The events requests' tracking plans name, offered to the stack's instrumentation
inventory through `governance.stack.hooks.tracking_plan_events` (intake sits above
governance, so the link is computed here and registered in IntakeConfig.ready())."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from governance.stack.hooks import PlannedEvent

from .models import Request, Status
from .services import TRACKING_EVENTS, tracking_events

# Requests whose tracking plans are not (or no longer) in play.
NOT_IN_PLAY = (Status.DRAFT, Status.REJECTED, Status.CANCELLED)


def planned_events(name: str | None = None) -> list[PlannedEvent]:
    """Every (event, request) pair of the tracking plans of requests in play, by request.
    One query; the comma-separated names are split here (a plan names a handful)."""
    rows = (
        Request.objects.exclude(status__in=NOT_IN_PLAY)
        .filter(Q(**{f"tracking_plan__{TRACKING_EVENTS}__gt": ""}))
        .order_by("pk")
        .values_list("pk", "title", "tracking_plan")
    )
    if name:
        rows = rows.filter(**{f"tracking_plan__{TRACKING_EVENTS}__icontains": name.strip()})
    wanted = name.strip().lower() if name else None
    detail = reverse("intake:request_detail", args=[0]).removesuffix("0/")
    return [
        PlannedEvent(event, pk, f"REQ-{pk}", title, f"{detail}{pk}/")
        for pk, title, plan in rows
        for event in tracking_events(plan)
        if wanted is None or event.lower() == wanted
    ]
