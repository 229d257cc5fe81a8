"""Catalog pages: browse and search services, the service editor with live preview,
SLA policies and business calendars, templates and their versions. Thin: parse, call a
service, render."""

from __future__ import annotations

from .calendars import (
    CalendarDetailView,
    CalendarEditView,
    HolidayPreviewView,
    SlaListView,
    SlaPolicyEditView,
)
from .services import (
    SelfServeForm,
    SelfServeView,
    ServiceDetailView,
    ServiceEditorView,
    ServiceListView,
    ServicePreviewView,
    ServiceTransitionView,
)
from .templates import (
    TemplateDetailView,
    TemplateEditView,
    TemplateListView,
    TemplatePublishView,
    TemplateRollbackView,
)

__all__ = [
    "CalendarDetailView",
    "CalendarEditView",
    "HolidayPreviewView",
    "SelfServeForm",
    "SelfServeView",
    "ServiceDetailView",
    "ServiceEditorView",
    "ServiceListView",
    "ServicePreviewView",
    "ServiceTransitionView",
    "SlaListView",
    "SlaPolicyEditView",
    "TemplateDetailView",
    "TemplateEditView",
    "TemplateListView",
    "TemplatePublishView",
    "TemplateRollbackView",
]
