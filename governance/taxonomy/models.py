"""The campaign taxonomy (versions) and the campaign registry (campaigns and their tagged
links). `governance.taxonomy.services` is the only writer."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.models import TimeStampedModel

from .codec import (
    TaxonomyDataError,
    taxonomy_from_data,
)
from .definition import Taxonomy

# --- campaign taxonomy --------------------------------------------------------------------


class TaxonomyVersion(models.Model):
    """One version of the admin-defined taxonomy. Versions are never edited: a change
    saves a new version and makes it the active one (the older ones stay readable)."""

    number = models.PositiveIntegerField(unique=True)
    is_active = models.BooleanField(default=False)
    sources = models.JSONField()
    mediums = models.JSONField()
    channel_rules = models.JSONField()
    naming = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="governance_one_active_taxonomy",
            )
        ]

    def __str__(self) -> str:
        return f"Taxonomy v{self.number}"

    def clean(self) -> None:
        try:
            self.to_taxonomy()
        except TaxonomyDataError as exc:
            field = exc.path.split(".")[0]
            raise ValidationError({field: f"{exc.path}: {exc.message}"}) from None

    def to_taxonomy(self) -> Taxonomy:
        return taxonomy_from_data(
            sources=self.sources,
            mediums=self.mediums,
            channel_rules=self.channel_rules,
            naming=self.naming,
        )


class Campaign(TimeStampedModel):
    """A registered campaign: later data checks tie records to it by name."""

    name = models.CharField(max_length=200, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=60, blank=True, help_text="Channel group (GA4-like).")
    source = models.CharField(max_length=100, blank=True)
    medium = models.CharField(max_length=100, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    taxonomy_version = models.ForeignKey(
        TaxonomyVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The campaign cannot end before it starts."})


class CampaignLink(models.Model):
    """One tagged URL built for a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="links")
    base_url = models.URLField(max_length=2000)
    url = models.CharField(max_length=4000)
    source = models.CharField(max_length=100)
    medium = models.CharField(max_length=100)
    content = models.CharField(max_length=200, blank=True)
    term = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "url"], name="governance_link_unique")
        ]

    def __str__(self) -> str:
        return self.url
