"""Requests and their lifecycle: statuses, the transitions between them, events, SLA fields.

The request lifecycle is declared once here (`REQUEST_LIFECYCLE`); the one path through it
is `intake.services.request_transition`. SLA fields on `Request` are *denormalised*: the
transition service recomputes them from the event timeline (`intake.slaclock`) and the
sweep task moves `sla_state` forward as time passes, so lists sort and filter by them
without computing business time per row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import Complexity
from mops.accounts.roles import Role
from mops.core.lifecycle import Lifecycle, Transition

if TYPE_CHECKING:
    from .priority import ScoringModelVersion


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    NEEDS_INFO = "needs_info", "Needs info"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    IN_PROGRESS = "in_progress", "In progress"
    IN_QA = "in_qa", "In QA"
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"
    ROLLED_BACK = "rolled_back", "Rolled back"


class SlaState(models.TextChoices):
    NONE = "", "—"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"
    MISSED = "missed", "Missed"


class SlaClock(models.TextChoices):
    NONE = "", "—"
    TRIAGE = "triage", "Triage"
    DELIVERY = "delivery", "Delivery"


R, PM, ENG, ADM = Role.REQUESTER.value, Role.PM.value, Role.ENGINEER.value, Role.ADMIN.value
TRIAGERS = frozenset({PM, ADM})
BUILDERS = frozenset({ENG, PM, ADM})
REQUESTERS = frozenset({R, PM, ADM})
BEFORE_LIVE = frozenset(
    {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.NEEDS_INFO,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.IN_QA,
        Status.SCHEDULED,
    }
)


def _t(
    name: str, sources: set[str], target: str, roles: frozenset[str], label: str, **kw: Any
) -> Transition:
    return Transition(name, frozenset(sources), target, roles, label=label, **kw)


REQUEST_LIFECYCLE = Lifecycle(
    states=Status.values,
    transitions=[
        _t("submit", {Status.DRAFT}, Status.SUBMITTED, REQUESTERS, "Submit"),
        _t("accept", {Status.SUBMITTED}, Status.ACCEPTED, TRIAGERS, "Accept"),
        _t(
            "needs_info",
            {Status.SUBMITTED},
            Status.NEEDS_INFO,
            TRIAGERS,
            "Ask for info",
            needs_note=True,
        ),
        _t(
            "reject",
            {Status.SUBMITTED},
            Status.REJECTED,
            TRIAGERS,
            "Reject",
            needs_note=True,
            confirm="This rejects {ref} for good: it leaves the backlog and the requester is "
            "notified with your note.",
        ),
        _t("answer", {Status.NEEDS_INFO}, Status.SUBMITTED, REQUESTERS, "Answer and resubmit"),
        _t("start", {Status.ACCEPTED}, Status.IN_PROGRESS, BUILDERS, "Start work"),
        _t("send_to_qa", {Status.IN_PROGRESS}, Status.IN_QA, BUILDERS, "Send to QA"),
        _t(
            "back_to_build",
            {Status.IN_QA},
            Status.IN_PROGRESS,
            BUILDERS,
            "Back to build",
            needs_note=True,
        ),
        # Release steps are system transitions: only releases' departure services take
        # them (intake.services.request_release_step, backed by a departure gate).
        _t(
            "schedule",
            {Status.IN_QA},
            Status.SCHEDULED,
            BUILDERS,
            "Schedule",
            driven_by="board it on a departure (Board on a train)",
        ),
        _t(
            "unschedule",
            {Status.SCHEDULED},
            Status.IN_QA,
            BUILDERS,
            "Unschedule",
            driven_by="take it off its departure on the departure page",
        ),
        _t(
            "go_live",
            {Status.SCHEDULED},
            Status.LIVE,
            BUILDERS,
            "Mark live",
            driven_by="mark it live on its departure once the departure has left",
        ),
        # The one way to live without a departure: an admin, with a reason, recorded as its
        # own event (counted by metrics and shown in the history and audit).
        _t(
            "override_live",
            {Status.IN_QA, Status.SCHEDULED},
            Status.LIVE,
            frozenset({ADM}),
            "Mark live without a train (admin override)",
            needs_note=True,
            confirm="This marks {ref} live without a departure: it skips the release train "
            "and is recorded as an admin override with your reason.",
        ),
        _t("close", {Status.LIVE}, Status.CLOSED, BUILDERS, "Close"),
        _t(
            "roll_back",
            {Status.LIVE},
            Status.ROLLED_BACK,
            BUILDERS,
            "Roll back",
            needs_note=True,
            confirm="This marks {ref} rolled back: the change is recorded as undone and the "
            "requester and watchers are notified.",
        ),
        _t(
            "cancel",
            set(BEFORE_LIVE),
            Status.CANCELLED,
            REQUESTERS,
            "Cancel",
            needs_note=True,
            note_optional_from=frozenset({Status.DRAFT}),
            confirm="This cancels {ref}: work on it stops for good and the requester and "
            "watchers are notified.",
        ),
    ],
)

# Transitions only MOPS triage may take, and never on a request they made themselves.
TRIAGE_DECISIONS = frozenset({"accept", "reject", "needs_info"})
# Transitions a requester takes on their team's request (staff may act for them).
REQUESTER_ACTIONS = frozenset({"submit", "answer", "cancel"})
# Going live without a departure: the admin override metrics count and the audit shows.
OVERRIDE_LIVE = "override_live"
OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.NEEDS_INFO,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.IN_QA,
        Status.SCHEDULED,
    }
)
# What the backlog lists (open requests and drafts being written): the predicate of its
# partial sort indexes.
BACKLOG_STATUSES = OPEN_STATUSES | {Status.DRAFT}
TERMINAL_STATUSES = frozenset(
    {Status.REJECTED, Status.CLOSED, Status.CANCELLED, Status.ROLLED_BACK}
)
EDITABLE_BY_REQUESTER = frozenset({Status.DRAFT, Status.NEEDS_INFO})
# Shipped or ended: a new scoring model no longer rescores these (their score is history).
FINISHED_STATUSES = TERMINAL_STATUSES | {Status.LIVE}

# What the requester is expected to do, by status (shown on "my team's requests").
REQUESTER_EXPECTATION: dict[str, str] = {
    Status.DRAFT: "Finish and submit the form.",
    Status.NEEDS_INFO: "Answer the question and resubmit.",
    Status.SUBMITTED: "Nothing: waiting for MOPS triage.",
    Status.ACCEPTED: "Nothing: accepted, waiting to be built.",
    Status.IN_PROGRESS: "Nothing: being built.",
    Status.IN_QA: "Be available for questions during QA.",
    Status.SCHEDULED: "Check the launch date.",
    Status.LIVE: "Check the live campaign.",
}


# --- requests -----------------------------------------------------------------------------


class RequestQuerySet(models.QuerySet):
    _count_from: models.QuerySet | None = None

    def by_score(self, *ordering: Any) -> RequestQuerySet:
        """Ordered by the priority score: the filter on the Priority row (every request has
        one, see `Request.save`) makes its join an inner one, so PostgreSQL walks the
        `intake_priority_rank` index and stops after a page. The joined filter is always
        true, so this queryset's count() counts the unjoined one (no 100k-row hash join
        for the paginator). A further-chained clone counts normally."""
        ranked = self.filter(priority__isnull=False).order_by(*ordering)
        ranked._count_from = self
        return ranked

    def count(self) -> int:
        if self._count_from is not None and self._result_cache is None:
            return self._count_from.count()
        return super().count()


class Request(models.Model):
    """A request for a catalog service, made with a specific service version."""

    title = models.CharField(max_length=200)
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    service_version = models.ForeignKey(
        "catalog.ServiceVersion", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    template_version = models.ForeignKey(
        "catalog.TemplateVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        help_text="The approved template this request reuses, if any.",
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    answers = models.JSONField(default=dict, blank=True)
    # the standard brief
    brief = models.TextField(blank=True, help_text="What you want and why.")
    audience = models.TextField(blank=True, help_text="Who it is for (segment, list, region).")
    creative = models.TextField(blank=True, help_text="Copy, assets and where they live.")
    offer = models.TextField(blank=True, help_text="The offer or call to action.")
    tracking_plan = models.JSONField(
        default=dict, blank=True, help_text="The UTM set: utm_source, utm_medium, utm_campaign…"
    )
    desired_live_date = models.DateField(null=True, blank=True)
    # scoring: the inputs live here; the score they give is on `priority` (see Priority)
    scoring_inputs = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="ETag / If-Match.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="First submission.")
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="First acceptance.")
    live_at = models.DateTimeField(null=True, blank=True, help_text="First live.")
    closed_at = models.DateTimeField(null=True, blank=True)
    # denormalised SLA (recomputed by request_transition, advanced by the sweep)
    sla_clock = models.CharField(max_length=10, choices=SlaClock.choices, blank=True)
    sla_state = models.CharField(max_length=10, choices=SlaState.choices, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True, help_text="Due time of sla_clock.")
    sla_at_risk_at = models.DateTimeField(null=True, blank=True)
    triage_due_at = models.DateTimeField(null=True, blank=True)
    delivery_due_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = RequestQuerySet.as_manager()
    lifecycle = REQUEST_LIFECYCLE

    class Meta:
        ordering = ["-created_at"]
        # Backlog sorts walk a partial index over the backlog's statuses and stop after a page
        # (the score sort walks Priority's index); FK columns never filtered on carry none.
        indexes = [
            # The backlog (open requests and drafts); `status` and `requester` ride along
            # so the paginator's count is an index-only scan of this one.
            models.Index(
                F("sla_due_at").asc(nulls_last=True),
                F("id").asc(),
                name="intake_backlog_by_due",
                include=["status", "requester"],
                condition=Q(status__in=sorted(s.value for s in BACKLOG_STATUSES)),
            ),
            models.Index(
                F("submitted_at").asc(nulls_last=True),
                F("id").asc(),
                name="intake_backlog_by_age",
                condition=Q(status__in=sorted(s.value for s in BACKLOG_STATUSES)),
            ),
            # Requests gone live in a period, per service (the stack's golden-path share):
            # an index-only range read instead of a scan of every request.
            models.Index(
                fields=["live_at"],
                name="intake_req_live",
                include=["service"],
                condition=Q(live_at__isnull=False),
            ),
            models.Index(fields=["team", "status"], name="intake_req_team_status"),
            models.Index(fields=["assignee", "status"], name="intake_req_assignee_status"),
            models.Index(
                fields=["sla_state", "sla_due_at"],
                name="intake_req_sla_sweep",
                condition=Q(sla_clock__in=["triage", "delivery"], paused_since__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("intake:request_detail", args=[self.pk])

    @property
    def score(self) -> Decimal | None:
        return self.priority.score

    @property
    def scoring_model_version(self) -> ScoringModelVersion | None:
        return self.priority.model_version

    @staticmethod
    def reference_of(pk: int) -> str:
        """The reference people quote for request `pk` (REQ-42)."""
        return f"REQ-{pk}"

    @property
    def reference(self) -> str:
        return Request.reference_of(self.pk) if self.pk else "REQ-new"

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def expected_of_requester(self) -> str:
        return REQUESTER_EXPECTATION.get(self.status, "Nothing.")

    def age_days(self, now: Any = None) -> int:
        start = self.submitted_at or self.created_at
        return max(((now or timezone.now()) - start).days, 0)

    def score_display(self) -> str:
        return "—" if self.score is None else f"{Decimal(self.score):.0f}"


class RequestEvent(models.Model):
    """One lifecycle transition: who, when, from, to, why. Metrics are computed from these
    (time-to-campaign = first `live` − first `accepted`; SLA adherence from the stored
    due times and clock outcome)."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    transition = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    note = models.TextField(blank=True)
    business_seconds_paused = models.PositiveIntegerField(
        default=0, help_text="On the event that ends a needs_info wait: its business seconds."
    )
    sla_clock = models.CharField(max_length=10, blank=True, help_text="Clock running after.")
    sla_state = models.CharField(max_length=10, blank=True, help_text="Its state at `at`.")
    triage_due_at = models.DateTimeField(null=True, blank=True)
    delivery_due_at = models.DateTimeField(null=True, blank=True)
    business_seconds_used = models.PositiveIntegerField(
        default=0, help_text="Business seconds spent on the clock that ran up to this event."
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["request", "at"], name="intake_event_request_at"),
            models.Index(fields=["to_status", "at"], name="intake_event_to_at"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '∅'} → {self.to_status}"


class IdempotencyKey(models.Model):
    """A create request's Idempotency-Key: the same key again returns the same request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    body_hash = models.CharField(max_length=64)
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="intake_idempotency_unique")
        ]

    def __str__(self) -> str:
        return self.key
