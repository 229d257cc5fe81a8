"""The request form generated from a service's input definition (also used by intake)."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from .. import inputdef


class _LenientChoiceField(forms.ChoiceField):
    """Choice membership is checked by inputdef.validate_answers (which skips hidden fields)."""

    def valid_value(self, value: Any) -> bool:
        return True


class _LenientMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


def _bound_attrs(spec: dict[str, Any]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    ftype = spec["type"]
    lo, hi = spec.get("min"), spec.get("max")
    if ftype in (inputdef.NUMBER, inputdef.DATE):
        if lo is not None:
            attrs["min"] = str(lo)
        if hi is not None:
            attrs["max"] = str(hi)
    elif ftype in (inputdef.TEXT, inputdef.LONG_TEXT):
        if lo is not None:
            attrs["minlength"] = str(lo)
        if hi is not None:
            attrs["maxlength"] = str(hi)
    return attrs


def _form_field(spec: dict[str, Any]) -> forms.Field:
    ftype = spec["type"]
    common: dict[str, Any] = {
        "label": spec["label"],
        "help_text": spec.get("help", ""),
        "required": False,  # required-ness depends on conditions: validate_answers decides
    }
    attrs = _bound_attrs(spec)
    if spec.get("required"):
        attrs["aria-required"] = "true"
    if ftype == inputdef.TEXT:
        field: forms.Field = forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    elif ftype == inputdef.LONG_TEXT:
        field = forms.CharField(widget=forms.Textarea(attrs=attrs | {"rows": 4}), **common)
    elif ftype == inputdef.CHOICE:
        field = _LenientChoiceField(
            choices=[("", "—")] + [(c, c) for c in spec["choices"]],
            widget=forms.Select(attrs=attrs),
            **common,
        )
    elif ftype == inputdef.MULTI_CHOICE:
        field = _LenientMultipleChoiceField(
            choices=[(c, c) for c in spec["choices"]],
            widget=forms.CheckboxSelectMultiple(attrs=attrs),
            **common,
        )
    elif ftype == inputdef.DATE:
        field = forms.CharField(
            widget=forms.DateInput(attrs=attrs | {"type": "date"}, format="%Y-%m-%d"), **common
        )
    elif ftype == inputdef.URL:
        field = forms.CharField(
            widget=forms.URLInput(attrs=attrs | {"placeholder": "https://"}), **common
        )
    elif ftype == inputdef.NUMBER:
        field = forms.CharField(widget=forms.NumberInput(attrs=attrs | {"step": "any"}), **common)
    elif ftype == inputdef.EMAIL_LIST:
        if not common["help_text"]:
            common["help_text"] = "E-mail addresses, separated by commas or new lines."
        field = forms.CharField(
            widget=forms.Textarea(attrs=attrs | {"rows": 2, "placeholder": "name@example.com"}),
            **common,
        )
    else:  # pragma: no cover - definitions are validated before use
        raise ValueError(f"Unknown field type {ftype!r}")
    field.definition = spec  # type: ignore[attr-defined]
    field.condition_json = (  # type: ignore[attr-defined]
        json.dumps(spec["condition"], separators=(",", ":")) if spec.get("condition") else ""
    )
    field.definition_required = bool(spec.get("required"))  # type: ignore[attr-defined]
    return field


class AnswersForm(forms.Form):
    """A request form for one input definition. After `is_valid()`, `answers` holds the
    cleaned, JSON-ready values (hidden fields dropped), exactly as validate_answers says."""

    definition: list[dict[str, Any]] = []
    template_name = "catalog/includes/answers_form.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        raw = dict(super().clean() or {})
        answers, errors = inputdef.validate_answers(self.definition, raw)
        for key, message in errors.items():
            if key in self.fields and key not in self.errors:
                self.add_error(key, message)
        self.answers = answers
        return raw

    def visible_keys(self) -> list[str]:
        data = {name: self[name].value() for name in self.fields}
        return inputdef.visible_keys(self.definition, data)


def answers_form_class(definition: list[dict[str, Any]]) -> type[AnswersForm]:
    fields = {spec["key"]: _form_field(spec) for spec in definition}
    labels = {spec["key"]: spec["label"] for spec in definition}
    for spec in definition:
        fields[spec["key"]].condition_text = inputdef.describe_condition(  # type: ignore[attr-defined]
            spec.get("condition"), labels
        )
    return type(
        "AnswersForm",
        (AnswersForm,),
        {**fields, "definition": list(definition)},
    )


def build_answers_form(
    definition: list[dict[str, Any]], data: Any = None, **kwargs: Any
) -> AnswersForm:
    """The request form for `definition`: one field per entry; each field carries
    `condition_json` (rendered as `data-condition`) for conditions.js to show/hide it live.

    Render it with ``{% include "catalog/includes/answers_form.html" with form=form %}``.
    """
    return answers_form_class(definition)(data, **kwargs)
