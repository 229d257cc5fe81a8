"""Governance forms: RFC editor, review and schedule forms, taxonomy editor, UTM tools.

Forms only parse; services validate the rules and save.
"""

from __future__ import annotations

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


def _csv_values(text: str) -> list[str]:
    return [v.strip() for v in (text or "").split(",") if v.strip()]


class TaxonomyForm(forms.Form):
    """The taxonomy as a form: vocabularies one value per line, the naming convention's
    delimiter and case; channel rules and naming tokens are rows (`ChannelRuleFormSet`,
    `NamingTokenFormSet`), never raw JSON."""

    sources = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One source per line: <code>facebook: fb, face_book</code> (synonyms after ':').",
    )
    mediums = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), help_text="One medium per line, like sources."
    )
    delimiter = forms.CharField(
        max_length=3, strip=False, initial="_", label="Campaign name delimiter"
    )
    case = forms.ChoiceField(
        choices=[("lower", "lower case"), ("upper", "UPPER CASE"), ("any", "any case")],
        label="Campaign name case",
    )
    note = forms.CharField(max_length=200, required=False, help_text="Why this change.")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_sources(self) -> list[dict[str, Any]]:
        return _parse_vocabulary(self.cleaned_data["sources"], "source")

    def clean_mediums(self) -> list[dict[str, Any]]:
        return _parse_vocabulary(self.cleaned_data["mediums"], "medium")

    @classmethod
    def initial_from(cls, version: Any) -> dict[str, Any]:
        return {
            "sources": vocabulary_text(version.sources),
            "mediums": vocabulary_text(version.mediums),
            "delimiter": version.naming.get("delimiter", "_"),
            "case": version.naming.get("case", "lower"),
            "version": version.number,
        }


class ChannelRuleForm(forms.Form):
    """One channel-grouping rule: source and medium conditions (values and/or a regex)."""

    channel = forms.CharField(max_length=60, required=False)
    source_values = forms.CharField(
        required=False, label="Sources", help_text="Comma-separated; empty: any."
    )
    source_regex = forms.CharField(required=False, label="…or source pattern (regex)")
    medium_values = forms.CharField(
        required=False, label="Mediums", help_text="Comma-separated; empty: any."
    )
    medium_regex = forms.CharField(required=False, label="…or medium pattern (regex)")

    def rule(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not (data.get("channel") or "").strip():
            return None
        return {
            "channel": data["channel"].strip(),
            "source_values": _csv_values(data.get("source_values", "")),
            "source_regex": (data.get("source_regex") or "").strip() or None,
            "medium_values": _csv_values(data.get("medium_values", "")),
            "medium_regex": (data.get("medium_regex") or "").strip() or None,
        }


class NamingTokenForm(forms.Form):
    """One token of the campaign naming convention, in order."""

    name = forms.CharField(max_length=40, required=False, label="Token")
    allowed_values = forms.CharField(
        required=False, label="Allowed values", help_text="Comma-separated."
    )
    pattern = forms.CharField(required=False, label="…or pattern (regex)")
    required = forms.BooleanField(required=False, initial=True)
    joined = forms.BooleanField(
        required=False, label="Joined to the previous", help_text="No delimiter before it."
    )

    def token(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not (data.get("name") or "").strip():
            return None
        return {
            "name": data["name"].strip(),
            "allowed_values": _csv_values(data.get("allowed_values", "")),
            "pattern": (data.get("pattern") or "").strip() or None,
            "required": bool(data.get("required")),
            "joined": bool(data.get("joined")),
        }


class _RowFormSet(forms.BaseFormSet):
    """Rows sit in table cells: each input carries its column and row for screen readers."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        row = "new row" if index is None else f"row {index + 1}"
        for name, field in form.fields.items():
            label = field.label or name.replace("_", " ").capitalize()
            field.widget.attrs["aria-label"] = f"{label}, {row}"


ChannelRuleFormSet = forms.formset_factory(
    ChannelRuleForm, formset=_RowFormSet, extra=2, can_order=True, can_delete=True
)
NamingTokenFormSet = forms.formset_factory(
    NamingTokenForm, formset=_RowFormSet, extra=1, can_order=True, can_delete=True
)


def channel_rules_initial(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "channel": r["channel"],
            "source_values": ", ".join(r.get("source_values") or []),
            "source_regex": r.get("source_regex") or "",
            "medium_values": ", ".join(r.get("medium_values") or []),
            "medium_regex": r.get("medium_regex") or "",
            "ORDER": n,
        }
        for n, r in enumerate(rules, 1)
    ]


def naming_tokens_initial(naming: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": t["name"],
            "allowed_values": ", ".join(t.get("allowed_values") or []),
            "pattern": t.get("pattern") or "",
            "required": t.get("required", True),
            "joined": t.get("joined", False),
            "ORDER": n,
        }
        for n, t in enumerate(naming.get("tokens") or [], 1)
    ]


def ordered_rows(formset: forms.BaseFormSet, build: str) -> list[dict[str, Any]]:
    """The rows of a valid formset in the order their ORDER fields give (then as shown)."""
    rows = []
    for index, form in enumerate(formset.forms):
        item = getattr(form, build)()
        if item is not None:
            order = form.cleaned_data.get("ORDER")
            rows.append((order if order is not None else 10_000 + index, index, item))
    return [item for _order, _index, item in sorted(rows, key=lambda r: (r[0], r[1]))]


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
