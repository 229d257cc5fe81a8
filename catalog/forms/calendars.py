"""The business calendar and SLA policy editor forms."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from mops.core.timezones import TimeZoneField

from .. import holidayregions
from ..closeddays import ClosedDayError, ClosedSpan, parse_closed_days
from ..models import TARGET_CHOICES, WEEKDAYS, Calendar, SlaPolicy, _time_zones
from ..services import POLICY_FIELDS
from .templates import _slug_optional


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Left empty, made from the name."
    )
    time_zone = TimeZoneField()
    holiday_country = forms.ChoiceField(
        required=False,
        label="Public holidays of",
        error_messages={
            "invalid_choice": "'%(value)s' is not a country the holidays package knows; pick "
            "one from the list."
        },
    )
    holiday_subdivision = forms.ChoiceField(
        required=False,
        label="Region",
        help_text="Regional holidays (England's Easter Monday and late-summer bank holiday need "
        "United Kingdom + England).",
    )
    closed_days = forms.CharField(
        required=False,
        label="Company closed days",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: 2026-12-24 Christmas Eve · 2026-12-24 to 2027-01-01 Company"
        " shutdown · every 12-24 Christmas Eve (each year). A line that cannot be read is refused.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (z, z) for z in sorted(_time_zones())
        ]
        cast(forms.ChoiceField, self.fields["holiday_country"]).choices = [
            ("", "No public holidays"),
            *((code, f"{name} ({code})") for code, name in holidayregions.countries()),
        ]
        country = (self.data.get("holiday_country") if self.is_bound else None) or (
            self.initial.get("holiday_country") or ""
        )
        subdivisions = holidayregions.subdivisions(country)
        cast(forms.ChoiceField, self.fields["holiday_subdivision"]).choices = [
            ("", "Whole country" if subdivisions else "—"),
            *((code, f"{name} ({code})") for code, name in subdivisions),
        ]
        self.fields["holiday_subdivision"].error_messages["invalid_choice"] = (
            f"'%(value)s' is not a region of {country or 'the chosen country'}; pick one from "
            "the list."
        )
        preview = reverse("catalog:holiday_preview")
        for name in ("holiday_country", "holiday_subdivision"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": preview,
                    "hx-trigger": "change",
                    "hx-target": "#holiday-fields",
                    "hx-include": "[name=holiday_country],[name=holiday_subdivision]",
                }
            )
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"day_{day}"] = forms.CharField(
                required=False,
                label=name,
                help_text="Intervals like 09:00-12:00, 13:00-17:00; empty = closed; 24:00 ends the day."
                if day == 0
                else "",
            )

    def day_fields(self) -> list[Any]:
        return [self[f"day_{d}"] for d in range(7)]

    @staticmethod
    def initial_for(calendar: Calendar) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "slug": calendar.slug,
            "time_zone": calendar.time_zone,
            "holiday_country": (calendar.holiday_regions or [""])[0].partition("-")[0],
            "holiday_subdivision": (calendar.holiday_regions or [""])[0].partition("-")[2],
            "closed_days": "\n".join(c.span.text() for c in calendar.closed_days.all()),
        }
        for day, intervals in calendar.week.items():
            initial[f"day_{day}"] = ", ".join(
                f"{s:%H:%M}-{'24:00' if e is None else format(e, '%H:%M')}" for s, e in intervals
            )
        return initial

    def holiday_regions(self) -> list[str]:
        """The chosen region as the calendar stores it: ["GB-ENG"], ["US"] or []."""
        country = self.cleaned_data.get("holiday_country") or ""
        if not country:
            return []
        return [
            holidayregions.region_code(country, self.cleaned_data.get("holiday_subdivision") or "")
        ]

    def holiday_preview(self) -> list[tuple[date, str]]:
        """The next public holidays of the chosen region (what the form shows under it)."""
        country = self["holiday_country"].value() or ""
        subdivision = self["holiday_subdivision"].value() or ""
        if country not in dict(holidayregions.countries()):
            return []
        if subdivision not in dict(holidayregions.subdivisions(country)):
            subdivision = ""
        region = holidayregions.region_code(country, subdivision)
        return holidayregions.upcoming(region, today=timezone.localdate())

    def clean_closed_days(self) -> list[ClosedSpan]:
        try:
            return parse_closed_days(self.cleaned_data["closed_days"])
        except ClosedDayError as exc:
            raise ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        from ..services import parse_week_text

        data = super().clean() or {}
        if not data.get("slug") and data.get("name"):
            data["slug"] = slugify(data["name"])[:120]
        try:
            data["working_hours"] = parse_week_text({d: data.get(f"day_{d}", "") for d in range(7)})
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(None if field == "__all__" else field, messages)
        return data


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [f for f in POLICY_FIELDS if f != "target_kinds"]  # the service's list
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _slug_optional(self)
        # Each target: business hours (the hours field) or business days / end of day.
        kinds = (self.instance.target_kinds if self.instance else None) or {}
        order = []
        for name in self.Meta.fields:
            order.append(name)
            clock, _, complexity = name.partition("_hours_")
            if complexity:
                key = f"{clock}_{complexity}"
                self.fields[f"{key}_kind"] = forms.ChoiceField(
                    label=f"{clock.title()} target ({complexity})",
                    choices=TARGET_CHOICES,
                    required=False,
                    initial=kinds.get(key, ""),
                    help_text="Business days count in the calendar's own day length; "
                    "“end of this business day” is the close of the day the clock starts.",
                )
                order.append(f"{key}_kind")
        self.order_fields(order)

    def service_fields(self) -> dict[str, Any]:
        """What `sla_policy_create` / `sla_policy_update` take."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["target_kinds"] = {
            name.removesuffix("_kind"): value
            for name, value in self.cleaned_data.items()
            if name.endswith("_kind") and value
        }
        return fields

    def _post_clean(self) -> None:  # the service runs full_clean; keep form-level checks only
        pass
