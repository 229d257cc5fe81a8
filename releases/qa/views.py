"""QA pages: a request's checklists, evidence, checklist templates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, READ_EVERYTHING, has_role
from mops.core.actors import actor_of
from mops.core.uploads import attachment_response
from mops.core.views import ObjectEditView, ObjectListView, call_service, flash_form_errors
from releases import work
from releases.boarding import services as boarding_services
from releases.boarding.views import visible_request
from releases.common import BOARDERS, CHECKERS, TEMPLATE_EDITORS
from releases.qa import selectors
from releases.qa import services as qa_services
from releases.qa.filters import ChecklistTemplateFilter
from releases.qa.forms import (
    ChecklistPublishForm,
    ChecklistTemplateForm,
    ItemResultForm,
    PreflightForm,
    item_lines,
)
from releases.qa.models import ChecklistTemplate, ItemResult, PreflightStatus

# --- QA checklists ----------------------------------------------------------------------------

PREFLIGHT_PENDING = (PreflightStatus.QUEUED, PreflightStatus.RUNNING)


class RequestQaView(RoleRequiredMixin, View):
    """A request's checklist runs: tick items with evidence, run automated checks.
    Runs are instantiated here if the in-QA hook has not done it yet."""

    read_roles = MOPS_STAFF | READ_EVERYTHING
    write_roles = CHECKERS

    def get(self, request: HttpRequest, pk: int, status: int = 200) -> HttpResponse:
        work_request = visible_request(request, pk)
        if work.request_status(work_request) in (work.IN_QA,):
            qa_services.checklists_instantiate(request=work_request)
        runs = selectors.checklist_runs_for(work_request)
        recent = list(selectors.preflight_runs().filter(request=work_request)[:10])
        # The live part alone when its own poll asks (htmx), the whole page otherwise.
        htmx = getattr(request, "htmx", None)  # set by django-htmx's middleware
        polled = bool(htmx and htmx.target == "qa-live")
        return render(
            request,
            "releases/_qa_live.html" if polled else "releases/request_qa.html",
            {
                "work_request": work_request,
                "label": work.request_label(work_request),
                "runs": runs,
                "preflight_form": PreflightForm(),
                "recent": recent,
                "pending": [p for p in recent if p.status in PREFLIGHT_PENDING],
                "can_check": has_role(request.user, CHECKERS),
                "can_board": has_role(request.user, BOARDERS),
                "rollback_plan": work.request_rollback_plan(work_request),
                "verdict": boarding_services.preflight_verdict(work_request),
            },
            status=status,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        work_request = visible_request(request, pk)
        action = request.POST.get("action", "")
        if action == "tick":
            result = get_object_or_404(
                ItemResult, pk=request.POST.get("result") or 0, run__request=work_request
            )
            form = ItemResultForm(request.POST, request.FILES)
            if not form.is_valid():
                flash_form_errors(request, form)
            elif call_service(
                request,
                qa_services.item_result_record,
                result=result,
                actor=request.user,
                state=form.cleaned_data["state"],
                evidence_link=form.cleaned_data.get("evidence_link") or "",
                evidence_file=form.cleaned_data.get("evidence_file"),
                evidence_note=form.cleaned_data.get("evidence_note") or "",
                expected_version=form.cleaned_data["version"],
            )[0]:
                messages.success(request, "Checklist item recorded.")
        elif action == "preflight":
            preflight_form = PreflightForm(request.POST)
            if not preflight_form.is_valid():
                flash_form_errors(request, preflight_form)
            else:
                item_result = None
                if preflight_form.cleaned_data.get("item_result"):
                    item_result = get_object_or_404(
                        ItemResult,
                        pk=preflight_form.cleaned_data["item_result"],
                        run__request=work_request,
                    )
                if call_service(
                    request,
                    qa_services.preflight_start,
                    request=work_request,
                    actor=request.user,
                    check=preflight_form.cleaned_data["check"],
                    html=preflight_form.cleaned_data.get("html", ""),
                    urls=preflight_form.url_list(),
                    item_result=item_result,
                )[0]:
                    messages.success(
                        request, "Check queued; this page updates itself when it ends."
                    )
        else:
            messages.error(request, f"Unknown action '{action}'.")
        return redirect(reverse("releases:request_qa", args=[pk]))


class EvidenceDownloadView(RoleRequiredMixin, View):
    """One evidence file, as an inert attachment; 404 unless its request is visible (so its
    requester's team may download it too)."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        visible = work.requests_visible_to(request.user).values("pk")
        result = get_object_or_404(ItemResult, pk=pk, run__request__in=visible)
        return attachment_response(
            result.evidence_file, filename=result.evidence_filename or "evidence"
        )


# --- checklist templates ----------------------------------------------------------------------


class TemplateListView(ObjectListView):
    template_name = "releases/template_list.html"
    read_roles = MOPS_STAFF | READ_EVERYTHING
    filterset_class = ChecklistTemplateFilter
    selector = staticmethod(selectors.checklist_templates)
    edit_roles = TEMPLATE_EDITORS


class TemplateCreateView(ObjectEditView):
    read_roles = write_roles = TEMPLATE_EDITORS
    form_class, object_name = ChecklistTemplateForm, "template"
    template_name = "releases/template_form.html"
    create_service = staticmethod(qa_services.checklist_template_create)

    def get_object(self) -> None:
        return None  # a new checklist only: its items change by publishing a version

    def get_success_url(self, saved: ChecklistTemplate) -> str:
        return reverse("releases:template_detail", args=[saved.slug])


class TemplateDetailView(RoleRequiredMixin, View):
    read_roles = MOPS_STAFF | READ_EVERYTHING
    write_roles = TEMPLATE_EDITORS

    def _template(self, slug: str) -> ChecklistTemplate:
        return get_object_or_404(ChecklistTemplate, slug=slug)

    def get(self, request: HttpRequest, slug: str, form: forms.Form | None = None) -> HttpResponse:
        template = self._template(slug)
        versions = list(template.versions.select_related("created_by").prefetch_related("items"))
        current = template.current_version
        items = list(current.items.all()) if current else []
        return render(
            request,
            "releases/template_detail.html",
            {
                "template": template,
                "versions": versions,
                "items": items,
                "form": form or ChecklistPublishForm(initial={"items": item_lines(items)}),
                "can_edit": has_role(request.user, TEMPLATE_EDITORS),
            },
            status=400 if form is not None else 200,
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        template = self._template(slug)
        form = ChecklistPublishForm(request.POST)
        if form.is_valid():
            ok, version = call_service(
                request,
                qa_services.checklist_template_publish,
                form=form,
                template=template,
                actor=request.user,
                items=form.cleaned_data["items"],
                changelog=form.cleaned_data["changelog"],
            )
            if ok and version is not None:
                messages.success(request, f"Published version {version.number}.")
                return redirect(reverse("releases:template_detail", args=[slug]))
        return self.get(request, slug, form=form)


class ChecklistCopyView(RoleRequiredMixin, View):
    write_roles = TEMPLATE_EDITORS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        template = get_object_or_404(ChecklistTemplate, slug=slug)
        copy = qa_services.checklist_template_copy(template=template, actor=actor_of(request))
        messages.success(request, f"Copied to “{copy.name}”: publish a new version to adjust it.")
        return redirect("releases:template_detail", slug=copy.slug)
