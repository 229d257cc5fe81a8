"""The one set of metric filters, shared by the dashboard, the drill-down, CSV and the API.

Every filter lives in the URL (`?period=month&from=2025-01-01&class=complex`) so a view
can be shared. Bad input is a field error (400 on the API), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from catalog.models import Channel, Complexity, Service
from mops.accounts.models import Team

from . import periods

MAX_BUCKETS = 160
GROUP_BY = (
    ("class", "Class"),
    ("service", "Service"),
    ("team", "Team"),
    ("channel", "Channel"),
    ("group", "Requester group (NPS)"),
)


@dataclass(frozen=True)
class MetricFilters:
    period: str = "week"
    start: date | None = None
    end: date | None = None
    complexity: str = ""
    service_id: int | None = None
    team_id: int | None = None
    channel: str = ""
    group_by: str = ""
    group: str = ""
    bucket: date | None = None  # drill-down: one period only

    def with_(self, **changes: object) -> MetricFilters:
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def first(self) -> date:
        assert self.start is not None
        return periods.period_floor(self.start, self.period)

    @property
    def buckets(self) -> list[date]:
        assert self.start is not None and self.end is not None
        return periods.period_starts(self.start, self.end, self.period)

    def as_query(self, service_slug: str = "", team_slug: str = "") -> dict[str, str]:
        """The URL parameters that reproduce these filters (for links and exports)."""
        query = {"period": self.period}
        if self.start:
            query["from"] = self.start.isoformat()
        if self.end:
            query["to"] = self.end.isoformat()
        for key, value in (
            ("class", self.complexity),
            ("service", service_slug),
            ("team", team_slug),
            ("channel", self.channel),
            ("group", self.group),
        ):
            if value:
                query[key] = value
        return query


class MetricFilterForm(forms.Form):
    """period, from, to, class, service, team, channel, group_by, group (+ bucket for drills)."""

    period = forms.ChoiceField(
        choices=[(p, p.capitalize()) for p in periods.PERIODS], required=False
    )
    to = forms.DateField(required=False, help_text="Last day (YYYY-MM-DD); default today.")
    complexity = forms.ChoiceField(
        label="Class", choices=[("", "Any")] + list(Complexity.choices), required=False
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Any",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="Any",
    )
    channel = forms.ChoiceField(choices=[("", "Any")] + list(Channel.choices), required=False)
    group_by = forms.ChoiceField(choices=[("", "None")] + list(GROUP_BY), required=False)
    group = forms.ChoiceField(
        label="Requester group",
        choices=[("", "Any")] + list(Team.Group.choices),
        required=False,
    )
    bucket = forms.DateField(required=False, help_text="Drill-down: the period starting here.")

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        if data is not None:
            data = data.copy()
            if "class" in data and "complexity" not in data:
                data["complexity"] = data.get("class", "")
        super().__init__(data, *args, **kwargs)
        fields = list(self.fields.items())
        fields.insert(1, ("from", forms.DateField(required=False, help_text="First day.")))
        self.fields = dict(fields)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        period = data.get("period") or "week"
        today = timezone.localdate()
        end = data.get("to") or today
        start = data.get("from")
        if start is None:
            start, _ = periods.default_range(end, period)
        if start > end:
            self.add_error("from", "The first day must not be after the last day.")
            return data
        if len(periods.period_starts(start, end, period)) > MAX_BUCKETS:
            self.add_error(
                "from",
                f"At most {MAX_BUCKETS} {period}s at once: shorten the range or widen the period.",
            )
            return data
        data.update(period=period, start=start, end=end)
        return data

    def filters(self) -> MetricFilters:
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        service = data.get("service")
        team = data.get("team")
        return MetricFilters(
            period=data["period"],
            start=data["start"],
            end=data["end"],
            complexity=data.get("complexity") or "",
            service_id=service.pk if service else None,
            team_id=team.pk if team else None,
            channel=data.get("channel") or "",
            group_by=data.get("group_by") or "",
            group=data.get("group") or "",
            bucket=data.get("bucket"),
        )

    def query(self) -> dict[str, str]:
        data = self.cleaned_data
        filters = self.filters()
        query = filters.as_query(
            service_slug=data["service"].slug if data.get("service") else "",
            team_slug=data["team"].slug if data.get("team") else "",
        )
        if filters.group_by:
            query["group_by"] = filters.group_by
        return query


def filter_errors(form: forms.Form) -> dict[str, list[str]]:
    """Form errors keyed by the URL parameter name (`class`, not `complexity`)."""
    errors = {}
    for field, messages in form.errors.items():
        name = "class" if field == "complexity" else field
        errors[None if name == "__all__" else name] = [str(m) for m in messages]
    return errors  # type: ignore[return-value]  # None: the form's own errors, for DRF
