"""Filter forms rendered from the FilterSet the page and the API share."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField

register = template.Library()


@register.filter
def filter_fields(filterset: Any, names: str) -> list[tuple[str, BoundField]]:
    """(label, bound field) of the filters a page shows, in the order named:
    `"q status kind:Pattern"`; a label after ':' (underscores for spaces) replaces the
    filter's own. Filters the API alone uses are simply not named."""
    form = filterset.form
    fields = []
    for spec in names.split():
        name, _, label = spec.partition(":")
        fields.append((label.replace("_", " ") or str(form[name].label), form[name]))
    return fields
