"""Filters of the experiment register."""

import django_filters

from catalog.models import Channel
from mops.accounts.models import Team
from mops.core.filters import FilterSet, TextSearchFilter
from releases.experiments.models import Experiment, ExperimentResult, ExperimentStatus


class ExperimentFilter(FilterSet):
    """The experiment register: `concluded_from` / `concluded_to` are days (inclusive) in
    the MOPS time zone, so the metrics dashboard can link a period's experiments."""

    q = TextSearchFilter(fields=("name", "hypothesis", "primary_metric"))
    status = django_filters.ChoiceFilter(choices=ExperimentStatus.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.order_by("name"), to_field_name="slug", label="Team"
    )
    owner = django_filters.CharFilter(field_name="owner__username", label="Owner (username)")
    result = django_filters.ChoiceFilter(choices=ExperimentResult.choices)
    met_power = django_filters.BooleanFilter(label="Met power")
    request = django_filters.NumberFilter(field_name="request_id", min_value=1, max_value=2**62)
    concluded_from = django_filters.DateFilter(
        field_name="concluded_at", lookup_expr="date__gte", label="Concluded from"
    )
    concluded_to = django_filters.DateFilter(
        field_name="concluded_at", lookup_expr="date__lte", label="Concluded until"
    )

    class Meta:
        model = Experiment
        fields = [
            "q",
            "status",
            "channel",
            "team",
            "owner",
            "result",
            "met_power",
            "request",
            "concluded_from",
            "concluded_to",
        ]
