"""Taxonomy forms: the taxonomy editor and the UTM tools (builder, validator, CSV upload).

Forms only parse; services validate the rules and save.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.html import format_html

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

# --- taxonomy ---------------------------------------------------------------------------------


def vocabulary_text(items: list[dict[str, Any]]) -> str:
    return "\n".join(
        item["value"] + (": " + ", ".join(item["synonyms"]) if item.get("synonyms") else "")
        for item in items
    )


def _parse_vocabulary(text: str, what: str) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(
        (ln.strip() for ln in (text or "").splitlines() if ln.strip()), 1
    ):
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
        cast(forms.ChoiceField, self.fields["source"]).choices = [("", "—")] + [
            (s, s) for s in sorted(taxonomy.sources)
        ]
        cast(forms.ChoiceField, self.fields["medium"]).choices = [("", "—")] + [
            (m, m) for m in sorted(taxonomy.mediums)
        ]
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
        data = super().clean() or {}
        if not (data.get("url") or "").strip() and not (data.get("campaign_name") or "").strip():
            raise forms.ValidationError("Give a URL or a campaign name.")
        return data


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, with a header row holding a <code>url</code> column "
        "(or <code>campaign</code> for a file of names).",
    )
