"""Forms of the experiment register."""

from __future__ import annotations

from django import forms

from mops.accounts.models import Team, User
from releases.experiments.models import MAX_SAMPLE, ExperimentResult
from releases.trains.forms import CHANNEL_CHOICES


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
