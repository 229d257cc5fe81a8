"""RFC change control: RFCs, their revisions, approvals, events, the approval policy per
risk level.

The RFC lifecycle is declared once here (`RFC_LIFECYCLE`); `governance.rfc.services` is the
only writer. Approvals are not lifecycle transitions: they are rows, and `in_review →
approved` happens when the policy's quorum is met (the `approve` transition is taken by
the service, never offered as a button).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import Channel
from mops.accounts.roles import ADMINS, MOPS_STAFF, Role
from mops.core.lifecycle import Lifecycle, Transition
from mops.core.models import TimeStampedModel

from . import risk as risk_module

# --- RFCs ---------------------------------------------------------------------------------


class RfcType(models.TextChoices):
    SCHEMA = "schema", "Schema (field) change"
    ROUTING = "routing", "Lead routing"
    SCORING = "scoring", "Lead scoring"
    IDENTITY = "identity", "Identity resolution"
    ATTRIBUTION = "attribution", "Attribution logic"
    TEMPLATE = "template", "Template / automation change"
    NEW_TOOL = "new_tool", "New tool (tech stack)"


class Risk(models.TextChoices):
    LOW = risk_module.LOW, "Low"
    MEDIUM = risk_module.MEDIUM, "Medium"
    HIGH = risk_module.HIGH, "High"


class RfcStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    IMPLEMENTED = "implemented", "Implemented"
    VERIFIED = "verified", "Verified"
    ROLLED_BACK = "rolled_back", "Rolled back"


S = RfcStatus
REVIEWERS: frozenset[str] = frozenset({Role.APPROVER, Role.ADMIN})
RFC_AUTHORS: frozenset[str] = MOPS_STAFF
SCHEDULERS: frozenset[str] = frozenset({Role.PM, Role.ADMIN})
IMPLEMENTERS: frozenset[str] = MOPS_STAFF
# Transitions no button offers: taken by services when their rule holds.
SYSTEM_TRANSITIONS = frozenset({"approve", "request_changes", "reject", "reopen_review"})

RFC_LIFECYCLE = Lifecycle(
    states=S.values,
    transitions=[
        Transition("submit", frozenset({S.DRAFT}), S.IN_REVIEW, RFC_AUTHORS, "Submit for review"),
        Transition(
            "resubmit",
            frozenset({S.CHANGES_REQUESTED}),
            S.IN_REVIEW,
            RFC_AUTHORS,
            "Resubmit for review",
        ),
        # Quorum met (services.rfc_approve).
        Transition("approve", frozenset({S.IN_REVIEW}), S.APPROVED, REVIEWERS),
        Transition(
            "request_changes",
            frozenset({S.IN_REVIEW, S.APPROVED}),
            S.CHANGES_REQUESTED,
            REVIEWERS,
            needs_note=True,
        ),
        Transition(
            "reject", frozenset({S.IN_REVIEW, S.APPROVED}), S.REJECTED, REVIEWERS, needs_note=True
        ),
        # An edit voided the approvals (services.rfc_update).
        Transition("reopen_review", frozenset({S.APPROVED}), S.IN_REVIEW, RFC_AUTHORS | ADMINS),
        Transition("schedule", frozenset({S.APPROVED}), S.SCHEDULED, SCHEDULERS, "Schedule"),
        Transition(
            "unschedule", frozenset({S.SCHEDULED}), S.APPROVED, SCHEDULERS, "Take off the schedule"
        ),
        Transition(
            "implement", frozenset({S.SCHEDULED}), S.IMPLEMENTED, IMPLEMENTERS, "Mark implemented"
        ),
        Transition("verify", frozenset({S.IMPLEMENTED}), S.VERIFIED, IMPLEMENTERS, "Verify"),
        Transition(
            "roll_back",
            frozenset({S.IMPLEMENTED}),
            S.ROLLED_BACK,
            IMPLEMENTERS,
            "Roll back",
            needs_note=True,
        ),
    ],
)
# States in which the content may still be edited (an edit in `approved` voids approvals).
EDITABLE_STATES = frozenset({S.DRAFT, S.IN_REVIEW, S.CHANGES_REQUESTED, S.APPROVED})
# Fields whose content an approval covers (hashed, snapshotted, diffed), in page order.
GOVERNED_FIELDS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("change_type", "Type"),
    ("summary", "Summary"),
    ("motivation", "Motivation"),
    ("proposal", "Proposal"),
    ("systems_affected", "Systems affected"),
    ("fields_affected", "Fields affected"),
    ("channels", "Channels"),
    ("risk", "Risk"),
    ("risk_answers", "Risk questionnaire"),
    ("test_plan", "Test plan"),
    ("rollback_plan", "Rollback plan"),
    ("services", "Catalog services"),
    ("templates", "Templates"),
    ("linked_objects", "Other linked objects"),
    ("desired_window_start", "Desired window start"),
    ("desired_window_end", "Desired window end"),
    ("emergency", "Emergency"),
    ("emergency_reason", "Emergency reason"),
)
LINKED_OBJECT_KINDS = frozenset({"data_contract", "dataset", "field", "other"})


def validate_linked_objects(value: Any) -> None:
    """A list of {"kind", "ref", "label"?}: the hook for objects without a model yet
    (data contracts arrive later); each entry names what kind of thing it points at."""
    if not isinstance(value, list):
        raise ValidationError("Give a list of {kind, ref, label} objects.")
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) - {"kind", "ref", "label"}:
            raise ValidationError(f"Item {i}: use only the keys kind, ref and label.")
        if item.get("kind") not in LINKED_OBJECT_KINDS:
            kinds = ", ".join(sorted(LINKED_OBJECT_KINDS))
            raise ValidationError(f"Item {i}: kind must be one of {kinds}.")
        ref = item.get("ref")
        if not isinstance(ref, str) or not ref.strip() or len(ref) > 200:
            raise ValidationError(f"Item {i}: ref is required (at most 200 characters).")
        label = item.get("label", "")
        if not isinstance(label, str) or len(label) > 200:
            raise ValidationError(f"Item {i}: label must be text (at most 200 characters).")


def validate_risk_answers(value: Any) -> None:
    try:
        risk_module.risk_answers_clean(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class Rfc(TimeStampedModel):
    """A request for change to a governed system (schema, routing, scoring...)."""

    title = models.CharField(max_length=200)
    change_type = models.CharField(max_length=20, choices=RfcType.choices)
    summary = models.TextField()
    motivation = models.TextField(blank=True)
    proposal = models.TextField()
    systems_affected = models.TextField(blank=True, help_text="Systems, one per line.")
    fields_affected = models.TextField(blank=True, help_text="Objects and fields, one per line.")
    channels = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices),
        default=list,
        blank=True,
        help_text="Channels it affects (decides which release trains can carry it).",
    )
    risk = models.CharField(max_length=10, choices=Risk.choices, default=Risk.LOW)
    risk_answers = models.JSONField(default=dict, blank=True, validators=[validate_risk_answers])
    test_plan = models.TextField()
    rollback_plan = models.TextField(help_text="Required: how to undo it, and who does.")
    services = models.ManyToManyField("catalog.Service", blank=True, related_name="rfcs")
    templates = models.ManyToManyField("catalog.Template", blank=True, related_name="rfcs")
    linked_objects = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_linked_objects],
        help_text="Other governed objects (e.g. data contracts): [{kind, ref, label}].",
    )
    desired_window_start = models.DateTimeField(null=True, blank=True)
    desired_window_end = models.DateTimeField(null=True, blank=True)
    emergency = models.BooleanField(
        default=False, help_text="Needed during a freeze; follows the same approvals."
    )
    emergency_reason = models.TextField(blank=True)

    status = models.CharField(
        max_length=20, choices=RfcStatus.choices, default=RfcStatus.DRAFT, db_index=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rfcs"
    )
    version = models.PositiveIntegerField(default=1, help_text="Content revision; If-Match.")
    content_hash = models.CharField(max_length=64, blank=True)
    scheduled_start = models.DateTimeField(null=True, blank=True)
    scheduled_end = models.DateTimeField(null=True, blank=True)
    scheduled_ref = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords(m2m_fields=[services, templates])

    lifecycle = RFC_LIFECYCLE

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "RFC"
        constraints = [
            models.CheckConstraint(
                condition=Q(desired_window_end__isnull=True)
                | Q(desired_window_start__isnull=True)
                | Q(desired_window_end__gt=models.F("desired_window_start")),
                name="governance_rfc_window_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"RFC-{self.pk}" if self.pk else "RFC-new"

    def get_absolute_url(self) -> str:
        return reverse("governance:rfc_detail", args=[self.pk])

    @property
    def risk_suggested(self) -> str:
        try:
            return risk_module.risk_suggest(risk_module.risk_answers_clean(self.risk_answers))
        except ValueError:
            return Risk.LOW

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not (self.rollback_plan or "").strip():
            errors["rollback_plan"] = "Every RFC needs a rollback plan."
        if self.emergency and not (self.emergency_reason or "").strip():
            errors["emergency_reason"] = "An emergency RFC needs a reason."
        if (
            self.desired_window_start
            and self.desired_window_end
            and self.desired_window_end <= self.desired_window_start
        ):
            errors["desired_window_end"] = "The window must end after it starts."
        if bool(self.desired_window_start) != bool(self.desired_window_end):
            errors["desired_window_end"] = "Give both the start and the end of the window."
        bad = [c for c in self.channels or [] if c not in Channel.values]
        if bad:
            errors["channels"] = f"Unknown channels: {', '.join(bad)}."
        if errors:
            raise ValidationError(errors)


class RfcRevision(models.Model):
    """The governed content of an RFC at one version: what approvals hash and diffs show."""

    rfc = models.ForeignKey(Rfc, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rfc", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rfc", "number"], name="governance_rfc_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.rfc.reference} v{self.number}"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    REJECTED = "rejected", "Rejected"


class Approval(models.Model):
    """One reviewer's decision on one exact content (hash) of an RFC.

    Voided (kept, with the reason) when the RFC's content changes afterwards; only live
    approvals count towards the quorum.
    """

    rfc = models.ForeignKey(Rfc, on_delete=models.CASCADE, related_name="approvals")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rfc_approvals"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices)
    content_hash = models.CharField(max_length=64)
    revision_number = models.PositiveIntegerField()
    groups = ArrayField(
        models.CharField(max_length=150),
        default=list,
        blank=True,
        help_text="The reviewer's groups when deciding (quorum evidence).",
    )
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rfc", "reviewer", "content_hash"],
                condition=Q(voided_at__isnull=True, decision="approved"),
                name="governance_approval_once_per_content",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer} on {self.rfc.reference}"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None


class RfcEvent(models.Model):
    """Every step of an RFC: created, edited, submitted, reviewed, voided, transitions."""

    rfc = models.ForeignKey(Rfc, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    revision_number = models.PositiveIntegerField(null=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rfc.reference} {self.name}"


class ApprovalPolicy(models.Model):
    """What a risk level needs before an RFC is approved (editable data).

    Every approver holds the Approver role. `eligible_group`: only approvers in this
    group or team count (e.g. "CAB"; blank = any approver). `must_include_group`: at least
    one counted approver is in it (e.g. "RevOps"). Both name a role group or a team that
    exists (`approver_group_choices`), so a policy can never wait on a group nobody is in
    by name. `requires_change_window`: it can only be scheduled inside a change window
    (a release-train departure) and never in a freeze unless the RFC is an emergency.
    """

    risk = models.CharField(max_length=10, choices=Risk.choices, unique=True)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    eligible_group = models.CharField(max_length=150, blank=True)
    must_include_group = models.CharField(max_length=150, blank=True)
    requires_change_window = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "approval policies"
        ordering = ["risk"]

    def __str__(self) -> str:
        return f"{self.get_risk_display()}: {self.describe()}"

    def describe(self) -> str:
        who = f"members of {self.eligible_group}" if self.eligible_group else "approvers"
        text = f"{self.required_approvals} approval{'s' if self.required_approvals != 1 else ''} from {who}"
        if self.must_include_group:
            text += f", at least one from {self.must_include_group}"
        if self.requires_change_window:
            text += "; only inside a change window, never in a freeze"
        return text

    def clean(self) -> None:
        if self.required_approvals < 1:
            raise ValidationError({"required_approvals": "At least one approval is required."})
        known = set(approver_group_choices())
        errors = {}
        for field in ("eligible_group", "must_include_group"):
            name = getattr(self, field)
            if name and name not in known:
                errors[field] = (
                    f"'{name}' is neither a role group nor a team; choose one of: "
                    f"{', '.join(sorted(known))}."
                )
        if errors:
            raise ValidationError(errors)


def approver_group_choices() -> list[str]:
    """The names a policy may require: every group (roles and any extra such as CAB) and
    every team, as people see them on the Users and Teams pages."""
    from django.contrib.auth.models import Group

    from mops.accounts.models import Team

    names = set(Group.objects.values_list("name", flat=True))
    names |= set(Team.objects.values_list("name", flat=True))
    return sorted(names)
