"""Business-impact data: dataset role mappings, MOPS team cost per month, the computed
snapshots (each reproducible: statement, inputs, contract versions) and monthly reviews."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.models import TimeStampedModel


class SemanticRole(models.TextChoices):
    OPPORTUNITIES = "opportunities", "Opportunities"
    CAMPAIGN_TOUCHES = "campaign_touches", "Campaign touches"
    IDENTITIES = "identities", "Identities"


class DatasetRole(TimeStampedModel):
    """A governance dataset declared as one semantic role, by mapping role fields to its
    columns (`{"amount": "amount_usd", ...}`); validated against the introspected columns.
    One dataset per role: the figures read exactly one table of each kind."""

    role = models.CharField(max_length=20, choices=SemanticRole.choices, unique=True)
    dataset = models.ForeignKey(
        "governance.Dataset", on_delete=models.CASCADE, related_name="impact_roles"
    )
    columns = models.JSONField(default=dict)
    column_types = models.JSONField(
        default=dict, blank=True, help_text="Type of each mapped column when it was validated."
    )
    version = models.PositiveIntegerField(default=1, help_text="ETag / If-Match.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["role"]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.dataset}"


class TeamCost(TimeStampedModel):
    """Fully loaded MOPS team cost (salaries, contractors, overhead) of one calendar month."""

    month = models.DateField(unique=True, help_text="First day of the month.")
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    note = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="ETag / If-Match.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"MOPS cost {self.month:%Y-%m}: {self.amount}"


class ImpactSnapshot(models.Model):
    """The business-impact figures of one month or quarter, as computed in the warehouse.

    `statements` are the exact SQL texts run, `inputs` their parameters (the cohort list
    included) and `contract_versions` the data-contract version of each mapped dataset, so
    every number can be recomputed. A failed refresh keeps the last good row and marks it
    `stale` with the error.
    """

    class Period(models.TextChoices):
        MONTH = "month", "Month"
        QUARTER = "quarter", "Quarter"

    period = models.CharField(max_length=10, choices=Period.choices)
    start = models.DateField()
    end = models.DateField(help_text="Exclusive.")
    computed_at = models.DateTimeField(default=timezone.now)
    figures = models.JSONField(default=dict)
    statements = models.JSONField(default=list)
    inputs = models.JSONField(default=dict)
    contract_versions = models.JSONField(default=dict)
    certified = models.BooleanField(default=False)
    certification_reasons = models.JSONField(default=list, blank=True)
    coverage = models.FloatField(null=True, blank=True)
    stale = models.BooleanField(default=False)
    stale_reason = models.TextField(blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "period"]
        constraints = [
            models.UniqueConstraint(fields=["period", "start"], name="metrics_impact_one_snapshot")
        ]

    def __str__(self) -> str:
        return f"impact {self.period} {self.start}"


class ImpactReview(models.Model):
    """The monthly impact review of one month: sent to leadership, acknowledged by one."""

    month = models.DateField(unique=True, help_text="First day of the month reviewed.")
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"impact review {self.month:%Y-%m}"
