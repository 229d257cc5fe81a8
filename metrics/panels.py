"""Home-page panel for leadership: this week's headline figures, linked to the dashboard."""

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from mops.accounts.roles import Role, has_role
from mops.core.registry import Panel

from . import periods
from .dashboard import Context, headline
from .filters import MetricFilters


def leadership_panel(user: Any) -> Iterable[Panel]:
    if not has_role(user, {Role.LEADERSHIP}):
        return []
    today = timezone.localdate()
    start = periods.period_previous(periods.period_floor(today, "week"), "week")
    ctx = Context(MetricFilters(period="week", start=start, end=today), {"period": "week"})
    rows = []
    for h in headline(ctx):
        point = h.result.current
        if point is None or point.value is None:
            text = f"{h.metric.title}: no data"
        else:
            text = f"{h.metric.title}: {point.value:g} {h.metric.unit} {h.arrow}".rstrip()
        rows.append((text, h.drill_url))
    return [
        Panel(
            title="This week in numbers",
            url=reverse("metrics:dashboard"),
            rows=rows,
            empty="No figures yet.",
        )
    ]
