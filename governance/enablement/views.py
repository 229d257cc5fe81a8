"""Pages of enablement: the playbook library (search, read, rate, edit, restore),
training (courses, enrolment, modules with their quiz), office hours (sessions, booking,
the host's attendance, the iCalendar feed) and the live docs."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views import View

from catalog.models import ServiceStatus
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, has_role
from mops.core.actors import actor_of
from mops.core.concurrency import StaleVersion
from mops.core.richtext import render_markdown
from mops.core.views import call_service

from . import docs, feeds, selectors
from .filters import PlaybookFilter
from .forms import (
    AttendanceForm,
    CourseForm,
    FeedbackForm,
    ModuleForm,
    OfficeHoursForm,
    PlaybookForm,
    QuizForm,
)
from .models import Course, CourseModule, OfficeHours, OfficeHoursSession, Playbook
from .quiztext import quiz_format
from .services import (
    EDITORS,
    LEARNERS,
    OFFICE_HOURS_FIELDS,
    booking_cancel,
    course_enrol,
    course_save,
    module_save,
    module_submit,
    office_hours_save,
    playbook_feedback,
    playbook_read,
    playbook_restore,
    playbook_save,
    session_attendance,
    session_book,
    session_cancel,
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
        playbook_read(user=actor_of(request), playbook=playbook)
        mine = playbook.feedback.filter(user=actor_of(request)).first()
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
                actor=actor_of(request),
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
                    actor=actor_of(request),
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
                actor=actor_of(request),
                playbook=playbook,
                version=version,
                expected_version=expected,
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
        try:
            score, passed = module_submit(
                actor=actor_of(request), module=module, answers=form.answers()
            )
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


class CourseEditView(RoleRequiredMixin, View):
    """Author a course (PM, engineer, admin) through `course_save`."""

    read_roles = EDITORS
    write_roles = EDITORS

    def _render(self, request: HttpRequest, form: CourseForm, course: Course | None, status: int = 200) -> HttpResponse:  # fmt: skip
        return render(
            request,
            "enablement/course_form.html",
            {"form": form, "course": course},
            status=status,
        )

    def get(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        course = get_object_or_404(Course, slug=slug) if slug else None
        initial: dict[str, Any] = {}
        if course is not None:
            initial = {
                f: getattr(course, f)
                for f in ("title", "slug", "description", "level", "subject", "tool")
            }
            initial["unlocks"] = list(course.unlocks.values_list("pk", flat=True))
        return self._render(request, CourseForm(initial=initial), course)

    def post(self, request: HttpRequest, slug: str | None = None) -> HttpResponse:
        course = get_object_or_404(Course, slug=slug) if slug else None
        form = CourseForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            ok, saved = call_service(
                request,
                course_save,
                form=form,
                actor=request.user,
                course=course,
                **{**data, "unlocks": list(data["unlocks"])},
            )
            if ok and saved is not None:
                messages.success(request, f"Course saved: {saved.title}.")
                return redirect(saved.get_absolute_url())
        return self._render(request, form, course, status=400)


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


# --- office hours -----------------------------------------------------------------------------


class OfficeHoursView(RoleRequiredMixin, View):
    """Upcoming sessions with seats left and the person's bookings; the series for editors;
    the calendar feed address."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        sessions = list(selectors.sessions_upcoming(request.user)[:60])
        feed = reverse("enablement:office_hours_feed", args=[feeds.feed_token(request.user)])
        feed_url = request.build_absolute_uri(feed)
        return render(
            request,
            "enablement/office_hours.html",
            {
                "sessions": sessions,
                "mine": [s for s in sessions if s.mine],  # type: ignore[attr-defined]  # annotated
                "series": selectors.office_hours_series()
                if has_role(request.user, EDITORS)
                else [],
                "can_edit": has_role(request.user, EDITORS),
                "can_book": has_role(request.user, LEARNERS),
                "feed_url": feed_url,
                "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
            },
        )


class OfficeHoursEditView(RoleRequiredMixin, View):
    read_roles = EDITORS
    write_roles = EDITORS

    def _render(self, request: HttpRequest, form: OfficeHoursForm, series: OfficeHours | None, status: int = 200) -> HttpResponse:  # fmt: skip
        return render(
            request,
            "enablement/office_hours_form.html",
            {"form": form, "series": series},
            status=status,
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        series = get_object_or_404(OfficeHours, pk=pk) if pk else None
        initial: dict[str, Any] = {"host": request.user.pk}
        if series is not None:
            initial = {f: getattr(series, f) for f in OFFICE_HOURS_FIELDS}
            initial["host"], initial["version"] = series.host_id, series.version
        return self._render(request, OfficeHoursForm(initial=initial), series)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        series = get_object_or_404(OfficeHours, pk=pk) if pk else None
        form = OfficeHoursForm(request.POST)
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in OFFICE_HOURS_FIELDS}
            ok, saved = call_service(
                request,
                office_hours_save,
                form=form,
                actor=request.user,
                data=data,
                series=series,
                expected_version=form.cleaned_data["version"] if series else None,
            )
            if ok and saved is not None:
                messages.success(request, f"Office hours saved: {saved.describe()}.")
                return redirect("enablement:office_hours")
        return self._render(request, form, series, status=400)


def _session(pk: int, user: Any) -> OfficeHoursSession:
    return get_object_or_404(selectors.sessions_with_seats(user), pk=pk)


class SessionDetailView(RoleRequiredMixin, View):
    """One session: book or give back a seat; for the host (or a PM/admin) the bookings,
    attendance marking and cancelling the session."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest, pk: int, form: AttendanceForm | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
        session = _session(pk, request.user)
        manage = selectors.session_manageable_by(request.user, session)
        bookings = list(selectors.session_bookings(session)) if manage else []
        active = [b for b in bookings if b.cancelled_at is None]
        if form is None and manage:
            form = AttendanceForm(
                active,
                initial={
                    "version": session.version,
                    "attended": [str(b.user_id) for b in active if b.attended],
                },
            )
        now = timezone.now()
        return render(
            request,
            "enablement/session_detail.html",
            {
                "session": session,
                "series": session.series,
                "started": session.starts_at <= now,
                "cancelled": session.status == "cancelled",
                "can_book": has_role(request.user, LEARNERS),
                "manage": manage,
                "bookings": bookings,
                "form": form,
            },
            status=status,
        )


class SessionBookView(RoleRequiredMixin, View):
    write_roles = LEARNERS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(OfficeHoursSession, pk=pk)
        ok, _ = call_service(request, session_book, actor=request.user, session=session)
        if ok:
            messages.success(request, "You have a seat. It is in your office-hours calendar feed.")
        return redirect(session.get_absolute_url())


class SessionUnbookView(RoleRequiredMixin, View):
    write_roles = LEARNERS

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(OfficeHoursSession, pk=pk)
        ok, _ = call_service(request, booking_cancel, actor=request.user, session=session)
        if ok:
            messages.success(request, "Your booking is cancelled; the seat is free again.")
        return redirect(session.get_absolute_url())


class SessionAttendanceView(RoleRequiredMixin, View):
    write_roles = MOPS_STAFF  # the service also requires the host, a PM or an admin

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(OfficeHoursSession, pk=pk)
        active = selectors.session_bookings(session).filter(cancelled_at__isnull=True)
        form = AttendanceForm(list(active), request.POST)
        if form.is_valid():
            ok, _ = call_service(
                request,
                session_attendance,
                form=form,
                actor=request.user,
                session=session,
                attended=form.cleaned_data["attended"],
                expected_version=form.cleaned_data["version"],
            )
            if ok:
                messages.success(request, "Attendance saved.")
                return redirect(session.get_absolute_url())
        return SessionDetailView().get(request, pk, form=form, status=400)


class SessionCancelView(RoleRequiredMixin, View):
    write_roles = MOPS_STAFF  # the service also requires the host, a PM or an admin

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = get_object_or_404(OfficeHoursSession, pk=pk)
        ok, _ = call_service(
            request,
            session_cancel,
            actor=request.user,
            session=session,
            reason=request.POST.get("reason", "")[:300],
        )
        if ok:
            messages.success(request, "Session cancelled; everyone booked is told by e-mail.")
        return redirect(session.get_absolute_url())


def _ics(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="office-hours.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def office_hours_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    """The feed for calendar subscriptions: the token in the address is the credential."""
    user = feeds.feed_user(token)
    if user is None:
        raise Http404("Unknown feed.")
    return _ics(feeds.office_hours_feed(user, base_url=request.build_absolute_uri("/")[:-1]))


class OfficeHoursMyFeedView(RoleRequiredMixin, View):
    """The same feed for a signed-in person (a download)."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return _ics(
            feeds.office_hours_feed(request.user, base_url=request.build_absolute_uri("/")[:-1])
        )
