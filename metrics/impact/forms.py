"""Business-impact forms: one role mapping (dataset + a column per role field), a month's
team cost, and the review acknowledgement note."""

from __future__ import annotations

from typing import Any

from django import forms

from .roles import ROLE_FIELDS
from .warehouse import Dataset


class RoleMappingForm(forms.Form):
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.select_related("warehouse"))

    def __init__(self, role: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role = role
        for f in ROLE_FIELDS[role]:
            self.fields[f"col_{f.name}"] = forms.CharField(
                label=f.name, required=False, max_length=63, help_text=f.help
            )

    def service_field_map(self) -> dict[str, str]:
        """The service names a column `columns.<field>`; the form's field is `col_<field>`."""
        return {f"columns.{f.name}": f"col_{f.name}" for f in ROLE_FIELDS[self.role]}

    def columns(self) -> dict[str, str]:
        return {
            f.name: self.cleaned_data.get(f"col_{f.name}", "").strip()
            for f in ROLE_FIELDS[self.role]
        }


class TeamCostForm(forms.Form):
    month = forms.CharField(max_length=7, help_text="YYYY-MM")
    amount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(max_length=200, required=False)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
