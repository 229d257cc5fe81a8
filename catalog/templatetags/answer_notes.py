"""`{% answer_notes service as notes %}`: the read-only notes apps above the catalog add to
a service's request form (catalog.hooks.answer_notes), "" -safe when there is no service."""

from __future__ import annotations

from typing import Any

from django import template

from .. import hooks

register = template.Library()


@register.simple_tag
def answer_notes(service: Any = None) -> list[hooks.AnswerNote]:
    if service is None or not getattr(service, "pk", None):
        return []
    return hooks.notes_for(service)
