"""Scoring models (named, with numbered immutable versions of their factors) and the
priority score each request carries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .. import scoring
from .requests import Request


class ScoringModel(models.Model):
    """A named scoring model; its factors live in numbered, immutable versions.

    Exactly one model is the default: new requests are scored with its current version.
    """

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    is_default = models.BooleanField(default=False)
    current_version = models.ForeignKey(
        "ScoringModelVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, help_text="If-Match / ETag.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="intake_one_default_model"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ScoringModelVersion(models.Model):
    """The factors (key, label, low, high, direction, weight) at one point in time."""

    scoring_model = models.ForeignKey(
        ScoringModel, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    factors = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    rescored_count = models.PositiveIntegerField(default=0)
    rescore_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["scoring_model", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["scoring_model", "number"], name="intake_scoring_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scoring_model.name} v{self.number}"

    def parsed(self) -> list[scoring.Factor]:
        return scoring.parse_factors(self.factors)


class Priority(models.Model):
    """A request's priority score and the scoring-model version that gave it.

    Kept in a narrow table of its own (one row per request, created with it) because the
    whole backlog is rescored by one set-based UPDATE whenever the model changes: here that
    rewrites ~40-byte rows and two indexes, where on the wide request row it rewrote every
    row and all seven of its indexes (3.5 s → ≈1 s for 100,000 requests; docs/benchmarks.md).
    The backlog's score sort walks `intake_priority_rank` and joins requests by key.
    """

    request = models.OneToOneField(
        Request, primary_key=True, on_delete=models.CASCADE, related_name="priority"
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    model_version = models.ForeignKey(
        ScoringModelVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        indexes = [
            models.Index(
                F("score").desc(nulls_last=True), F("request").desc(), name="intake_priority_rank"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="intake_score_0_100",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.score}"
