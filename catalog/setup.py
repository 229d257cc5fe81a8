"""The catalog's steps of the set-up guide: a business calendar, then a first service."""

from collections.abc import Iterable

from django.urls import reverse

from mops.core.registry import SetupStep

from .models import Calendar, Service


def setup_steps() -> Iterable[SetupStep]:
    calendar = Calendar.objects.order_by("pk").first()
    yield SetupStep(
        title="Business calendar"
        + (f": {calendar.name} ({calendar.time_zone})" if calendar else ""),
        done=calendar is not None,
        url=reverse("catalog:calendar_create") if calendar is None else reverse("catalog:sla_list"),
        detail="Working hours per weekday, public holidays of your country and region, and "
        "company closed days (e.g. a shutdown range): SLA clocks and cutoffs follow it.",
        order=20,
    )
    count = Service.objects.count()
    yield SetupStep(
        title="First service" + (f" ({count} in the catalog)" if count else ""),
        done=count > 0,
        url=reverse("catalog:starters"),
        detail="Install a starter (Launch a campaign, Add a field, Create a segment, Build a "
        "nurture, Create a UTM set) and adjust it, or copy one you have.",
        order=40,
    )
