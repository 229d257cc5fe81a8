"""Instrumentation inventory pages: the list (filters shared with the API), one entry with
the requests whose tracking plans name it, add / edit, CSV import and the coverage view."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views import View

from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin

from .. import hooks, inventory, selectors
from ..filters import InstrumentFilter
from ..forms import InstrumentForm, InstrumentImportForm
from ..models import Instrument, InstrumentKind
from ..services import STACK_READERS, ImportRow
from ._base import CsvImportView, FilteredListView, _can_edit, _ModelFormView


class InstrumentListView(FilteredListView):
    """Events and pixels per property, with consent category, container and destinations."""

    template_name = "stack/instrument_list.html"
    filterset_class = InstrumentFilter

    def base_queryset(self) -> QuerySet[Instrument]:
        return selectors.instruments()


class InstrumentDetailView(RoleRequiredMixin, View):
    read_roles = STACK_READERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        instrument = get_object_or_404(selectors.instruments(), pk=pk)
        planned = (
            hooks.planned_events(instrument.name) if instrument.kind == InstrumentKind.EVENT else []
        )
        return render(
            request,
            "stack/instrument_detail.html",
            {"instrument": instrument, "planned": planned, "can_edit": _can_edit(request)},
        )


class InstrumentFormView(_ModelFormView):
    model = Instrument
    form_class = InstrumentForm
    noun = "inventory entry"
    list_label = "Instrumentation"

    def create(self, actor: User, data: dict[str, Any]) -> Instrument:
        return inventory.instrument_create(actor=actor, **data)

    def update(
        self, obj: Instrument, actor: User, version: int | None, data: dict[str, Any]
    ) -> Instrument:
        return inventory.instrument_update(
            instrument=obj, actor=actor, expected_version=version, **data
        )


class InstrumentImportView(CsvImportView):
    template_name = "stack/instrument_import.html"
    form_class = InstrumentImportForm
    noun = "entries"
    done = "stack:instrument_list"

    def run(self, actor: User, text: str, commit: bool) -> list[ImportRow]:
        return inventory.instruments_import_csv(actor=actor, text=text, commit=commit)


class CoverageView(RoleRequiredMixin, View):
    """Tracking-plan events with no inventory entry, pixels with no consent category and
    destinations that are not on the golden path."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "stack/coverage.html",
            {"coverage": selectors.instrumentation_coverage(), "can_edit": _can_edit(request)},
        )
