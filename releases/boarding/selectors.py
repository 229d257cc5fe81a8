"""Reads for boarding: work waiting to board, bookable departures, a subject's boarding."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from releases import work
from releases.boarding import carriage
from releases.boarding.models import Boarding, BoardingStatus
from releases.trains.models import Departure, DepartureStatus, Train
from releases.trains.selectors import departures


def requests_waiting_to_board(*, train: Train | None = None, limit: int = 10) -> list[Any]:
    """Requests in QA (oldest first), those `train` carries when given: what the departure
    page and the calendar offer to board. Reads at most 200 rows."""
    rows = (
        work.request_model()
        .objects.filter(status=work.IN_QA)
        .select_related("service")
        .order_by("updated_at", "pk")[:200]
    )
    found = [
        r
        for r in rows
        if train is None
        or carriage.carries(
            train_channels=train.channels,
            channels=work.request_channels(r),
            change_type=work.request_change_type(r),
        )
    ]
    return found[:limit]


def trains_carrying(channels: Iterable[str], change_type: str = "") -> list[int]:
    """Ids of the active trains that carry the work (`carriage.carries`; trains are few)."""
    wanted = list(channels)
    return [
        pk
        for pk, train_channels in Train.objects.filter(active=True).values_list("pk", "channels")
        if carriage.carries(train_channels=train_channels, channels=wanted, change_type=change_type)
    ]


def bookable_departures(
    channels: Iterable[str], *, now: datetime, change_type: str = ""
) -> QuerySet[Departure]:
    """Open departures before their cutoff on trains that carry the work."""
    return (
        departures()
        .filter(
            status=DepartureStatus.OPEN,
            cutoff_at__gt=now,
            train_id__in=trains_carrying(channels, change_type),
        )
        .order_by("starts_at")
    )


def current_boarding(*, request: Any = None, rfc: Any = None) -> Boarding | None:
    """The work item's (`request=` or `rfc=`) latest boarding that was not taken off."""
    item = {"request": request} if request is not None else {"rfc": rfc}
    return (
        Boarding.objects.filter(**item)
        .exclude(status=BoardingStatus.REMOVED)
        .select_related("departure__train")
        .order_by("-boarded_at")
        .first()
    )
