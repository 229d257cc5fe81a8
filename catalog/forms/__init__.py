"""Forms: the request form generated from an input definition (`build_answers_form`, also
used by intake), and the editors for services, calendars, SLA policies and templates."""

from __future__ import annotations

from .answers import AnswersForm, answers_form_class, build_answers_form
from .calendars import CalendarForm, SlaPolicyForm
from .definition import (
    CONDITION_ROWS,
    OP_CHOICES,
    BaseDefinitionFormSet,
    DefinitionFieldForm,
    DefinitionFormSet,
    definition_formset,
    definition_initial,
)
from .services import ServiceForm
from .templates import TemplateForm, TemplateRollbackForm, TemplateVersionForm

__all__ = [
    "AnswersForm",
    "BaseDefinitionFormSet",
    "CONDITION_ROWS",
    "CalendarForm",
    "DefinitionFieldForm",
    "DefinitionFormSet",
    "OP_CHOICES",
    "ServiceForm",
    "SlaPolicyForm",
    "TemplateForm",
    "TemplateRollbackForm",
    "TemplateVersionForm",
    "answers_form_class",
    "build_answers_form",
    "definition_formset",
    "definition_initial",
]
