"""RFC forms: editor, review, transition and schedule forms, approval policies.

Forms only parse; services validate the rules and save.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms

from catalog.models import Channel, Service, Template

from .models import (
    LINKED_OBJECT_KINDS,
    RfcType,
    Risk,
    approver_group_choices,
)
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
        related = ("services", "templates", "linked_objects")  # shaped for their widgets below
        initial = {name: getattr(rfc, name) for name in cls.base_fields if name not in related}
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


# --- approval policies ---------------------------------------------------------------------


class ApprovalPolicyForm(forms.Form):
    required_approvals = forms.IntegerField(min_value=1, max_value=20, label="Approvals needed")
    eligible_group = forms.ChoiceField(
        required=False,
        label="Only approvers in",
        help_text="A group or team; empty: anyone in the Approver role.",
    )
    must_include_group = forms.ChoiceField(
        required=False,
        label="At least one approver from",
        help_text="A group or team; empty: no such rule.",
    )
    requires_change_window = forms.BooleanField(
        required=False, label="Only inside a change window, never in a freeze"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        names = approver_group_choices()
        for field in ("eligible_group", "must_include_group"):
            current = (self.initial.get(field) or "") if not self.is_bound else ""
            extra = [current] if current and current not in names else []
            cast(forms.ChoiceField, self.fields[field]).choices = [
                ("", "—"),
                *((n, n) for n in [*names, *extra]),
            ]
