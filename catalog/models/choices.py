"""Choices other apps reuse: `Channel` (release trains, QA checklists), `ChangeType`, `Complexity`."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    LANDING_PAGE = "landing_page", "Landing page"
    PAID_SOCIAL = "paid_social", "Paid social"
    PAID_SEARCH = "paid_search", "Paid search"
    WEBINAR = "webinar", "Webinar"
    SMS = "sms", "SMS"
    WEB = "web", "Web"
    CRM = "crm", "CRM"
    DATA = "data", "Data"


class ChangeType(models.TextChoices):
    NEW_CAMPAIGN = "new_campaign", "New campaign"
    TEMPLATE_CHANGE = "template_change", "Template change"
    SCHEMA_CHANGE = "schema_change", "Schema change"
    ROUTING_SCORING_CHANGE = "routing_scoring_change", "Routing / scoring change"


class Complexity(models.TextChoices):
    SIMPLE = "simple", "Simple"
    STANDARD = "standard", "Standard"
    COMPLEX = "complex", "Complex"
