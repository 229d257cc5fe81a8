"""The board form."""

from __future__ import annotations

from django import forms


class BoardForm(forms.Form):
    departure = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Freeze override reason (admins only)",
    )
