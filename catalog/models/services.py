"""Services, their lifecycle and versions, and self-serve completions."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from mops.core.lifecycle import Lifecycle, Transition
from mops.core.models import TimeStampedModel

from .. import inputdef
from .calendars import Calendar
from .choices import ChangeType, Channel, Complexity
from .policies import SlaPolicy
from .templates import Template


class ServiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


SERVICE_LIFECYCLE = Lifecycle(
    states=ServiceStatus.values,
    transitions=[
        Transition(
            "publish",
            frozenset({ServiceStatus.DRAFT, ServiceStatus.RETIRED}),
            ServiceStatus.ACTIVE,
            frozenset({"admin", "pm"}),
            label="Publish",
        ),
        Transition(
            "retire",
            frozenset({ServiceStatus.DRAFT, ServiceStatus.ACTIVE}),
            ServiceStatus.RETIRED,
            frozenset({"admin", "pm"}),
            label="Retire",
        ),
    ],
)


RESERVED_SLUGS = frozenset({"services", "sla", "templates", "new", "starters"})


class SelfServeTool(models.TextChoices):
    """How a self-serve service lets a marketer finish without a ticket."""

    GUIDE = "guide", "Follow the instructions, then mark it done"
    UTM_BUILDER = "utm_builder", "UTM builder (registers the campaign)"
    FIELD_RFC = "field_rfc", "Field request form (drafts an RFC for MOPS)"


def validate_input_definition(value: Any) -> None:
    errors = inputdef.validate_definition(value)
    if errors:
        raise ValidationError([str(e) for e in errors])


class Service(TimeStampedModel):
    """Something MOPS provides. The versioned part (definition, complexity, SLA, templates)
    is snapshotted into `ServiceVersion` rows; requests point at the version they used."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channels = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices), default=list, blank=True
    )
    change_type = models.CharField(
        max_length=30, choices=ChangeType.choices, default=ChangeType.NEW_CAMPAIGN
    )
    default_complexity = models.CharField(
        max_length=10, choices=Complexity.choices, default=Complexity.STANDARD
    )
    self_serve = models.BooleanField(
        default=False, help_text="Requesters can do it themselves with the linked tool or guide."
    )
    self_serve_tool = models.CharField(
        max_length=20,
        choices=SelfServeTool.choices,
        default=SelfServeTool.GUIDE,
        help_text="What a self-serve user does instead of opening a request.",
    )
    instructions = models.TextField(
        blank=True,
        help_text="Step-by-step instructions shown on a self-serve service (plain text).",
    )
    status = models.CharField(
        max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.DRAFT, db_index=True
    )
    sla_policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="services")
    templates = models.ManyToManyField(Template, blank=True, related_name="services")
    input_definition = models.JSONField(
        default=list, blank=True, validators=[validate_input_definition]
    )
    current_version = models.ForeignKey(
        "ServiceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Bumped on every edit; If-Match / the form's hidden field."
    )
    history = HistoricalRecords(m2m_fields=[templates])

    lifecycle = SERVICE_LIFECYCLE

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": f"'{self.slug}' is reserved for catalog pages."})
        if (
            self.self_serve
            and self.self_serve_tool == SelfServeTool.GUIDE
            and not (self.instructions or "").strip()
        ):
            raise ValidationError(
                {
                    "instructions": "A self-serve service that is done by following a guide "
                    "needs its instructions: write the steps a marketer follows."
                }
            )
        bad = [c for c in self.channels if c not in Channel.values]
        if bad:
            raise ValidationError({"channels": f"Unknown channels: {', '.join(bad)}."})

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("catalog:service_detail", args=[self.slug])

    @property
    def calendar(self) -> Calendar:
        return self.sla_policy.calendar

    def channel_labels(self) -> list[str]:
        return [Channel(c).label for c in self.channels if c in Channel.values]

    def default_delivery(self) -> str:
        """'simple: 2 business days'."""
        c = self.default_complexity
        return f"{c}: {self.sla_policy.describe_target('delivery', c)}"


class ServiceVersion(models.Model):
    """An immutable snapshot of what a service asked and promised at one point in time."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    input_definition = models.JSONField(default=list, blank=True)
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    sla_policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="+")
    templates = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"id", "slug", "name", "version_id", "version"}] of the templates then.',
    )
    changelog = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "number"], name="catalog_service_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service.name} v{self.number}"

    @property
    def calendar(self) -> Calendar:
        return self.sla_policy.calendar

    def template_version_ids(self) -> list[int]:
        return [t["version_id"] for t in self.templates if t.get("version_id")]


class SelfServeCompletion(models.Model):
    """A self-serve task a marketer finished without opening a request: the event that
    self-serve share counts. Immutable once written; the dimensions the metrics group by
    (team, class, channel) are copied from the service and the person at that moment."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="completions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    complexity = models.CharField(max_length=10, choices=Complexity.choices)
    channel = models.CharField(max_length=20, blank=True, help_text="The service's first channel.")
    tool = models.CharField(max_length=20, choices=SelfServeTool.choices)
    outcome = models.CharField(max_length=300, help_text="What was done, in one line.")
    object_ref = models.CharField(
        max_length=60, blank=True, help_text="What the tool produced, e.g. 'campaign:12', 'rfc:5'."
    )
    completed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-completed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.service} done by {self.user} at {self.completed_at:%Y-%m-%d %H:%M}"
