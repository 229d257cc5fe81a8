"""Template pages: list, detail, edit, publish a version, roll back."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import READ_EVERYTHING
from mops.core.views import ObjectEditView, ObjectListView, call_service

from .. import selectors
from ..filters import TemplateFilter
from ..forms import TemplateForm, TemplateRollbackForm, TemplateVersionForm
from ..models import Template
from ..services import (
    CATALOG_EDITORS,
    can_edit_catalog,
    template_create,
    template_publish,
    template_rollback,
    template_update,
)


class TemplateListView(ObjectListView):
    template_name = "catalog/template_list.html"
    read_roles = READ_EVERYTHING
    filterset_class = TemplateFilter
    selector = staticmethod(selectors.templates)
    edit_roles = CATALOG_EDITORS


class TemplateDetailView(RoleRequiredMixin, TemplateView):
    template_name = "catalog/template_detail.html"
    read_roles = READ_EVERYTHING

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        template = get_object_or_404(selectors.templates(), slug=kwargs["slug"])
        context = super().get_context_data(**kwargs)
        context.update(
            template=template,
            versions=list(selectors.template_versions(template)),
            services=list(template.services.order_by("name")),
            can_edit=can_edit_catalog(self.request.user),
            rollback_form=kwargs.get("rollback_form") or TemplateRollbackForm(),
        )
        return context


class TemplateEditView(ObjectEditView):
    """New template (with its version 1) or an edit of the template's own fields."""

    read_roles = write_roles = CATALOG_EDITORS
    model, form_class, object_name = Template, TemplateForm, "template"
    template_name = "catalog/template_form.html"
    create_service = staticmethod(template_create)
    update_service = staticmethod(template_update)
    success_message = "Template “{obj.name}” saved."

    def get_extra_forms(self, obj: Template | None, data: Any = None) -> dict[str, Any]:
        if obj is not None:
            return {"version_form": None}  # versions are published on their own page
        if data is None:
            return {"version_form": TemplateVersionForm(initial={"changelog": "First version."})}
        return {"version_form": TemplateVersionForm(data)}

    def service_fields(self, obj: Any, form: Any) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in TemplateForm.Meta.fields}

    def create_kwargs(self, extra: dict[str, Any]) -> dict[str, Any]:
        return dict(extra["version_form"].cleaned_data)

    def get_success_url(self, saved: Template) -> str:
        return reverse("catalog:template_detail", args=[saved.slug])


class TemplatePublishView(RoleRequiredMixin, View):
    """Publish a new version (the form starts from the current one)."""

    read_roles = CATALOG_EDITORS
    write_roles = CATALOG_EDITORS

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        import json

        template = get_object_or_404(Template.objects.select_related("current_version"), slug=slug)
        current = template.current_version
        initial = (
            {
                "content": current.content,
                "spec": json.dumps(current.spec, indent=2),
                "rollback_plan": current.rollback_plan,
            }
            if current
            else {}
        )
        return render(
            request,
            "catalog/template_publish.html",
            {"template": template, "form": TemplateVersionForm(initial=initial)},
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        template = get_object_or_404(Template, slug=slug)
        form = TemplateVersionForm(request.POST)
        if form.is_valid():
            ok, version = call_service(
                request,
                template_publish,
                form=form,
                template=template,
                actor=request.user,
                **form.cleaned_data,
            )
            if ok and version is not None:
                messages.success(request, f"{template.name} version {version.number} published.")
                return redirect("catalog:template_detail", slug=template.slug)
        return render(
            request,
            "catalog/template_publish.html",
            {"template": template, "form": form},
            status=400,
        )


class TemplateRollbackView(RoleRequiredMixin, View):
    read_roles = CATALOG_EDITORS
    write_roles = CATALOG_EDITORS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        template = get_object_or_404(Template, slug=slug)
        form = TemplateRollbackForm(request.POST)
        if form.is_valid():
            ok, version = call_service(
                request,
                template_rollback,
                form=form,
                template=template,
                actor=request.user,
                to_number=form.cleaned_data["to_number"],
                changelog=form.cleaned_data.get("changelog") or "",
            )
            if ok and version is not None:
                messages.success(
                    request,
                    f"{template.name}: version {form.cleaned_data['to_number']} restored "
                    f"as version {version.number}.",
                )
                return redirect("catalog:template_detail", slug=template.slug)
        view = TemplateDetailView()
        view.setup(request, slug=slug)
        context = view.get_context_data(slug=slug, rollback_form=form)
        return render(request, "catalog/template_detail.html", context, status=400)
