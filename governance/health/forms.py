"""Data-health forms: they only parse; services validate the rules and save."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from .models import (
    NIGHTLY_SCHEDULE,
    Runbook,
    Warehouse,
)


class ContractYamlForm(forms.Form):
    yaml = forms.CharField(
        label="Contract (YAML)",
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        help_text="Open Data Contract Standard v3. Errors name the line.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class WarehouseForm(forms.Form):
    name = forms.CharField(max_length=100)
    dsn = forms.CharField(
        label="Connection string",
        required=False,
        max_length=2000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="postgresql://reader:…@host/db of a login role with SELECT on the warehouse"
        " schema only — never the app's own database or role (docs/data-health.md shows how to"
        " create one). Stored encrypted and never shown again; leave blank to keep the stored one.",
    )
    statement_timeout_ms = forms.IntegerField(
        label="Statement timeout (ms)", min_value=100, max_value=600_000, initial=30_000
    )


class DatasetForm(forms.Form):
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.order_by("name"))
    schema = forms.CharField(max_length=63)
    table = forms.CharField(max_length=63, help_text="A table or view.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    schedule = forms.CharField(
        max_length=100,
        initial=NIGHTLY_SCHEDULE,
        help_text="Cron: minute hour day month weekday. The default is a full run every night "
        "at 02:00; the dataset page shows the schedule in words.",
    )
    enabled = forms.BooleanField(required=False, initial=True, label="Scheduled runs enabled")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = (
            get_user_model().objects.filter(is_active=True).order_by("username")
        )


class MonitorForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    period_minutes = forms.IntegerField(
        label="Expected period (minutes)", min_value=1, max_value=60 * 24 * 31
    )
    grace_minutes = forms.IntegerField(label="Grace (minutes)", min_value=0, max_value=60 * 24 * 7)
    runbook = forms.ModelChoiceField(queryset=Runbook.objects.order_by("title"), required=False)
    paused = forms.BooleanField(required=False)

    def durations(self) -> tuple[timedelta, timedelta]:
        data = self.cleaned_data
        return timedelta(minutes=data["period_minutes"]), timedelta(minutes=data["grace_minutes"])


class RunbookForm(forms.Form):
    slug = forms.SlugField(max_length=100)
    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=300, required=False)
    failure_modes = forms.CharField(
        required=False,
        help_text="Comma-separated: check kinds (missing, duplicates, reference…), monitor,"
        " run_error, anomaly.",
    )
    body = forms.CharField(label="Body (markdown)", widget=forms.Textarea(attrs={"rows": 20}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def modes(self) -> list[str]:
        return [m.strip() for m in self.cleaned_data["failure_modes"].split(",") if m.strip()]


class DbtImportForm(forms.Form):
    """A dbt project's manifest.json, imported into one warehouse's datasets and contracts."""

    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.order_by("name"))
    manifest = forms.FileField(
        help_text="target/manifest.json of the dbt project (after dbt compile, run or build)."
    )

    def clean_manifest(self) -> str:
        upload = self.cleaned_data["manifest"]
        if upload.size > MANIFEST_MAX_BYTES:
            raise forms.ValidationError(f"At most {MANIFEST_MAX_BYTES // 2**20} MB.")
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError("The manifest must be UTF-8 JSON.") from None


MANIFEST_MAX_BYTES = 50 * 2**20
