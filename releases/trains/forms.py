"""Forms of trains, departures and freezes."""

from __future__ import annotations

from django import forms

from catalog.models import Calendar, Channel
from mops.core.timezones import TimeZoneField
from releases.trains.models import Freeze

CHANNEL_CHOICES = Channel.choices


class TrainForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Left empty, made from the name."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    channels = forms.MultipleChoiceField(
        choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    time_zone = TimeZoneField()
    rrule = forms.CharField(
        max_length=300,
        label="Recurrence (RRULE)",
        initial="FREQ=WEEKLY;BYDAY=TU,TH",
        help_text="RFC 5545, e.g. <code>FREQ=WEEKLY;BYDAY=TU,TH</code>",
    )
    first_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(min_value=5, max_value=24 * 60, initial=120)
    capacity = forms.IntegerField(min_value=1, max_value=500, initial=5)
    cutoff_hours = forms.DecimalField(
        min_value=0, max_value=2000, decimal_places=2, initial=24, label="Cutoff (business hours)"
    )
    calendar = forms.ModelChoiceField(
        queryset=Calendar.objects.order_by("name"), required=False, label="Business calendar"
    )
    horizon_days = forms.IntegerField(min_value=7, max_value=366, initial=90)
    active = forms.BooleanField(required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DepartureEditForm(forms.Form):
    starts_at = forms.DateTimeField(
        required=False,
        label="Move to (local time of the train)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    capacity = forms.IntegerField(min_value=0, max_value=500, required=False)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class FreezeForm(forms.Form):
    name = forms.CharField(max_length=120)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    kind = forms.ChoiceField(choices=Freeze.Kind.choices)
    channels = forms.MultipleChoiceField(
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: the freeze applies to every channel.",
    )
    time_zone = TimeZoneField()
    starts_on = forms.DateField(
        required=False,
        label="From (one-off)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ends_on = forms.DateField(
        required=False,
        label="Until, inclusive (one-off)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rrule = forms.CharField(
        required=False,
        max_length=300,
        label="Recurrence (recurring)",
        initial="FREQ=WEEKLY;BYDAY=FR",
    )
    first_date = forms.DateField(
        required=False, label="Starting (recurring)", widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        required=False,
        label="From time (recurring)",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    duration_minutes = forms.IntegerField(
        required=False, min_value=1, max_value=7 * 24 * 60, label="Duration in minutes (recurring)"
    )
    active = forms.BooleanField(required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
