"""Template, template version and rollback forms."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ..models import Template
from ..services import TEMPLATE_FIELDS


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = list(TEMPLATE_FIELDS)  # the service's list
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _slug_optional(self)

    def _post_clean(self) -> None:
        pass


def _slug_optional(form: forms.ModelForm) -> None:
    """Slugs are automatic everywhere: left empty, the service makes one from the name."""
    form.fields["slug"].required = False
    form.fields["slug"].help_text = "Left empty, made from the name."


class TemplateVersionForm(forms.Form):
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="The pattern as builders read it.",
    )
    spec = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        label="Spec (JSON object)",
        help_text='Structured steps, e.g. {"steps": [{"email": "welcome", "wait_days": 0}]}',
    )
    changelog = forms.CharField(max_length=1000, label="What changed")
    rollback_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Rollback plan"
    )

    def clean_spec(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("spec") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
        if not isinstance(value, dict):
            raise ValidationError("The spec must be a JSON object ({...}).")
        return value


class TemplateRollbackForm(forms.Form):
    to_number = forms.IntegerField(label="Restore version", min_value=1)
    changelog = forms.CharField(required=False, max_length=1000, label="Why")
