"""Boarding: work (a request or an RFC) holding a seat on a departure."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from releases.trains.models import Departure

# --- boarding ---------------------------------------------------------------------------------


class BoardingStatus(models.TextChoices):
    BOARDED = "boarded", "Boarded"
    LIVE = "live", "Live"
    ROLLED_BACK = "rolled_back", "Rolled back"
    REMOVED = "removed", "Removed"


class Boarding(models.Model):
    """A request (or an RFC) on a departure's manifest. A subject is boarded at most once
    at a time; moving it to another departure marks this row `removed` and adds a new one."""

    departure = models.ForeignKey(Departure, on_delete=models.PROTECT, related_name="boardings")
    request = models.ForeignKey(
        "intake.Request", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rfc = models.ForeignKey(
        "governance.Rfc", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=BoardingStatus.choices, default=BoardingStatus.BOARDED
    )
    boarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    boarded_at = models.DateTimeField(default=timezone.now)
    freeze_override_reason = models.TextField(blank=True)
    emergency_rfc = models.ForeignKey(
        "governance.Rfc", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["boarded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False, rfc__isnull=True)
                | Q(request__isnull=True, rfc__isnull=False),
                name="releases_boarding_one_subject",
            ),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="boarded"),
                name="releases_boarding_request_once",
            ),
            models.UniqueConstraint(
                fields=["rfc"], condition=Q(status="boarded"), name="releases_boarding_rfc_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} on {self.departure_id}"

    @property
    def subject(self) -> Any:
        return self.request if self.request_id else self.rfc

    @property
    def occupies_seat(self) -> bool:
        return self.status != BoardingStatus.REMOVED
