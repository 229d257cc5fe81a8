"""The service editor form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import slugify

from mops.accounts.models import Team

from ..models import ChangeType, Channel, Complexity, SelfServeTool, SlaPolicy, Template


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Left empty, made from the name."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner_team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    change_type = forms.ChoiceField(choices=ChangeType.choices)
    default_complexity = forms.ChoiceField(
        choices=Complexity.choices, initial=Complexity.STANDARD, label="Default complexity"
    )
    self_serve = forms.BooleanField(
        required=False, label="Self-serve (requesters can do it themselves)"
    )
    self_serve_tool = forms.ChoiceField(
        choices=SelfServeTool.choices,
        initial=SelfServeTool.GUIDE,
        label="Self-serve path",
        help_text="What a marketer does instead of opening a request.",
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Self-serve instructions",
        help_text="The steps a marketer follows (shown on the service page). Required for a guide.",
    )
    sla_policy = forms.ModelChoiceField(
        queryset=SlaPolicy.objects.select_related("calendar"), label="SLA policy"
    )
    templates = forms.ModelMultipleChoiceField(
        queryset=Template.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Approved templates",
    )
    changelog = forms.CharField(
        required=False,
        max_length=500,
        label="What changed",
        help_text="Goes into the version history when the form, complexity, SLA or templates change.",
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("slug") and data.get("name"):
            data["slug"] = slugify(data["name"])[:120]
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"],
            "description": data.get("description", ""),
            "owner_team": data.get("owner_team"),
            "channels": list(data.get("channels") or []),
            "change_type": data["change_type"],
            "default_complexity": data["default_complexity"],
            "self_serve": bool(data.get("self_serve")),
            "self_serve_tool": data.get("self_serve_tool") or SelfServeTool.GUIDE,
            "instructions": data.get("instructions", ""),
            "sla_policy": data["sla_policy"],
        }
