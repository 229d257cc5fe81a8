"""Home-page panels from releases: what is waiting for this person."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from mops.accounts.roles import MOPS_STAFF, has_role
from mops.core.registry import Panel
from releases.boarding.models import Boarding, BoardingStatus
from releases.trains import selectors


def departures_panel(user: Any) -> Iterable[Panel]:
    """MOPS staff: departures in the next seven days, and launched work awaiting an outcome."""

    if not has_role(user, MOPS_STAFF):
        return []
    now = timezone.now()
    upcoming = list(
        selectors.departures()
        .filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=7))
        .exclude(status="cancelled")[:6]
    )
    awaiting = (
        Boarding.objects.filter(status=BoardingStatus.BOARDED, departure__starts_at__lte=now)
        .select_related("departure__train")
        .order_by("departure__starts_at")
    )
    panels = [
        Panel(
            title="Departures this week",
            url=reverse("releases:calendar") + "?mode=week",
            count=len(upcoming),
            rows=[
                (
                    f"{d.train.name} · {d.local_start:%a %d %b %H:%M} · "
                    f"{d.seats_taken}/{d.capacity} seats",  # type: ignore[attr-defined]  # annotated by the selector
                    d.get_absolute_url(),
                )
                for d in upcoming
            ],
            empty="No departure in the next seven days.",
        )
    ]
    waiting = list(awaiting[:5])
    if waiting:
        panels.append(
            Panel(
                title="Launched work to mark live or rolled back",
                url=waiting[0].departure.get_absolute_url(),
                count=awaiting.count(),
                rows=[(str(b.departure), b.departure.get_absolute_url()) for b in waiting],
            )
        )
    return panels
