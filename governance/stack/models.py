"""The marketing stack (#14): the tools of each layer with their golden-path status, the
integration flows between them, and their vendor contracts with renewal alerts.

Rules a reader could not guess live next to the data: a tool is *approved* only with an
owner, SSO and, when it holds personal data, the data contract that describes that data
(`Tool.clean`); a renewal alert is sent once per contract, notice deadline and threshold
(`RenewalAlert`'s unique constraint), whatever the worker restarts.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from mops.core.models import TimeStampedModel
from mops.core.versioned import VersionedModel


class Layer(models.TextChoices):
    """The guide's stack layers ("The Stack: What to Standardize"), in data-flow order."""

    CRM = "crm", "CRM"
    MAP = "map", "Marketing automation (MAP)"
    CDP = "cdp", "CDP / event collection"
    WAREHOUSE = "warehouse", "Data warehouse"
    TRANSFORMATION = "transformation", "Transformation"
    REVERSE_ETL = "reverse_etl", "Reverse ETL / activation"
    ATTRIBUTION = "attribution", "Attribution & experimentation"
    TAG_CONSENT = "tag_consent", "Tag & consent management"
    BI = "bi", "BI / self-serve"
    DELIVERABILITY = "deliverability", "Deliverability & QA"


class GoldenPath(models.TextChoices):
    APPROVED = "approved", "Approved"
    EVALUATING = "evaluating", "Under evaluation"
    TOLERATED = "tolerated", "Tolerated"
    RETIRING = "retiring", "Retiring"
    REJECTED = "rejected", "Rejected"


class Tool(TimeStampedModel, VersionedModel):
    """One tool of the stack and its place on the golden path."""

    name = models.CharField(max_length=120, unique=True)
    layer = models.CharField(max_length=20, choices=Layer.choices)
    vendor = models.CharField(max_length=120, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_tools",
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="tools"
    )
    status = models.CharField(
        max_length=10, choices=GoldenPath.choices, default=GoldenPath.TOLERATED
    )
    status_reason = models.CharField(
        max_length=500, blank=True, help_text="Why the tool has this golden-path status."
    )
    purpose = models.TextField(blank=True)
    holds_personal_data = models.BooleanField(default=False)
    data_contract = models.ForeignKey(
        "governance.DataContract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tools",
        help_text="The contract describing the personal data the tool holds.",
    )
    sso = models.BooleanField("SSO", default=False, help_text="Sign-in through the company IdP.")
    admin_url = models.URLField("Admin console", max_length=500, blank=True)
    docs_url = models.URLField("Documentation", max_length=500, blank=True)
    runbooks = models.ManyToManyField("governance.Runbook", blank=True, related_name="tools")
    monitors = models.ManyToManyField("governance.Monitor", blank=True, related_name="tools")
    evaluation_rfc = models.ForeignKey(
        "governance.Rfc",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluated_tools",
        help_text="The new-tool RFC of a tool that entered through an evaluation request.",
    )
    history = HistoricalRecords(m2m_fields=[runbooks, monitors])

    class Meta:
        ordering = ["layer", "name"]
        indexes = [models.Index(fields=["status", "layer"], name="stack_tool_status_layer")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("stack:tool_detail", args=[self.pk])

    def approval_gaps(self) -> dict[str, str]:
        """What keeps this tool from the golden path: field → what is missing."""
        gaps: dict[str, str] = {}
        if self.owner_id is None:
            gaps["owner"] = "An approved tool needs an owner."
        if not self.sso:
            gaps["sso"] = "An approved tool needs SSO (sign-in through the company IdP)."
        if self.holds_personal_data and self.data_contract_id is None:
            gaps["data_contract"] = (
                "An approved tool holding personal data needs the data contract describing it."
            )
        return gaps

    def clean(self) -> None:
        if self.status == GoldenPath.APPROVED:
            gaps = self.approval_gaps()
            if gaps:
                raise ValidationError(gaps)
        if self.status in (GoldenPath.RETIRING, GoldenPath.REJECTED) and not self.status_reason:
            raise ValidationError(
                {"status_reason": f"Say why the tool is {self.get_status_display().lower()}."}
            )


class Pattern(models.TextChoices):
    """The approved integration patterns; anything else is custom code (tolerated)."""

    NATIVE = "native", "Native connector"
    REVERSE_ETL = "reverse_etl", "Reverse ETL"
    WEBHOOK = "webhook", "Webhook"
    IPAAS = "ipaas", "iPaaS"
    CUSTOM = "custom", "Custom code"


APPROVED_PATTERNS: frozenset[str] = frozenset(
    {Pattern.NATIVE, Pattern.REVERSE_ETL, Pattern.WEBHOOK, Pattern.IPAAS}
)


class Direction(models.TextChoices):
    ONE_WAY = "one_way", "One way (source → target)"
    TWO_WAY = "two_way", "Two way (bidirectional sync)"


class Flow(TimeStampedModel, VersionedModel):
    """A data flow between two tools, watched by a heartbeat monitor."""

    source = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="flows_out")
    target = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="flows_in")
    objects_synced = models.CharField(
        max_length=300, help_text="What moves, e.g. leads, contacts, audiences."
    )
    direction = models.CharField(max_length=10, choices=Direction.choices, default="one_way")
    schedule = models.CharField(max_length=100, blank=True, help_text="e.g. every 15 minutes")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_flows",
    )
    pattern = models.CharField(max_length=12, choices=Pattern.choices)
    monitor = models.ForeignKey(
        "governance.Monitor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flows",
    )
    data_contract = models.ForeignKey(
        "governance.DataContract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="flows",
    )
    services = models.ManyToManyField(
        "catalog.Service",
        blank=True,
        related_name="stack_flows",
        help_text="The catalog services whose requests run through this flow.",
    )
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["source__name", "target__name", "id"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}: {self.objects_synced}"

    def get_absolute_url(self) -> str:
        return reverse("stack:flow_detail", args=[self.pk])

    @property
    def on_golden_path(self) -> bool:
        """Approved tools at both ends and an approved pattern (as `flow_golden_q`)."""
        return (
            self.source.status == GoldenPath.APPROVED
            and self.target.status == GoldenPath.APPROVED
            and self.pattern in APPROVED_PATTERNS
        )

    def clean(self) -> None:
        if self.source_id and self.source_id == self.target_id:
            raise ValidationError({"target": "A flow joins two different tools."})


class Contract(TimeStampedModel, VersionedModel):
    """A vendor contract for a tool: term, cost, seats and the notice the vendor needs."""

    tool = models.ForeignKey(Tool, on_delete=models.PROTECT, related_name="contracts")
    vendor = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    annual_cost = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code.")
    seats_bought = models.PositiveIntegerField(default=0)
    notice_days = models.PositiveIntegerField(
        default=30, help_text="Days before the end of term the vendor must be told."
    )
    auto_renew = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contracts",
        help_text="Who is alerted before the notice deadline (default: the tool's owner).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["ends_on", "id"]

    def __str__(self) -> str:
        return f"{self.vendor} — {self.tool} (ends {self.ends_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("stack:contract_detail", args=[self.pk])

    @property
    def notice_deadline(self) -> date:
        """The last day to tell the vendor (cancel or renegotiate before auto-renewal)."""
        return self.ends_on - timedelta(days=self.notice_days)

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError({"ends_on": "The term ends after it starts."})
        if self.currency and not (len(self.currency) == 3 and self.currency.isalpha()):
            raise ValidationError({"currency": "A three-letter ISO 4217 code, e.g. USD."})
        self.currency = (self.currency or "").upper()


class RenewalAlert(models.Model):
    """The sent-marker of one renewal alert: the unique constraint is what makes each
    threshold alert go out once, across worker restarts and concurrent beats."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="alerts")
    notice_deadline = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    outbox_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "notice_deadline", "days_before"],
                name="stack_renewal_alert_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.days_before} days before {self.notice_deadline}"


class Decision(models.TextChoices):
    RENEW = "renew", "Renew"
    RENEGOTIATE = "renegotiate", "Renegotiate"
    CANCEL = "cancel", "Cancel"


class RenewalDecision(models.Model):
    """What was decided about a contract's renewal, by whom and why."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.contract}"


class Seat(models.Model):
    """One licence seat as the tool's own seat export says: who holds it, at which
    permission level, and when they last used the tool. A new export replaces the tool's
    seats (it is a snapshot)."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="seats")
    email = models.EmailField(max_length=254)
    permission_level = models.CharField(max_length=60, blank=True)
    last_active_on = models.DateField(null=True, blank=True)
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["tool", "email"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "email"], name="stack_seat_once_per_tool")
        ]
        indexes = [models.Index(fields=["tool", "last_active_on"], name="stack_seat_activity")]

    def __str__(self) -> str:
        return f"{self.email} on {self.tool_id}"


class SeatImport(models.Model):
    """The audit row of one seat export (bulk writes leave no simple-history rows)."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="seat_imports")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField()
    seats = models.PositiveIntegerField()
    source = models.CharField(max_length=10, default="page")  # page | api

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.seats} seats of {self.tool_id} at {self.imported_at:%Y-%m-%d %H:%M}"


class AccessReview(TimeStampedModel):
    """A periodic least-privilege review of one tool: the holders of its seats at the
    start, each attested keep / reduce / remove by the tool's owner before `due_on`."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="access_reviews")
    due_on = models.DateField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["completed_at", "due_on", "id"]

    def __str__(self) -> str:
        return f"Access review of {self.tool} (due {self.due_on:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("stack:review_detail", args=[self.pk])


class Attestation(models.TextChoices):
    KEEP = "keep", "Keep"
    REDUCE = "reduce", "Reduce"
    REMOVE = "remove", "Remove"


class AccessReviewItem(models.Model):
    """One holder in a review and the owner's attestation about them."""

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    email = models.EmailField(max_length=254)
    permission_level = models.CharField(max_length=60, blank=True)
    last_active_on = models.DateField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Attestation.choices, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["review", "email"]
        constraints = [
            models.UniqueConstraint(fields=["review", "email"], name="stack_review_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.permission_level or 'no level'})"


# --- instrumentation inventory ----------------------------------------------------------------


class InstrumentKind(models.TextChoices):
    EVENT = "event", "Event"
    PIXEL = "pixel", "Pixel / tag"


class Platform(models.TextChoices):
    """Where the instrument runs: in a web page, in an app, or on a server (server-side
    tagging, conversion APIs, offline capture)."""

    WEB = "web", "Web"
    APP = "app", "App"
    SERVER = "server", "Server-side"


class Consent(models.TextChoices):
    """The consent category the consent platform gates the instrument on; blank: none
    recorded (a pixel without one is a coverage gap)."""

    NECESSARY = "necessary", "Strictly necessary"
    ANALYTICS = "analytics", "Analytics"
    MARKETING = "marketing", "Marketing / advertising"
    PERSONALISATION = "personalisation", "Personalisation"


class Instrument(TimeStampedModel, VersionedModel):
    """One entry of the instrumentation inventory: an event or a pixel on a property (a
    site, an app, a server endpoint), the consent category that gates it, the tag-manager
    container that fires it and the tools it sends data to."""

    kind = models.CharField(max_length=8, choices=InstrumentKind.choices)
    name = models.CharField(
        max_length=120, help_text="The event name (as tracking plans spell it) or the pixel."
    )
    property = models.CharField(
        max_length=120, help_text="The site, app or endpoint, e.g. www.example.com."
    )
    platform = models.CharField(max_length=8, choices=Platform.choices, default=Platform.WEB)
    consent_category = models.CharField(max_length=16, choices=Consent.choices, blank=True)
    container = models.CharField(
        "Tag-manager container", max_length=60, blank=True, help_text="e.g. GTM-ABC1234."
    )
    destinations = models.ManyToManyField(
        Tool, blank=True, related_name="instruments", help_text="The tools it sends data to."
    )
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_instruments",
    )
    history = HistoricalRecords(m2m_fields=[destinations])

    class Meta:
        ordering = ["property", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("name"),
                models.functions.Lower("property"),
                "kind",
                name="stack_instrument_once_per_property",
                violation_error_message="This property already has an entry of that kind and name.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().lower()}, {self.property})"

    def get_absolute_url(self) -> str:
        return reverse("stack:instrument_detail", args=[self.pk])

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        self.property = (self.property or "").strip()
        self.container = (self.container or "").strip()
