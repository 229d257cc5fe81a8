"""Training pages: courses, enrolment, modules with their quiz, authoring."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from catalog.models import ServiceStatus
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, has_role
from mops.core.actors import actor_of
from mops.core.richtext import render_markdown
from mops.core.views import ObjectEditView, call_service

from .. import selectors
from ..forms import (
    CourseForm,
    ModuleForm,
    QuizForm,
)
from ..models import Course, CourseModule
from ..quiztext import quiz_format
from ..services import (
    EDITORS,
    LEARNERS,
    course_enrol,
    course_save,
    module_save,
    module_submit,
    playbook_read,
)


class CourseListView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "enablement/course_list.html",
            {
                "courses": selectors.courses_with_progress(request.user),
                "can_edit": has_role(request.user, EDITORS),
            },
        )


class CourseDetailView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES
    write_roles = LEARNERS  # POST = enrol oneself

    def _course(self, slug: str) -> Course:
        return get_object_or_404(Course.objects.prefetch_related("unlocks"), slug=slug)

    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        course = self._course(slug)
        enrolment = course.enrolments.filter(user=actor_of(request)).first()
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
                "can_edit": has_role(request.user, EDITORS),
            },
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        course = self._course(slug)
        course_enrol(actor=actor_of(request), course=course)
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
        ok, graded = call_service(
            request,
            module_submit,
            form=form,
            field_map={"answers": NON_FIELD_ERRORS},  # the quiz as a whole, above it
            actor=actor_of(request),
            module=module,
            answers=form.answers(),
        )
        if not ok or graded is None:
            return self._render(request, module, form, status=400)
        score, passed = graded
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


class CourseEditView(ObjectEditView):
    """Author a course (PM, engineer, admin) through `course_save`."""

    read_roles = write_roles = EDITORS
    model, form_class, object_name = Course, CourseForm, "course"
    template_name = "enablement/course_form.html"
    create_service = update_service = staticmethod(course_save)
    success_message = "Course saved: {obj.title}."

    def get_initial(self, course: Course | None) -> dict[str, Any]:
        if course is None:
            return {}
        initial = {
            f: getattr(course, f)
            for f in ("title", "slug", "description", "level", "subject", "tool")
        }
        return {**initial, "unlocks": list(course.unlocks.values_list("pk", flat=True))}

    def service_fields(self, course: Course | None, form: Any) -> dict[str, Any]:
        fields = super().service_fields(course, form)
        return {**fields, "unlocks": list(fields["unlocks"])}


class ModuleEditView(RoleRequiredMixin, View):
    """Add a module to a course or edit one (its playbook and quiz) through `module_save`."""

    read_roles = EDITORS
    write_roles = EDITORS

    def _objects(self, slug: str, position: int | None) -> tuple[Course, CourseModule | None]:
        course = get_object_or_404(Course, slug=slug)
        module = get_object_or_404(course.modules, position=position) if position else None
        return course, module

    def _render(self, request: HttpRequest, form: ModuleForm, course: Course, module: CourseModule | None, status: int = 200) -> HttpResponse:  # fmt: skip
        return render(
            request,
            "enablement/module_form.html",
            {"form": form, "course": course, "module": module},
            status=status,
        )

    def get(self, request: HttpRequest, slug: str, position: int | None = None) -> HttpResponse:
        course, module = self._objects(slug, position)
        initial: dict[str, Any] = {}
        if module is not None:
            initial = {
                "title": module.title,
                "playbook": module.playbook_id,
                "quiz": quiz_format(module.quiz),
                "pass_mark": module.pass_mark,
                "position": module.position,
            }
        return self._render(request, ModuleForm(initial=initial), course, module)

    def post(self, request: HttpRequest, slug: str, position: int | None = None) -> HttpResponse:
        course, module = self._objects(slug, position)
        form = ModuleForm(request.POST)
        if form.is_valid():
            ok, saved = call_service(
                request,
                module_save,
                form=form,
                actor=request.user,
                course=course,
                module=module,
                **form.cleaned_data,
            )
            if ok and saved is not None:
                messages.success(request, f"Module {saved.position} saved: {saved.title}.")
                return redirect(course.get_absolute_url())
        return self._render(request, form, course, module, status=400)
