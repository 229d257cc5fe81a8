"""Instrumentation inventory pages: the list (filters shared with the API), one entry with
the requests whose tracking plans name it, add / edit, CSV import and the coverage view."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin
from mops.core.actors import actor_of

from . import hooks, inventory, selectors
from .filters import InstrumentFilter
from .forms import InstrumentForm, InstrumentImportForm
from .models import Instrument, InstrumentKind
from .services import STACK_EDITORS, STACK_READERS
from .views import _can_edit, _ModelFormView, _uploaded_text


class InstrumentListView(RoleRequiredMixin, ListView):
    """Events and pixels per property, with consent category, container and destinations."""

    template_name = "stack/instrument_list.html"
    read_roles = STACK_READERS
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Instrument]:
        self.filterset = InstrumentFilter(self.request.GET, queryset=selectors.instruments())
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = _can_edit(self.request)
        return context


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


class InstrumentImportView(RoleRequiredMixin, View):
    """CSV import: a preview with each line's action or its errors, then the import."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "stack/instrument_import.html", {"form": InstrumentImportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = InstrumentImportForm(request.POST, request.FILES)
        rows = None
        text = _uploaded_text(form) if form.is_valid() else ""
        if not form.errors:
            commit = request.POST.get("action") == "import"
            try:
                rows = inventory.instruments_import_csv(
                    actor=actor_of(request), text=text, commit=commit
                )
            except ValidationError as exc:
                form.add_error("text", exc.message_dict.get("file", exc.messages))
            else:
                if commit and not any(r.errors for r in rows):
                    created = sum(1 for r in rows if r.action == "create")
                    messages.success(
                        request,
                        f"Imported {len(rows)} entries: {created} new, "
                        f"{len(rows) - created} updated.",
                    )
                    return redirect("stack:instrument_list")
        has_errors = bool(rows and any(r.errors for r in rows))
        return render(
            request,
            "stack/instrument_import.html",
            {"form": form, "rows": rows, "text": text, "has_errors": has_errors},
            status=400 if form.errors or has_errors else 200,
        )


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
