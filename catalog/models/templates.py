"""Reusable templates (e-mail, landing page, ...) and their immutable versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.models import TimeStampedModel

from .choices import Channel


class PatternKind(models.TextChoices):
    WELCOME_SERIES = "welcome_series", "Welcome series"
    NURTURE = "nurture", "Nurture"
    RE_ENGAGEMENT = "re_engagement", "Re-engagement"
    WIN_BACK = "win_back", "Win-back"
    UPSELL = "upsell", "Upsell"
    OTHER = "other", "Other"


class Template(TimeStampedModel):
    """An approved automation pattern; its content lives in numbered versions."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=PatternKind.choices, default=PatternKind.OTHER)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description = models.TextField(blank=True)
    current_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One published version of a template. Never edited: rollback publishes a copy."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.TextField(blank=True, help_text="The pattern, as the builders read it.")
    spec = models.JSONField(default=dict, blank=True, help_text="Structured spec (steps, waits).")
    changelog = models.TextField(blank=True)
    rollback_plan = models.TextField(blank=True)
    restored_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="catalog_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.name} v{self.number}"
