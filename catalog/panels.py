"""Home-page panels from the catalog."""

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from mops.core.registry import Panel

from .models import Service, ServiceStatus
from .services import can_edit_catalog


def draft_services_panel(user: Any) -> Iterable[Panel]:
    """Catalog editors: services still in draft."""
    if not can_edit_catalog(user):
        return []
    drafts = list(Service.objects.filter(status=ServiceStatus.DRAFT).order_by("-updated_at")[:5])
    count = Service.objects.filter(status=ServiceStatus.DRAFT).count()
    return [
        Panel(
            title="Draft services",
            url=reverse("catalog:service_list") + "?status=draft",
            count=count,
            rows=[(s.name, s.get_absolute_url()) for s in drafts],
            empty="No drafts: every service is published or retired.",
        )
    ]
