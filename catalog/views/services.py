"""Service pages: browse and search, detail, self-serve, the editor with live preview, transitions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import TemplateView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES
from mops.core.actors import actor_of
from mops.core.views import ObjectListView, call_service, invalid_status

from .. import hooks, inputdef, selectors
from ..filters import ServiceFilter
from ..forms import ServiceForm, build_answers_form, definition_formset
from ..models import Complexity, Service, SlaPolicy
from ..services import (
    CATALOG_EDITORS,
    SELF_SERVERS,
    can_edit_catalog,
    can_self_serve,
    selfserve_complete,
    service_create,
    service_publish,
    service_retire,
    service_update,
)


class ServiceListView(ObjectListView):
    """The catalog: every signed-in role browses and searches (requesters: active only)."""

    template_name = "catalog/service_list.html"
    read_roles = ALL_ROLES
    filterset_class = ServiceFilter
    edit_roles = CATALOG_EDITORS

    def get_queryset(self) -> QuerySet[Service]:
        data = self.request.GET.copy()
        if not selectors.sees_all_services(self.request.user):
            data.pop("status", None)
        self.filterset = ServiceFilter(
            data, queryset=selectors.services_visible_to(self.request.user)
        )
        return self.filterset.qs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sees_all"] = selectors.sees_all_services(self.request.user)
        return context


def _visible_service(request: HttpRequest, slug: str) -> Service:
    return get_object_or_404(selectors.services_visible_to(request.user), slug=slug)


class ServiceDetailView(RoleRequiredMixin, TemplateView):
    """What a service needs and how long it takes, with a preview of its request form."""

    template_name = "catalog/service_detail.html"
    read_roles = ALL_ROLES

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        service = _visible_service(self.request, kwargs["slug"])
        definition = service.input_definition or []
        labels = {f["key"]: f["label"] for f in definition}
        fields = [
            {
                **f,
                "type_label": inputdef.FIELD_TYPES.get(f["type"], f["type"]),
                "shown_when": inputdef.describe_condition(f.get("condition"), labels),
            }
            for f in definition
        ]
        policy = service.sla_policy
        durations = [
            {
                "value": c.value,
                "label": c.label,
                "triage": policy.describe_target("triage", c.value),
                "delivery": policy.describe_target("delivery", c.value),
                "default": c.value == service.default_complexity,
            }
            for c in Complexity
        ]
        context = super().get_context_data(**kwargs)
        context.update(
            service=service,
            fields=fields,
            durations=durations,
            form=build_answers_form(definition, auto_id="preview_%s"),
            reading=hooks.reading_for(service, self.request.user),
            can_edit=can_edit_catalog(self.request.user),
            versions=list(selectors.service_versions(service)[:20])
            if selectors.sees_all_services(self.request.user)
            else [],
            transitions=Service.lifecycle.available(
                state=service.status, roles=actor_of(self.request).roles
            )
            if can_edit_catalog(self.request.user)
            else [],
        )
        return context


class SelfServeForm(forms.Form):
    outcome = forms.CharField(
        max_length=300,
        label="What did you do?",
        help_text="One line, e.g. 'Added the webinar segment for the EMEA launch'.",
    )


class SelfServeView(RoleRequiredMixin, View):
    """Do it yourself: a self-serve service's instructions and tool; finishing records a
    completion (no request). Asking MOPS instead is the escalation."""

    template_name = "catalog/service_selfserve.html"
    read_roles = ALL_ROLES
    write_roles = SELF_SERVERS

    def _service(self, slug: str) -> Service:
        service = _visible_service(self.request, slug)
        if not service.self_serve:
            raise Http404("This service is not self-serve.")
        return service

    def _render(
        self, request: HttpRequest, service: Service, form: forms.Form, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                "service": service,
                "form": form,
                "can_complete": can_self_serve(request.user, service),
                "locks": hooks.selfserve_locks(service, request.user),
                "reading": hooks.reading_for(service, request.user),
                "recent": selectors.completions_visible_to(request.user).filter(service=service)[
                    :10
                ],
            },
            status=status,
        )

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        return self._render(request, self._service(slug), SelfServeForm())

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        service = self._service(slug)
        form = SelfServeForm(request.POST)
        if form.is_valid():
            ok, _ = call_service(
                request,
                selfserve_complete,
                form=form,
                service=service,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
            )
            if ok:
                messages.success(
                    request, f"Done: “{service.name}” recorded as self-served, no ticket needed."
                )
                return redirect("catalog:service_selfserve", slug=service.slug)
        return self._render(request, service, form, status=400)


class ServiceEditorView(RoleRequiredMixin, View):
    """Create or edit a service: its fields and the input-definition editor (a formset)."""

    read_roles = CATALOG_EDITORS
    write_roles = CATALOG_EDITORS
    template_name = "catalog/service_editor.html"

    def _service(self, slug: str | None) -> Service | None:
        if slug is None:
            return None
        return get_object_or_404(Service.objects.prefetch_related("templates"), slug=slug)

    def get(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        service = self._service(slug)
        if service is None:
            form = ServiceForm(initial={"sla_policy": SlaPolicy.objects.order_by("pk").first()})
            formset = definition_formset(definition=[])
        else:
            form = ServiceForm(
                initial={
                    "name": service.name,
                    "slug": service.slug,
                    "description": service.description,
                    "owner_team": service.owner_team_id,
                    "channels": service.channels,
                    "change_type": service.change_type,
                    "default_complexity": service.default_complexity,
                    "self_serve": service.self_serve,
                    "self_serve_tool": service.self_serve_tool,
                    "instructions": service.instructions,
                    "sla_policy": service.sla_policy_id,
                    "templates": [t.pk for t in service.templates.all()],
                    "revision": service.revision,
                }
            )
            formset = definition_formset(definition=service.input_definition)
        return self._render(request, service, form, formset)

    def _render(
        self,
        request: HttpRequest,
        service: Service | None,
        form: Any,
        formset: Any,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"service": service, "form": form, "formset": formset},
            status=status,
        )

    def post(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        service = self._service(slug)
        form = ServiceForm(request.POST)
        formset = definition_formset(data=request.POST)
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if not (form_ok and formset_ok):
            return self._render(request, service, form, formset, status=400)
        fields = form.service_fields() | {"input_definition": formset.definition}
        templates = list(form.cleaned_data.get("templates") or [])
        changelog = form.cleaned_data.get("changelog") or ""

        def save() -> tuple[Service, str]:
            try:
                if service is None:
                    saved = service_create(
                        actor=actor_of(request), templates=templates, changelog=changelog, **fields
                    )
                    verb = "created"
                else:
                    saved = service_update(
                        service=service,
                        actor=actor_of(request),
                        templates=templates,
                        changelog=changelog,
                        expected_revision=form.cleaned_data.get("revision"),
                        **fields,
                    )
                    verb = "saved"
                if request.POST.get("intent") == "publish" and saved.status != "active":
                    service_publish(service=saved, actor=actor_of(request))
                    verb += " and published"
            except ValidationError as exc:  # the definition's errors also go above the rows
                if hasattr(exc, "error_dict") and "input_definition" in exc.error_dict:
                    errors = exc.message_dict["input_definition"]
                    # Django has no public setter for a formset's non-form errors.
                    formset._non_form_errors = formset.error_class(errors)  # type: ignore[attr-defined]
                raise
            return saved, verb

        ok, result = call_service(request, save, form=form)
        if not ok or result is None:
            status = invalid_status(form)
            return self._render(request, service, form, formset, status=status)
        service, verb = result
        version = service.current_version
        messages.success(
            request,
            f"“{service.name}” {verb}" + (f" (version {version.number})." if version else "."),
        )
        return redirect(service.get_absolute_url())


class ServicePreviewView(RoleRequiredMixin, View):
    """htmx: the request form the current editor state produces (same rendering as intake)."""

    read_roles = CATALOG_EDITORS
    write_roles = CATALOG_EDITORS

    def post(self, request: HttpRequest) -> HttpResponse:
        formset = definition_formset(data=request.POST)
        context: dict[str, Any] = {"formset": formset}
        if formset.is_valid():
            context["form"] = build_answers_form(formset.definition, auto_id="preview_%s")
        return render(request, "catalog/includes/preview.html", context)


class ServiceTransitionView(RoleRequiredMixin, View):
    read_roles = CATALOG_EDITORS
    write_roles = CATALOG_EDITORS

    def post(self, request: HttpRequest, slug: str, name: str) -> HttpResponse:
        service = get_object_or_404(Service, slug=slug)
        actions = {"publish": service_publish, "retire": service_retire}
        if name not in actions:
            raise Http404
        ok, _ = call_service(request, actions[name], service=service, actor=request.user)
        if ok:
            messages.success(
                request, f"“{service.name}” is now {service.get_status_display().lower()}."
            )
        return redirect(service.get_absolute_url())
