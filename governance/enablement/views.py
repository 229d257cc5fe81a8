"""Pages of enablement: the playbook library (search, read, rate, edit, restore) and
training (courses, enrolment, modules with their quiz)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View

from catalog.models import ServiceStatus
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, has_role
from mops.core.concurrency import StaleVersion
from mops.core.richtext import render_markdown

from . import docs, selectors
from .filters import PlaybookFilter
from .forms import FeedbackForm, PlaybookForm, QuizForm
from .models import Course, CourseModule, Playbook
from .services import (
    EDITORS,
    LEARNERS,
    course_enrol,
    module_submit,
    playbook_feedback,
    playbook_read,
    playbook_restore,
    playbook_save,
)


def _errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)


class PlaybookListView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = PlaybookFilter(request.GET, queryset=selectors.playbooks_base())
        playbooks = list(filterset.qs[:100]) if filterset.is_valid() else []
        for p in playbooks:
            p.headline_html = selectors.highlighted(getattr(p, "headline", "") or "")
        return render(
            request,
            "enablement/playbook_list.html",
            {
                "playbooks": playbooks,
                "filter": filterset,
                "today": timezone.localdate(),
                "can_edit": has_role(request.user, EDITORS),
            },
            status=200 if filterset.is_valid() else 400,
        )


class PlaybookDetailView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        playbook = get_object_or_404(
            Playbook.objects.select_related("category", "owner").prefetch_related("services"),
            slug=slug,
        )
        playbook_read(user=request.user, playbook=playbook)
        mine = playbook.feedback.filter(user=request.user).first()
        return render(
            request,
            "enablement/playbook_detail.html",
            {
                "playbook": playbook,
                "html": render_markdown(playbook.body),
                "stale": playbook.is_stale(),
                "versions": selectors.playbook_versions(playbook)[:20],
                "mine": mine,
                "helpful": playbook.feedback.filter(helpful=True).count(),
                "unhelpful": playbook.feedback.filter(helpful=False).count(),
                "can_edit": has_role(request.user, EDITORS),
                "can_rate": has_role(request.user, LEARNERS),
                "courses": Course.objects.filter(modules__playbook=playbook).distinct(),
                "services": [
                    s for s in playbook.services.all() if s.status == ServiceStatus.ACTIVE
                ],
            },
        )


class PlaybookFeedbackView(RoleRequiredMixin, View):
    read_roles = LEARNERS
    write_roles = LEARNERS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        playbook = get_object_or_404(Playbook, slug=slug)
        form = FeedbackForm(request.POST)
        if form.is_valid():
            playbook_feedback(
                actor=request.user,
                playbook=playbook,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
            )
            messages.success(request, "Thanks — your answer is recorded.")
        else:
            messages.error(request, "Answer yes or no.")
        return redirect(playbook.get_absolute_url())


class PlaybookEditView(RoleRequiredMixin, View):
    read_roles = EDITORS
    write_roles = EDITORS

    def _render(self, request: HttpRequest, form: PlaybookForm, playbook: Playbook | None, status: int = 200) -> HttpResponse:  # fmt: skip
        return render(
            request,
            "enablement/playbook_form.html",
            {"form": form, "playbook": playbook},
            status=status,
        )

    def get(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        playbook = get_object_or_404(Playbook, slug=slug) if slug else None
        initial: dict[str, Any] = {}
        if playbook is not None:
            initial = {
                "title": playbook.title,
                "slug": playbook.slug,
                "summary": playbook.summary,
                "body": playbook.body,
                "category": playbook.category_id,
                "owner": playbook.owner_id,
                "review_by": playbook.review_by,
                "services": list(playbook.services.values_list("pk", flat=True)),
                "version": playbook.version,
            }
        return self._render(request, PlaybookForm(initial=initial), playbook)

    def post(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        playbook = get_object_or_404(Playbook, slug=slug) if slug else None
        form = PlaybookForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = playbook_save(
                    actor=request.user,
                    playbook=playbook,
                    slug=data["slug"],
                    title=data["title"],
                    summary=data["summary"],
                    body=data["body"],
                    category=data["category"],
                    owner=data["owner"],
                    review_by=data["review_by"],
                    services=list(data["services"]),
                    expected_version=data["version"],
                )
            except ValidationError as exc:
                _errors_to_form(form, exc)
            except StaleVersion as exc:
                form.add_error(None, exc.message)
                return self._render(request, form, playbook, status=412)
            else:
                messages.success(request, f"Playbook saved (v{saved.version}).")
                return redirect(saved.get_absolute_url())
        return self._render(request, form, playbook, status=400)


class PlaybookRestoreView(RoleRequiredMixin, View):
    read_roles = EDITORS
    write_roles = EDITORS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        playbook = get_object_or_404(Playbook, slug=slug)
        try:
            version = int(request.POST.get("version", ""))
            expected = int(request.POST["current"]) if request.POST.get("current") else None
        except ValueError:
            messages.error(request, "Choose a version number to restore.")
            return redirect(playbook.get_absolute_url())
        try:
            restored = playbook_restore(
                actor=request.user, playbook=playbook, version=version, expected_version=expected
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except StaleVersion as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Version {version} restored as v{restored.version}.")
        return redirect(playbook.get_absolute_url())


# --- training -------------------------------------------------------------------------------


class CourseListView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "enablement/course_list.html",
            {"courses": selectors.courses_with_progress(request.user)},
        )


class CourseDetailView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES
    write_roles = LEARNERS  # POST = enrol oneself

    def _course(self, slug: str) -> Course:
        return get_object_or_404(Course.objects.prefetch_related("unlocks"), slug=slug)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        course = self._course(slug)
        enrolment = course.enrolments.filter(user=request.user).first()
        passed = selectors.passed_module_ids(request.user, course)
        modules = list(course.modules.select_related("playbook"))
        return render(
            request,
            "enablement/course_detail.html",
            {
                "course": course,
                "unlocks": [s for s in course.unlocks.all() if s.status == ServiceStatus.ACTIVE],
                "enrolment": enrolment,
                "modules": [(m, m.pk in passed) for m in modules],
                "can_learn": has_role(request.user, LEARNERS),
            },
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        course = self._course(slug)
        course_enrol(actor=request.user, course=course)
        messages.success(request, f"You are enrolled in {course.title}.")
        return redirect(course.get_absolute_url())


class ModuleView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES
    write_roles = LEARNERS  # POST = answer the quiz

    def _module(self, slug: str, position: int) -> CourseModule:
        return get_object_or_404(
            CourseModule.objects.select_related("course", "playbook"),
            course__slug=slug,
            position=position,
        )

    def _render(self, request: HttpRequest, module: CourseModule, form: QuizForm, status: int = 200, score: int | None = None) -> HttpResponse:  # fmt: skip
        playbook_read(user=request.user, playbook=module.playbook)
        return render(
            request,
            "enablement/module.html",
            {
                "module": module,
                "course": module.course,
                "form": form,
                "html": render_markdown(module.playbook.body),
                "score": score,
                "passed": module.pk in selectors.passed_module_ids(request.user, module.course),
                "can_learn": has_role(request.user, LEARNERS),
            },
            status=status,
        )

    def get(self, request: HttpRequest, slug: str, position: int) -> HttpResponse:
        module = self._module(slug, position)
        return self._render(request, module, QuizForm(module))

    def post(self, request: HttpRequest, slug: str, position: int) -> HttpResponse:
        module = self._module(slug, position)
        form = QuizForm(module, request.POST)
        if not form.is_valid():
            return self._render(request, module, form, status=400)
        try:
            score, passed = module_submit(actor=request.user, module=module, answers=form.answers())
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self._render(request, module, form, status=400)
        if not passed:
            form.add_error(
                None, f"{score}% right; {module.pass_mark}% passes. Read it again and retry."
            )
            return self._render(request, module, form, status=400, score=score)
        following = module.course.modules.filter(position__gt=module.position).first()
        messages.success(request, f"Passed with {score}%.")
        if following is not None:
            return redirect(
                "enablement:module", slug=module.course.slug, position=following.position
            )
        return redirect(module.course.get_absolute_url())


# --- live docs ------------------------------------------------------------------------------


class DocsIndexView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "enablement/docs_index.html",
            {
                "taxonomy": docs.active_taxonomy(),
                "contracts": docs.contracts(),
                "maps": docs.process_maps(),
            },
        )


class ProcessMapView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        found = docs.process_map(key)
        if found is None:
            raise Http404("No such process.")
        return render(
            request,
            "enablement/docs_process.html",
            {
                "map": found,
                # Generated from code declarations, every text XML-escaped (statediagram).
                "svg": mark_safe(found.svg()),  # noqa: S308
                "transitions": [
                    {
                        "title": t.title,
                        "sources": sorted(t.sources, key=found.lifecycle.states.index),
                        "target": t.target,
                        "driven_by": t.driven_by,
                        "roles": sorted(t.roles),
                    }
                    for t in found.lifecycle.transitions.values()
                ],
            },
        )


class TaxonomyDocView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        version = docs.active_taxonomy()
        sections = []
        if version is not None:
            sections = [
                ("Sources", version.sources),
                ("Mediums", version.mediums),
                ("Channel grouping rules", version.channel_rules),
                ("Naming convention", version.naming),
            ]
        return render(
            request,
            "enablement/docs_taxonomy.html",
            {
                "version": version,
                "sections": [(t, json.dumps(v, indent=2, ensure_ascii=False)) for t, v in sections],
                "changed": docs.last_change(docs.taxonomy_model()),
            },
        )


class ContractDocView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        contract = docs.contract(pk)
        if contract is None:
            raise Http404("No such contract.")
        return render(
            request,
            "enablement/docs_contract.html",
            {
                "contract": contract,
                "spec": json.dumps(contract.spec, indent=2, ensure_ascii=False, default=str),
                "changed": docs.last_change(docs.contract_model(), contract.pk),
            },
        )
