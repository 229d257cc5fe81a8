"""The experiment register: `Experiment` with its `ExperimentEvent` timeline; sample-size
arithmetic lives in `releases.experiments.design`."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import Channel
from mops.core.lifecycle import Lifecycle, Transition
from mops.core.models import TimeStampedModel
from releases.trains.models import RELEASE_STAFF, Departure

# --- experiments ------------------------------------------------------------------------------


class ExperimentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    CONCLUDED = "concluded", "Concluded"
    STOPPED = "stopped", "Stopped early"
    CANCELLED = "cancelled", "Cancelled"


class ExperimentResult(models.TextChoices):
    WIN = "win", "Win"
    LOSS = "loss", "Loss"
    INCONCLUSIVE = "inconclusive", "Inconclusive"


X = ExperimentStatus
EXPERIMENT_LIFECYCLE = Lifecycle(
    states=X.values,
    transitions=[
        Transition("start", frozenset({X.PLANNED}), X.RUNNING, RELEASE_STAFF, "Start"),
        Transition("conclude", frozenset({X.RUNNING}), X.CONCLUDED, RELEASE_STAFF, "Conclude"),
        Transition(
            "stop", frozenset({X.RUNNING}), X.STOPPED, RELEASE_STAFF, "Stop early", needs_note=True
        ),
        Transition("cancel", frozenset({X.PLANNED}), X.CANCELLED, RELEASE_STAFF, needs_note=True),
    ],
)
EXPERIMENT_ENDED = frozenset({X.CONCLUDED, X.STOPPED, X.CANCELLED})
MAX_SAMPLE = 10**13  # per variant; a design asking for more is not a test anyone can run


def validate_rate(value: Decimal) -> None:
    if not Decimal(0) < value < Decimal(1):
        raise ValidationError("Give a rate strictly between 0 and 1 (e.g. 0.10 for 10%).")


def validate_relative_lift(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Give a relative lift above 0 (e.g. 0.10 for +10%).")


class Experiment(TimeStampedModel):
    """An A/B (or A/B/n) test in the experiment register: its hypothesis, the design that
    fixes the sample each variant needs (`releases.experiments`), and its outcome.

    `required_sample_per_variant` is computed by the services from baseline, MDE, α and
    power; `met_power` is set at conclusion (observed sample per variant ≥ required)."""

    name = models.CharField(max_length=200)
    hypothesis = models.TextField(help_text="If we change X for audience Y, metric Z moves.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey("accounts.Team", on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        "intake.Request",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The intake request that built it, if any.",
    )
    departure = models.ForeignKey(
        Departure,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The release-train departure it launched on, if any.",
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    primary_metric = models.CharField(
        max_length=200, help_text="The conversion the test decides on, e.g. demo-form fill rate."
    )
    baseline_rate = models.DecimalField(
        max_digits=7,
        decimal_places=6,
        validators=[validate_rate],
        help_text="Current conversion rate of the control, e.g. 0.10.",
    )
    minimum_detectable_effect = models.DecimalField(
        max_digits=8,
        decimal_places=4,
        validators=[validate_relative_lift],
        help_text="Smallest relative lift worth detecting, e.g. 0.10 = +10%.",
    )
    alpha = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("0.2"))],
        help_text="Significance level, two-sided.",
    )
    power = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.8"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.99"))],
        help_text="Chance of detecting the effect when it is there (1 − β).",
    )
    variants = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(2), MaxValueValidator(20)],
        help_text="Arms including the control.",
    )
    required_sample_per_variant = models.PositiveBigIntegerField(
        editable=False, validators=[MaxValueValidator(MAX_SAMPLE)]
    )
    observed_sample_per_variant = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_SAMPLE)],
        help_text="Smallest arm's sample, entered at conclusion.",
    )
    cost = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="What the test cost (media, tools, hours), for cost per experiment.",
    )
    status = models.CharField(
        max_length=10, choices=ExperimentStatus.choices, default=ExperimentStatus.PLANNED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=12, choices=ExperimentResult.choices, blank=True)
    learnings = models.TextField(blank=True)
    met_power = models.BooleanField(
        null=True, blank=True, help_text="Observed sample per variant ≥ required (at conclusion)."
    )
    version = models.PositiveIntegerField(default=1, help_text="ETag / If-Match.")
    history = HistoricalRecords()

    lifecycle = EXPERIMENT_LIFECYCLE

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "concluded_at"], name="releases_exp_status_concluded"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_rate__gt=0, baseline_rate__lt=1),
                name="releases_experiment_baseline_0_1",
            ),
            models.CheckConstraint(
                condition=Q(minimum_detectable_effect__gt=0), name="releases_experiment_mde_pos"
            ),
            models.CheckConstraint(
                condition=Q(variants__gte=2), name="releases_experiment_two_variants"
            ),
            models.CheckConstraint(
                condition=~Q(status="concluded")
                | (
                    ~Q(result="")
                    & Q(
                        concluded_at__isnull=False,
                        observed_sample_per_variant__isnull=False,
                        met_power__isnull=False,
                    )
                ),
                name="releases_experiment_concluded_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("releases:experiment_detail", args=[self.pk])

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def treatment_rate(self) -> Decimal:
        """The rate a variant must reach: baseline × (1 + MDE)."""
        return self.baseline_rate * (1 + self.minimum_detectable_effect)

    @property
    def required_sample_total(self) -> int:
        return (self.required_sample_per_variant or 0) * self.variants

    @property
    def is_ended(self) -> bool:
        return self.status in EXPERIMENT_ENDED

    @property
    def design_summary(self) -> str:
        """'baseline 10%, +10% relative lift (to 11%), α 0.05 two-sided, power 0.8, 2 variants'."""

        def pct(value: Decimal) -> str:
            return f"{float(value) * 100:.4g}%"

        return (
            f"baseline {pct(self.baseline_rate)}, +{pct(self.minimum_detectable_effect)} "
            f"relative lift (to {pct(self.treatment_rate)}), α {float(self.alpha):g} two-sided, "
            f"power {float(self.power):g}, {self.variants} variants"
        )

    @property
    def sample_label(self) -> str:
        """'— / 14,751' or '15,000 / 14,751' (observed / required per variant)."""
        observed = self.observed_sample_per_variant
        seen = "—" if observed is None else f"{observed:,}"
        return f"{seen} / {self.required_sample_per_variant:,}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.status == ExperimentStatus.CONCLUDED:
            if not self.result:
                errors["result"] = "Say whether it was a win, a loss or inconclusive."
            if not self.learnings.strip():
                errors["learnings"] = "Write down what was learned."
            if self.observed_sample_per_variant is None:
                errors["observed_sample_per_variant"] = (
                    "Give the sample each variant reached (the smallest arm)."
                )
        if errors:
            raise ValidationError(errors)


class ExperimentEvent(models.Model):
    """One lifecycle step of an experiment (creation included): who, when, from, to, why."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    transition = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, choices=ExperimentStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ExperimentStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["experiment", "at"], name="releases_exp_event_at")]

    def __str__(self) -> str:
        return f"{self.experiment_id}: {self.from_status or '∅'} → {self.to_status}"
