"""What the stack pages share: the edit check, the CSV limits, the filtered list page,
the CSV import page and the create/edit page of a model. A service's refusals reach the
page through the kernel's `call_service`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from mops.accounts.models import User
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import has_role
from mops.core.actors import actor_of
from mops.core.views import call_service, invalid_status, uploaded_text

from .. import services
from ..services import STACK_EDITORS, STACK_READERS

# A CSV service's errors about the whole file sit by the pasted-text box of the form.
CSV_ERRORS = {"file": "text"}
CSV_MAX_BYTES = 2_000_000  # an upload past this is read no further


def _can_edit(request: HttpRequest) -> bool:
    return has_role(request.user, STACK_EDITORS)


class FilteredListView(RoleRequiredMixin, ListView):
    """A stack list page: the filterset it shares with the API over a selector."""

    read_roles = STACK_READERS
    paginate_by = 50
    filterset_class: Any = None

    def base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        self.filterset = self.filterset_class(self.request.GET, queryset=self.base_queryset())
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_edit"] = _can_edit(self.request)
        return context


class CsvImportView(RoleRequiredMixin, View):
    """A CSV import page: a preview with each line's action or its errors, then the
    import (nothing is written while any line has an error)."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS
    template_name = ""
    form_class: Any = None
    noun = ""
    done = ""  # URL name after a successful import

    def run(self, actor: User, text: str, commit: bool) -> list[services.ImportRow]:
        raise NotImplementedError

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self.form_class()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES)
        rows = None
        text = ""
        if form.is_valid():
            text = uploaded_text(form, max_bytes=CSV_MAX_BYTES)
        if not form.errors:
            commit = request.POST.get("action") == "import"
            ok, rows = call_service(
                request, self.run, actor_of(request), text, commit, form=form, field_map=CSV_ERRORS
            )
            if ok and rows is not None:
                if commit and not any(r.errors for r in rows):
                    created = sum(1 for r in rows if r.action == "create")
                    messages.success(
                        request,
                        f"Imported {len(rows)} {self.noun}: {created} new, "
                        f"{len(rows) - created} updated.",
                    )
                    return redirect(self.done)
        has_errors = bool(rows and any(r.errors for r in rows))
        return render(
            request,
            self.template_name,
            {"form": form, "rows": rows, "text": text, "has_errors": has_errors},
            status=400 if form.errors or has_errors else 200,
        )


class _ModelFormView(RoleRequiredMixin, View):
    """Create/edit pages of flows and contracts: one service call each way."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS
    model: Any = None
    form_class: Any = None
    noun = ""
    list_label = ""

    def create(self, actor: User, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update(self, obj: Any, actor: User, version: int | None, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _render(self, request: HttpRequest, form: Any, obj: Any, code: int) -> HttpResponse:
        return render(
            request,
            "stack/form.html",
            {
                "form": form,
                "title": f"Edit {self.noun}" if obj else f"New {self.noun}",
                "back": obj.get_absolute_url() if obj else "",
                "back_label": str(obj) if obj else self.list_label,
            },
            status=code,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=pk) if pk else None
        initial = {"version": obj.version} if obj else dict(request.GET.items())
        return self._render(request, self.form_class(instance=obj, initial=initial), obj, 200)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = get_object_or_404(self.model, pk=pk) if pk else None
        form = self.form_class(request.POST, instance=obj)
        if not form.is_valid():
            return self._render(request, form, obj, 400)
        data = dict(form.cleaned_data)
        version = data.pop("version")
        actor = actor_of(request)
        if obj is None:
            ok, saved = call_service(request, self.create, actor, data, form=form)
        else:
            ok, saved = call_service(request, self.update, obj, actor, version, data, form=form)
        if not ok or saved is None:
            status = invalid_status(form)
            return self._render(request, form, obj, status)
        messages.success(request, f"{self.noun.capitalize()} saved.")
        return redirect(saved.get_absolute_url())
