"""Forms of the release pages. They parse; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import Calendar, ChangeType, Channel
from mops.accounts.models import Team, User
from mops.core.timezones import TimeZoneField

from .models import (
    MAX_SAMPLE,
    AutomatedCheck,
    Evidence,
    ExperimentResult,
    Freeze,
    ItemState,
    Phase,
)

CHANNEL_CHOICES = Channel.choices


class TrainForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Left empty, made from the name."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    channels = forms.MultipleChoiceField(
        choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    time_zone = TimeZoneField()
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
    time_zone = TimeZoneField()
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
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Left empty, made from the name."
    )
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


class ExperimentForm(forms.Form):
    """Register or edit an experiment. The edit page drops the fields the experiment's
    status no longer lets change (`services.experiment_editable_fields`)."""

    name = forms.CharField(max_length=200)
    hypothesis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="If we change X for audience Y, metric Z moves because…",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
        required=False,
        help_text="Default: you.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        help_text="Default: the owner's team.",
    )
    request = forms.IntegerField(
        required=False, min_value=1, max_value=2**62, label="Intake request (number)"
    )
    departure = forms.IntegerField(
        required=False, min_value=1, max_value=2**62, label="Departure (number)"
    )
    channel = forms.ChoiceField(choices=CHANNEL_CHOICES)
    primary_metric = forms.CharField(max_length=200, help_text="e.g. demo-form fill rate")
    baseline_rate = forms.DecimalField(
        max_digits=7,
        decimal_places=6,
        label="Baseline conversion rate",
        help_text="Between 0 and 1, e.g. 0.10 for 10%.",
    )
    minimum_detectable_effect = forms.DecimalField(
        max_digits=8,
        decimal_places=4,
        label="Minimum detectable effect (relative)",
        help_text="e.g. 0.10 to detect a +10% lift (10% → 11%).",
    )
    alpha = forms.DecimalField(
        max_digits=4,
        decimal_places=3,
        initial="0.05",
        required=False,
        label="α (two-sided)",
        help_text="Default 0.05.",
    )
    power = forms.DecimalField(
        max_digits=4,
        decimal_places=3,
        initial="0.8",
        required=False,
        help_text="Default 0.8.",
    )
    variants = forms.IntegerField(
        min_value=2,
        max_value=20,
        initial=2,
        required=False,
        help_text="Arms including the control (default 2).",
    )
    cost = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, help_text="Optional."
    )
    learnings = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def keep_only(self, names: tuple[str, ...]) -> None:
        for name in list(self.fields):
            if name != "version" and name not in names:
                del self.fields[name]


class ExperimentTransitionForm(forms.Form):
    name = forms.CharField(max_length=20)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    result = forms.ChoiceField(choices=[("", "—"), *ExperimentResult.choices], required=False)
    learnings = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    observed_sample_per_variant = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_SAMPLE, label="Observed sample per variant"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
