"""Metrics data: per-request facts the database cannot derive alone, and the NPS survey.

`RequestFact` holds, per request, the timestamps read from its lifecycle events and the
business-time figures of its SLA clocks (business time needs the service's calendar,
which only the pure Python engine `catalog.businesstime` knows). Every figure on the
dashboard is then an SQL aggregate over this one indexed table.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import Complexity
from mops.accounts.models import Team


class RequestFact(models.Model):
    """One row per submitted request, rebuilt from its events (`facts.request_fact_refresh`).

    Clocks: triage runs from first submission to the first triage decision; delivery (TTC)
    from first acceptance to first live. Business seconds are on the service version's SLA
    calendar with time in needs_info excluded.
    """

    request = models.OneToOneField(
        "intake.Request", primary_key=True, on_delete=models.CASCADE, related_name="fact"
    )
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    channel = models.CharField(max_length=20, blank=True, help_text="The service's first channel.")
    self_serve = models.BooleanField(default=False)
    with_template = models.BooleanField(default=False)

    submitted_at = models.DateTimeField(null=True, blank=True)
    triaged_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    live_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="Left the backlog: first live, rejected or cancelled."
    )
    delivery_due_at = models.DateTimeField(null=True, blank=True)

    triage_business_seconds = models.BigIntegerField(null=True, blank=True)
    triage_target_seconds = models.BigIntegerField(null=True, blank=True)
    ttc_business_seconds = models.BigIntegerField(null=True, blank=True)
    ttc_calendar_seconds = models.BigIntegerField(null=True, blank=True)
    delivery_target_seconds = models.BigIntegerField(null=True, blank=True)
    day_seconds = models.PositiveIntegerField(
        default=8 * 3600, help_text="The calendar's standard business day, for business days."
    )
    triage_met = models.BooleanField(null=True, blank=True)
    delivery_met = models.BooleanField(null=True, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Covering indexes: each figure is an index-only range scan on its timestamp.
        indexes = [
            models.Index(
                fields=["live_at"],
                include=[
                    "ttc_business_seconds", "ttc_calendar_seconds", "day_seconds",
                    "delivery_met", "with_template", "self_serve", "complexity",
                ],
                name="metrics_fact_live",
            ),
            models.Index(
                fields=["submitted_at"], include=["ended_at", "complexity"],
                name="metrics_fact_submitted",
            ),
            models.Index(
                fields=["triaged_at"], include=["triage_met", "complexity"],
                name="metrics_fact_triaged",
            ),
            models.Index(fields=["accepted_at"], include=["complexity"], name="metrics_fact_accepted"),
            models.Index(
                fields=["ended_at"], include=["submitted_at", "complexity"],
                name="metrics_fact_ended",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"facts of request {self.request_id}"


class RequestDay(models.Model):
    """Request facts summed per local day and dimension: the dashboard's counts and shares
    read these (≈ one row per day × service × team × class) instead of a million facts.

    Kept exact by a database trigger on `RequestFact` (migration 0004): every insert,
    update or delete of a fact subtracts the old row's contributions and adds the new
    one's, in the same transaction, whoever writes (services, loaders, cascades). A fact
    counts on up to four days, one per `kind`: the local day (`RollupSetting.time_zone`) it
    was submitted, triaged, accepted and went live. `metrics.rollup.rollup_rebuild()`
    recomputes everything from the facts (after a bulk load or a time-zone change; the
    nightly task checks). Medians need the raw values, so TTC percentiles and the backlog
    (open at an instant) stay on `RequestFact`.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted"
        TRIAGED = "triaged"
        ACCEPTED = "accepted"
        LIVE = "live"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    day = models.DateField()
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    channel = models.CharField(max_length=20, blank=True)
    n = models.IntegerField(default=0, help_text="Facts of this kind on this day.")
    known = models.IntegerField(default=0, help_text="…with an SLA outcome (met not null).")
    met = models.IntegerField(default=0, help_text="…whose SLA was met (triage or delivery).")
    with_template = models.IntegerField(default=0)
    self_serve = models.IntegerField(default=0)
    # live: the TTC histogram, one count per bin of `selectors.TTC_BINS` (business days)
    ttc_b0 = models.IntegerField(default=0)
    ttc_b1 = models.IntegerField(default=0)
    ttc_b2 = models.IntegerField(default=0)
    ttc_b3 = models.IntegerField(default=0)
    ttc_b4 = models.IntegerField(default=0)
    ttc_b5 = models.IntegerField(default=0)
    ttc_b6 = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "day", "service", "team", "complexity", "channel"],
                name="metrics_requestday_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}: {self.n}"


class RollupSetting(models.Model):
    """The one row telling the rollup trigger which time zone days are local to."""

    time_zone = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.time_zone


class NpsSurvey(models.Model):
    """The quarterly stakeholder survey: one per quarter, sent to requesters of delivered work."""

    quarter = models.CharField(max_length=7, unique=True, help_text="YYYY-Qn")
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-quarter"]

    def __str__(self) -> str:
        return f"NPS survey {self.quarter}"


def _token() -> str:
    return secrets.token_urlsafe(24)


class NpsInvitation(models.Model):
    """One requester's invitation to answer a survey (answered from an in-app link)."""

    survey = models.ForeignKey(NpsSurvey, on_delete=models.CASCADE, related_name="invitations")
    token = models.CharField(max_length=64, unique=True, default=_token)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nps_invitations"
    )
    request = models.ForeignKey(
        "intake.Request", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group = models.CharField(max_length=20, choices=Team.Group.choices, default=Team.Group.OTHER)
    sent_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "requester"], name="metrics_nps_one_invitation_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey.quarter} → {self.requester_id}"


class NpsResponse(models.Model):
    """A 0–10 answer with an optional comment; carries the group, not the person's name."""

    invitation = models.OneToOneField(
        NpsInvitation, on_delete=models.CASCADE, related_name="response"
    )
    survey = models.ForeignKey(NpsSurvey, on_delete=models.CASCADE, related_name="responses")
    group = models.CharField(max_length=20, choices=Team.Group.choices, default=Team.Group.OTHER)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(blank=True, max_length=2000)
    responded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-responded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="metrics_nps_score_0_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey.quarter}: {self.score}"


# Business impact lives in its own subpackage; its models register with this app here.
from .impact.models import (  # noqa: E402 — after this module's own models, by design
    DatasetRole as DatasetRole,
)
from .impact.models import (  # noqa: E402
    ImpactReview as ImpactReview,
)
from .impact.models import (  # noqa: E402
    ImpactSnapshot as ImpactSnapshot,
)
from .impact.models import (  # noqa: E402
    TeamCost as TeamCost,
)
