"""Forms of the release pages. They parse; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import Calendar, ChangeType, Channel

from .models import AutomatedCheck, Evidence, Freeze, ItemState, Phase

CHANNEL_CHOICES = Channel.choices


class TrainForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    channels = forms.MultipleChoiceField(
        choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    time_zone = forms.CharField(max_length=64, initial="America/New_York")
    rrule = forms.CharField(
        max_length=300,
        label="Recurrence (RRULE)",
        initial="FREQ=WEEKLY;BYDAY=TU,TH",
        help_text="RFC 5545, e.g. <code>FREQ=WEEKLY;BYDAY=TU,TH</code>",
    )
    first_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(min_value=5, max_value=24 * 60, initial=120)
    capacity = forms.IntegerField(min_value=1, max_value=500, initial=5)
    cutoff_hours = forms.DecimalField(
        min_value=0, max_value=2000, decimal_places=2, initial=24, label="Cutoff (business hours)"
    )
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.order_by("name"), required=False, label="Business calendar"
    )
    horizon_days = forms.IntegerField(min_value=7, max_value=366, initial=90)
    active = forms.BooleanField(required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DepartureEditForm(forms.Form):
    starts_at = forms.DateTimeField(
        required=False,
        label="Move to (local time of the train)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    capacity = forms.IntegerField(min_value=0, max_value=500, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class BoardForm(forms.Form):
    departure = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Freeze override reason (admins only)",
    )


class FreezeForm(forms.Form):
    name = forms.CharField(max_length=120)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    kind = forms.ChoiceField(choices=Freeze.Kind.choices)
    channels = forms.MultipleChoiceField(
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: the freeze applies to every channel.",
    )
    time_zone = forms.CharField(max_length=64, initial="America/New_York")
    starts_on = forms.DateField(
        required=False,
        label="From (one-off)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ends_on = forms.DateField(
        required=False,
        label="Until, inclusive (one-off)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rrule = forms.CharField(
        required=False,
        max_length=300,
        label="Recurrence (recurring)",
        initial="FREQ=WEEKLY;BYDAY=FR",
    )
    first_date = forms.DateField(
        required=False, label="Starting (recurring)", widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        required=False,
        label="From time (recurring)",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    duration_minutes = forms.IntegerField(
        required=False, min_value=1, max_value=7 * 24 * 60, label="Duration in minutes (recurring)"
    )
    active = forms.BooleanField(required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ItemResultForm(forms.Form):
    state = forms.ChoiceField(choices=ItemState.choices)
    evidence_link = forms.URLField(required=False, max_length=1000, assume_scheme="https")
    evidence_file = forms.FileField(required=False)
    evidence_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class PreflightForm(forms.Form):
    check = forms.ChoiceField(choices=AutomatedCheck.choices)
    html = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), label="E-mail / page HTML"
    )
    urls = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="URLs (one a line)",
        help_text="Leave empty to check the links found in the HTML.",
    )
    item_result = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def url_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("urls", "").splitlines() if line]


ITEM_FORMAT_HELP = (
    "One item a line: <code>text | required|optional | none|link|file|note | "
    "email_html|tracking|links</code>; only the text is needed."
)


def parse_item_lines(text: str) -> list[dict[str, Any]]:
    """'Unsubscribe works | required | link' lines → item dicts; ValidationError per line."""
    items: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        item: dict[str, Any] = {"text": parts[0], "required": True, "evidence": Evidence.NONE}
        for part in parts[1:]:
            low = part.lower()
            if low in ("required", "optional"):
                item["required"] = low == "required"
            elif low in Evidence.values:
                item["evidence"] = low
            elif low in AutomatedCheck.values:
                item["automated_check"] = low
            elif low:
                problems.append(
                    f"line {number}: '{part}' is not required/optional, evidence or check."
                )
        items.append(item)
    if problems:
        raise ValidationError(problems)
    return items


def item_lines(items: list[Any]) -> str:
    lines = []
    for item in items:
        parts = [item.text, "required" if item.required else "optional", item.evidence]
        if item.automated_check:
            parts.append(item.automated_check)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


class ChecklistTemplateForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=120)
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    change_type = forms.ChoiceField(
        choices=[("", "Any change type"), *ChangeType.choices], required=False
    )
    phase = forms.ChoiceField(choices=Phase.choices)
    items = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), help_text=ITEM_FORMAT_HELP)

    def clean_items(self) -> list[dict[str, Any]]:
        return parse_item_lines(self.cleaned_data["items"])


class ChecklistPublishForm(forms.Form):
    items = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), help_text=ITEM_FORMAT_HELP)
    changelog = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def clean_items(self) -> list[dict[str, Any]]:
        return parse_item_lines(self.cleaned_data["items"])
