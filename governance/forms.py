"""Governance forms: RFC editor, review and schedule forms, taxonomy editor, UTM tools.

Forms only parse; services validate the rules and save.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.html import format_html

from catalog.models import Channel, Service, Template

from .models import LINKED_OBJECT_KINDS, RfcType, Risk
from .risk import QUESTIONS

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RfcForm(forms.Form):
    title = forms.CharField(max_length=200)
    change_type = forms.ChoiceField(label="Type", choices=RfcType.choices)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    motivation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    proposal = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    systems_affected = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="One per line."
    )
    fields_affected = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, help_text="One per line."
    )
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    risk = forms.ChoiceField(
        choices=Risk.choices,
        help_text="Decides the approvals: low one approver, medium two, high the CAB quorum.",
    )
    test_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    rollback_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.order_by("name"), required=False, label="Catalog services"
    )
    templates = forms.ModelMultipleChoiceField(
        queryset=Template.objects.order_by("name"), required=False
    )
    linked_objects = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Other linked objects",
        help_text="One per line as kind: reference, e.g. <code>data_contract: crm.leads</code> "
        f"(kinds: {', '.join(sorted(LINKED_OBJECT_KINDS))}).",
    )
    desired_window_start = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    desired_window_end = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    emergency = forms.BooleanField(
        required=False, help_text="Needed during a freeze; same approvals, with a reason."
    )
    emergency_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for q in QUESTIONS:
            self.fields[f"q_{q.key}"] = forms.BooleanField(required=False, label=q.text)

    @property
    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q_{q.key}"] for q in QUESTIONS]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in self.fields
            if not name.startswith("q_") and name not in ("version",)
        ]

    def clean_linked_objects(self) -> list[dict[str, str]]:
        items = []
        for number, line in enumerate(_lines(self.cleaned_data.get("linked_objects", "")), 1):
            kind, sep, ref = line.partition(":")
            if not sep or not ref.strip():
                raise forms.ValidationError(f"Line {number}: write kind: reference.")
            if kind.strip() not in LINKED_OBJECT_KINDS:
                raise forms.ValidationError(f"Line {number}: unknown kind {kind.strip()!r}.")
            items.append({"kind": kind.strip(), "ref": ref.strip()[:200]})
        return items

    def service_values(self) -> dict[str, Any]:
        """Cleaned data in the shape `rfc_create` / `rfc_update` take."""
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["risk_answers"] = {q.key: bool(data.pop(f"q_{q.key}", False)) for q in QUESTIONS}
        data["risk_answers"] = {k: v for k, v in data["risk_answers"].items() if v}
        return data

    @classmethod
    def initial_from(cls, rfc: Any) -> dict[str, Any]:
        initial = {
            name: getattr(rfc, name)
            for name in (
                "title",
                "change_type",
                "summary",
                "motivation",
                "proposal",
                "systems_affected",
                "fields_affected",
                "channels",
                "risk",
                "test_plan",
                "rollback_plan",
                "desired_window_start",
                "desired_window_end",
                "emergency",
                "emergency_reason",
                "version",
            )
        }
        initial["services"] = list(rfc.services.all())
        initial["templates"] = list(rfc.templates.all())
        initial["linked_objects"] = "\n".join(
            f"{item['kind']}: {item['ref']}" for item in rfc.linked_objects or []
        )
        for key, value in (rfc.risk_answers or {}).items():
            initial[f"q_{key}"] = value
        return initial


class ReviewForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)


class TransitionForm(forms.Form):
    name = forms.CharField(max_length=40)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ScheduleForm(forms.Form):
    window_start = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    window_end = forms.DateTimeField(required=False, widget=DATETIME_WIDGET)
    window_ref = forms.CharField(
        max_length=200, required=False, label="Window", help_text="e.g. the departure's name."
    )
    note = forms.CharField(required=False, max_length=500)


# --- taxonomy ---------------------------------------------------------------------------------


def vocabulary_text(items: list[dict[str, Any]]) -> str:
    return "\n".join(
        item["value"] + (": " + ", ".join(item["synonyms"]) if item.get("synonyms") else "")
        for item in items
    )


def _parse_vocabulary(text: str, what: str) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(_lines(text), 1):
        value, _, synonyms = line.partition(":")
        if not value.strip():
            raise forms.ValidationError(f"Line {number}: the {what} value is missing.")
        items.append(
            {
                "value": value.strip(),
                "synonyms": [s.strip() for s in synonyms.split(",") if s.strip()],
            }
        )
    return items


class TaxonomyForm(forms.Form):
    """The taxonomy as text: vocabularies one value per line, rules and naming as JSON."""

    sources = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One source per line: <code>facebook: fb, face_book</code> (synonyms after ':').",
    )
    mediums = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), help_text="One medium per line, like sources."
    )
    channel_rules = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "class": "mono"}),
        help_text="JSON list, ordered, first match wins: "
        '<code>{"channel", "source_values", "source_regex", "medium_values", "medium_regex"}</code>.',
    )
    naming = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "class": "mono"}),
        help_text='JSON: <code>{"delimiter": "_", "case": "lower", "tokens": [{"name", '
        '"allowed_values" or "pattern", "required", "joined"}]}</code>.',
    )
    note = forms.CharField(max_length=200, required=False, help_text="Why this change.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_sources(self) -> list[dict[str, Any]]:
        return _parse_vocabulary(self.cleaned_data["sources"], "source")

    def clean_mediums(self) -> list[dict[str, Any]]:
        return _parse_vocabulary(self.cleaned_data["mediums"], "medium")

    def _json(self, name: str) -> Any:
        try:
            return json.loads(self.cleaned_data[name])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"Not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}."
            ) from None

    def clean_channel_rules(self) -> Any:
        return self._json("channel_rules")

    def clean_naming(self) -> Any:
        return self._json("naming")

    @classmethod
    def initial_from(cls, version: Any) -> dict[str, Any]:
        return {
            "sources": vocabulary_text(version.sources),
            "mediums": vocabulary_text(version.mediums),
            "channel_rules": json.dumps(version.channel_rules, indent=2),
            "naming": json.dumps(version.naming, indent=2),
            "version": version.number,
        }


# --- UTM tools ---------------------------------------------------------------------------------


class BuilderForm(forms.Form):
    """Built dynamically from the taxonomy: source/medium selects, one field per token."""

    base_url = forms.CharField(
        label="Landing page URL", max_length=2000, help_text="https://… (query and #anchor kept)"
    )
    source = forms.ChoiceField(label="utm_source")
    medium = forms.ChoiceField(label="utm_medium")
    content = forms.CharField(label="utm_content", max_length=200, required=False)
    term = forms.CharField(label="utm_term", max_length=200, required=False)
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def __init__(self, *args: Any, taxonomy: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taxonomy = taxonomy
        self.fields["source"].choices = [("", "—")] + [(s, s) for s in sorted(taxonomy.sources)]
        self.fields["medium"].choices = [("", "—")] + [(m, m) for m in sorted(taxonomy.mediums)]
        for token in taxonomy.naming.tokens:
            name = f"token_{token.name}"
            label = f"Campaign: {token.name}"
            if token.allowed_values:
                choices = [("", "—")] + [(v, v) for v in sorted(token.allowed_values)]
                self.fields[name] = forms.ChoiceField(
                    label=label, choices=choices, required=token.required
                )
            else:
                self.fields[name] = forms.CharField(
                    label=label,
                    max_length=100,
                    required=token.required,
                    help_text=format_html("Pattern: <code>{}</code>", token.pattern),
                )

    @property
    def token_fields(self) -> list[forms.BoundField]:
        return [self[f"token_{t.name}"] for t in self.taxonomy.naming.tokens]

    def tokens(self) -> dict[str, str]:
        return {
            t.name: self.cleaned_data.get(f"token_{t.name}") or ""
            for t in self.taxonomy.naming.tokens
        }


class ValidateForm(forms.Form):
    url = forms.CharField(label="Tagged URL", max_length=8000, required=False)
    campaign_name = forms.CharField(max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("url") or "").strip() and not (data.get("campaign_name") or "").strip():
            raise forms.ValidationError("Give a URL or a campaign name.")
        return data


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, with a header row holding a <code>url</code> column "
        "(or <code>campaign</code> for a file of names).",
    )
