"""Forms of the stack pages; the rules themselves are in the models and services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from catalog.models import Service
from governance.models import DataContract, Monitor, Rfc, Runbook
from mops.accounts.models import Team

from .evaluation import NEW_TOOL_KIND
from .inventory import INSTRUMENT_CSV_COLUMNS, INSTRUMENT_FIELDS
from .models import Attestation, Contract, Decision, Flow, Instrument, Tool
from .services import CONTRACT_FIELDS, FLOW_FIELDS, TOOL_FIELDS


def _people() -> Any:
    return get_user_model().objects.filter(is_active=True).order_by("username")


class ToolForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    admin_url = forms.URLField(
        label="Admin console", max_length=500, required=False, assume_scheme="https"
    )
    docs_url = forms.URLField(
        label="Documentation", max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Tool
        fields = [*TOOL_FIELDS, "runbooks", "monitors"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _people()
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.order_by("name")
        cast(
            forms.ModelChoiceField, self.fields["data_contract"]
        ).queryset = DataContract.objects.select_related("dataset")
        cast(forms.ModelChoiceField, self.fields["runbooks"]).queryset = Runbook.objects.order_by(
            "title"
        )
        cast(forms.ModelChoiceField, self.fields["monitors"]).queryset = Monitor.objects.order_by(
            "name"
        )
        cast(forms.ModelChoiceField, self.fields["evaluation_rfc"]).queryset = Rfc.objects.filter(
            change_type=NEW_TOOL_KIND
        ).order_by("-pk")
        self.fields["evaluation_rfc"].label = "New-tool RFC"

    def _post_clean(self) -> None:
        """The service validates the model (and its golden-path rule) and saves."""


class InstrumentForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Instrument
        fields = [*INSTRUMENT_FIELDS, "destinations"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _people()
        cast(forms.ModelChoiceField, self.fields["destinations"]).queryset = Tool.objects.order_by(
            "name"
        )

    def _post_clean(self) -> None:
        """The service validates the entry (and its uniqueness) and saves."""


class InstrumentImportForm(forms.Form):
    file = forms.FileField(required=False, label="CSV file")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="…or paste CSV",
        help_text="Header: " + ",".join(INSTRUMENT_CSV_COLUMNS) + " (destinations: tool names "
        "separated by ;).",
    )


class ToolImportForm(forms.Form):
    file = forms.FileField(required=False, label="CSV file")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="…or paste CSV",
        help_text="Header: name,layer,vendor,owner,team,status,status_reason,purpose,"
        "personal_data,data_contract,sso,admin_url,docs_url.",
    )


class FlowForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Flow
        fields = [*FLOW_FIELDS, "services"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["source"]).queryset = Tool.objects.order_by("name")
        cast(forms.ModelChoiceField, self.fields["target"]).queryset = Tool.objects.order_by("name")
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _people()
        cast(forms.ModelChoiceField, self.fields["monitor"]).queryset = Monitor.objects.order_by(
            "name"
        )
        cast(
            forms.ModelChoiceField, self.fields["data_contract"]
        ).queryset = DataContract.objects.select_related("dataset")
        cast(forms.ModelChoiceField, self.fields["services"]).queryset = Service.objects.order_by(
            "name"
        )

    def _post_clean(self) -> None:
        """The service validates the model and saves."""


class ContractForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Contract
        fields = [*CONTRACT_FIELDS]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["tool"]).queryset = Tool.objects.order_by("name")
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = _people()

    def _post_clean(self) -> None:
        """The service validates the model and saves."""


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class SeatUploadForm(forms.Form):
    file = forms.FileField(required=False, label="Seat export (CSV)")
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="…or paste CSV",
        help_text="Header: email,permission_level,last_active (YYYY-MM-DD, blank = never).",
    )


class ReviewStartForm(forms.Form):
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due on")


class AttestForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    decision = forms.ChoiceField(choices=Attestation.choices)
    reason = forms.CharField(
        required=False, max_length=4000, help_text="Required to reduce or remove."
    )
