"""Forms of checklist items, templates and pre-flight runs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import ChangeType, Channel
from releases.qa.models import AutomatedCheck, Evidence, ItemState, Phase


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
