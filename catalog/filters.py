"""One FilterSet per list, shared by the catalog page and the API."""

import django_filters

from mops.core.filters import ArrayContainsFilter, FilterSet, TextSearchFilter

from .models import ChangeType, Channel, PatternKind, Service, ServiceStatus, Template


class ServiceFilter(FilterSet):
    q = TextSearchFilter(fields=("name", "description"))
    channel = ArrayContainsFilter(field_name="channels", choices=Channel.choices, label="Channel")
    self_serve = django_filters.BooleanFilter(label="Self-serve")
    status = django_filters.ChoiceFilter(choices=ServiceStatus.choices)
    change_type = django_filters.ChoiceFilter(choices=ChangeType.choices)

    class Meta:
        model = Service
        fields = ["q", "channel", "self_serve", "status", "change_type"]


class TemplateFilter(FilterSet):
    q = TextSearchFilter(fields=("name", "description"))
    kind = django_filters.ChoiceFilter(choices=PatternKind.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Template
        fields = ["q", "kind", "channel"]
