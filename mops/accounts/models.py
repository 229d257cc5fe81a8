import hashlib
import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin
from simple_history.models import HistoricalRecords

from mops.core.audit import owner_or_admins

from .roles import Role, user_roles


class Team(models.Model):
    """A marketing team (demand gen, field, sales...): requesters see their team's work."""

    class Group(models.TextChoices):
        DEMAND_GEN = "demand_gen", "Demand gen"
        FIELD = "field", "Field marketing"
        SALES = "sales", "Sales"
        MOPS = "mops", "Marketing Ops"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    group = models.CharField(max_length=20, choices=Group.choices, default=Group.OTHER)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def validate_time_zone(value: str) -> None:
    """An IANA zone name (zoneinfo.available_timezones); blank means the MOPS zone."""
    if value and value not in time_zone_names():
        raise ValidationError(f"“{value}” is not a known time zone (e.g. Europe/Berlin).")


def time_zone_names() -> frozenset[str]:
    return _TIME_ZONES


_TIME_ZONES: frozenset[str] = frozenset(zoneinfo.available_timezones())


class User(AbstractSCIMUserMixin, AbstractUser):
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # Pages render times in this zone; blank follows the MOPS time zone (MOPS_TIME_ZONE).
    time_zone = models.CharField(
        max_length=64, blank=True, default="", validators=[validate_time_zone]
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # not in the stubs
        swappable = "AUTH_USER_MODEL"

    @property
    def roles(self) -> frozenset[str]:
        return user_roles(self)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def effective_time_zone(self) -> str:
        """The zone the user's pages render in."""
        return self.time_zone or settings.TIME_ZONE

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in Role.values if r in self.roles]

    @property
    def scim_groups(self) -> QuerySet["IdpGroup"]:
        return self.idp_groups.all()


class IdpGroup(AbstractSCIMGroupMixin, models.Model):  # Model named: django-scim2 is untyped
    """A group of the company's identity provider, pushed by SCIM (Okta, Entra ID...).

    It grants nothing by itself: `IdpGroupMapping` turns group names (from SCIM or from the
    `groups` claim of an SSO log-in) into mops roles and a team."""

    name = models.CharField(max_length=200, unique=True)
    members = models.ManyToManyField(User, blank=True, related_name="idp_groups")
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdpGroupMapping(models.Model):
    """ "People in IdP group X get role Y (and team Z)": read at every SSO log-in and SCIM
    change, so access follows the IdP. Managed in the admin; every change is audited."""

    group = models.CharField(
        max_length=200, help_text="The IdP group name or claim value, matched case-insensitively."
    )
    provider = models.CharField(
        max_length=100, blank=True, help_text="Only for this provider id; blank = any provider."
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["group", "provider"]
        constraints = [
            models.UniqueConstraint(Lower("group"), "provider", name="idp_mapping_once"),
            models.CheckConstraint(
                condition=~models.Q(role="") | models.Q(team__isnull=False),
                name="idp_mapping_grants_something",
                violation_error_message="A mapping must give a role, a team or both.",
            ),
        ]

    def __str__(self) -> str:
        grants = ", ".join(x for x in (self.get_role_display(), str(self.team or "")) if x)
        return f"{self.group} → {grants}"


TOKEN_PREFIX = "mops_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the key is shown once.

    The key carries 256 bits of randomness, so a fast hash is enough (no password KDF).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="First characters, to recognise a token.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at"])
    # The digest identifies the key: masked in the audit; each person sees their own tokens'.
    audit_secret_fields = frozenset({"digest"})

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def audit_visible_to(cls, user: Any) -> QuerySet["ApiToken"] | None:
        return owner_or_admins(cls, user)

    @staticmethod
    def generate_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(key: str) -> str:
        return _digest(key)
