"""Request pages: backlog / my team's requests, the request form, the detail page (SLA,
score explanation, events, comments), bulk triage, saved views, weekly review, scoring.

Thin: parse input, call a service or selector, render. Permission rules live in services.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from catalog.forms import AnswersForm, build_answers_form
from catalog.models import Service, ServiceStatus
from catalog.selectors import services_visible_to
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, ALL_ROLES, COMMENTERS, READ_EVERYTHING, Role, has_role
from mops.core.actors import actor_of
from mops.core.uploads import ALLOWED_DESCRIPTION, attachment_response
from mops.core.views import call_service

from . import hooks, scoring, selectors, services, slaclock
from .filters import ARIA_SORT, COLUMN_SORTS, SORTS, RequestFilter
from .forms import ANSWERS_PREFIX, BulkForm, RequestForm, ScoringModelForm, TriageForm, raw_answers
from .models import (
    REQUEST_LIFECYCLE,
    TRIAGE_DECISIONS,
    Request,
    ScoringModel,
    Status,
)
from .tally import TalliedRows

MAKERS = frozenset({Role.REQUESTER, Role.PM, Role.ADMIN})
TRIAGERS = frozenset({Role.PM, Role.ADMIN})
PAGE_SIZE = 50


def _visible_request(user: Any, pk: int, detail: bool = False) -> Request:
    qs = selectors.request_detail(user) if detail else selectors.request_visible_to(user)
    return get_object_or_404(qs, pk=pk)


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


# --- backlog ------------------------------------------------------------------------------


class RequestListView(RoleRequiredMixin, View):
    """PMs: the triage backlog. Requesters: their team's requests and what is expected of
    them. Same filters as the API list; rows in a constant number of queries."""

    read_roles = ALL_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        base = selectors.request_list(request.user)
        filterset = RequestFilter(request.GET or None, queryset=base, request=request)
        if filterset.is_bound and not filterset.is_valid():
            queryset = base.none()
        else:
            queryset = filterset.qs
        # counted from the status tally when the filters allow (tallied_count says)
        page = Paginator(TalliedRows(queryset, filterset.tallied_count), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        triager = has_role(request.user, TRIAGERS)
        now = timezone.now()
        rows = [
            {"r": r, "age": r.age_days(now), "due_in": _due_in(r, now)} for r in page.object_list
        ]
        query = request.GET.copy()
        query.pop("page", None)
        current = (
            filterset.form.cleaned_data.get("sort")
            if filterset.is_bound and filterset.form.is_valid()
            else ""
        ) or "-score"
        context = {
            "sort_headers": _sort_headers(query, current),
            "filter": filterset,
            "page": page,
            "rows": rows,
            "triager": triager,
            "staff_view": selectors.sees_all_requests(request.user),
            "saved_views": list(selectors.saved_views(request.user)),
            "query": query.urlencode(),
            "bulk_actions": BulkForm.ACTIONS,
            "assignees": cast(forms.ChoiceField, BulkForm(ids=[]).fields["assignee"]).choices
            if triager
            else [],
            "sorts": [(k, v[0]) for k, v in SORTS.items()],
            "now": now,
        }
        if getattr(request, "htmx", None):  # django-htmx's; the live refresh: the rows alone
            return render(request, "intake/request_list.html#backlog-rows", context)
        return render(request, "intake/request_list.html", context)


def _sort_headers(query: Any, current: str) -> list[dict[str, str]]:
    """Per sortable column: the link that sorts by it (or flips it) and its aria-sort."""
    headers = []
    for column, (first, other) in COLUMN_SORTS.items():
        active = current in (first, other)
        target = query.copy()
        target["sort"] = other if current == first else first
        target.pop("page", None)
        headers.append(
            {
                "label": {"score": "Score", "age": "Age", "sla": "SLA"}[column],
                "url": "?" + target.urlencode(),
                "aria": ARIA_SORT[current] if active else "",
                "arrow": ("▼" if ARIA_SORT[current] == "descending" else "▲") if active else "",
            }
        )
    return headers


def _due_in(r: Request, now: Any) -> str:
    if not r.sla_due_at or not r.sla_clock:
        return ""
    if r.paused_since:
        return "paused"
    delta = r.sla_due_at - now
    hours = delta.total_seconds() / 3600
    if hours < 0:
        return f"{-hours:.0f} h over" if hours <= -1 else "overdue"
    if hours < 48:
        return f"in {hours:.0f} h"
    return f"in {hours / 24:.0f} d"


class BulkView(RoleRequiredMixin, View):
    """Accept / reject / ask for info / assign / set class on the selected rows."""

    read_roles = TRIAGERS
    write_roles = TRIAGERS

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][: PAGE_SIZE * 4]
        form = BulkForm(request.POST, ids=ids)
        back = reverse("intake:request_list") + (
            "?" + request.POST["query"] if request.POST.get("query") else ""
        )
        if not ids:
            messages.error(request, "Select at least one request.")
            return HttpResponseRedirect(back)
        if not form.is_valid():
            messages.error(
                request, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            )
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        assignee = None
        if data.get("assignee"):
            from django.contrib.auth import get_user_model

            assignee = get_user_model().objects.filter(username=data["assignee"]).first()
        chosen = list(selectors.request_visible_to(request.user).filter(pk__in=ids).order_by("id"))
        ok, result = call_service(
            request,
            services.requests_bulk,
            requests=chosen,
            action=data["action"],
            actor=request.user,
            note=data.get("note", ""),
            assignee=assignee,
            complexity=data.get("complexity", ""),
        )
        if not ok or result is None:
            return HttpResponseRedirect(back)
        done, errors = result
        if done:
            messages.success(request, f"{len(done)} request(s) updated.")
        for ref, message in errors.items():
            messages.error(request, f"{ref}: {message}")
        return HttpResponseRedirect(back)


class SavedViewView(RoleRequiredMixin, View):
    """Save the current filters as a view; rename, share with the team or delete one."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def post(self, request: HttpRequest) -> HttpResponse:
        back = reverse("intake:request_list")
        action = request.POST.get("action", "save")
        raw_id = request.POST.get("view", "") or request.POST.get("delete", "")
        if action != "save" or request.POST.get("delete"):
            if not raw_id.isdigit():
                messages.error(request, "view: pick a saved view.")
                return HttpResponseRedirect(back)
        if request.POST.get("delete") or action == "delete":
            ok, _ = call_service(
                request, services.saved_view_delete, actor=request.user, view_id=int(raw_id)
            )
            if ok:
                messages.success(request, "Saved view deleted.")
            return HttpResponseRedirect(back)
        if action == "rename":
            ok, view = call_service(
                request,
                services.saved_view_update,
                actor=request.user,
                view_id=int(raw_id),
                name=request.POST.get("name", ""),
            )
            if ok and view is not None:
                messages.success(request, f"Renamed to “{view.name}”.")
            return HttpResponseRedirect(back)
        if action in ("share", "unshare"):
            ok, view = call_service(
                request,
                services.saved_view_update,
                actor=request.user,
                view_id=int(raw_id),
                shared=action == "share",
            )
            if ok and view is not None:
                messages.success(
                    request,
                    f"“{view.name}” is now shared with your team."
                    if view.shared
                    else f"“{view.name}” is now yours only.",
                )
            return HttpResponseRedirect(back)
        ok, view = call_service(
            request,
            services.saved_view_save,
            actor=request.user,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=request.POST.get("shared") == "1",
        )
        if not ok or view is None:
            return HttpResponseRedirect(back)
        messages.success(request, f"Saved view “{view.name}”.")
        return HttpResponseRedirect(back + "?" + view.query)


# --- the request form ---------------------------------------------------------------------


class ServicePickView(RoleRequiredMixin, View):
    read_roles = MAKERS

    def get(self, request: HttpRequest) -> HttpResponse:
        services_ = services_visible_to(request.user).filter(
            status=ServiceStatus.ACTIVE, current_version__isnull=False
        )
        return render(request, "intake/service_pick.html", {"services": services_})


class _AnyKey:
    def __contains__(self, key: object) -> bool:
        return True


class RequestFormErrors:
    """Where `call_service` puts a service's refusal on the request page: each error next to
    its field on the request form or its answers form (`answers.<key>`,
    `tracking_plan.<field>`, `scoring_inputs.<factor>`); the rest in `leftovers`, listed
    above the form."""

    fields = _AnyKey()  # every key is placed here, none goes to messages

    def __init__(self, form: RequestForm, answers: Any) -> None:
        self.form, self.answers = form, answers
        self.leftovers: list[str] = []

    def add_error(self, key: str | None, error: Any) -> None:
        message = " ".join(ValidationError(error).messages)
        form, answers = self.form, self.answers
        if key is None:
            self.leftovers.append(message)
        elif key.startswith("answers.") and key[8:] in answers.fields:
            text = message.split(": ", 1)[-1]
            if text not in answers.errors.get(key[8:], []):  # its own check said it
                answers.add_error(key[8:], text)
        elif key.startswith("tracking_plan.") and key[14:] in form.fields:
            form.add_error(key[14:], message)
        elif key.startswith("scoring_inputs.") and f"score_{key[15:]}" in form.fields:
            form.add_error(f"score_{key[15:]}", message)
        elif key in form.fields:
            if message not in form.errors.get(key, []):
                form.add_error(key, message)
        else:
            self.leftovers.append(f"{key}: {message}")


def _error_summary(form: RequestForm, answers: Any) -> list[tuple[str, str, str]]:
    """(field id, label, message) for every field error of both forms, in page order."""
    links = form.error_links()
    for name, field in answers.fields.items():
        for message in answers.errors.get(name, []) if answers.is_bound else []:
            links.append((answers[name].id_for_label, field.label or name, str(message)))
    return links


def _input_definition(service: Service) -> list[dict[str, Any]]:
    """The published version's input definition (only published services are offered)."""
    version = service.current_version
    return version.input_definition if version is not None else []


class _FormMixin:
    template_name = "intake/request_form.html"

    def _forms(
        self,
        http: HttpRequest,
        definition: list,
        initial: dict,
        answers: dict,
        bound: bool,
        service: Service | None = None,
    ) -> tuple[RequestForm, AnswersForm]:
        factors = services.default_scoring_version().parsed()
        data = http.POST if bound else None
        files = http.FILES if bound else None
        form = RequestForm(
            data,
            files,
            initial=initial,
            factors=factors,
            asked=services.standard_fields_asked(definition),
            required=services.submit_required_fields(service, definition) if service else (),
        )
        form.set_tracking_choices(**selectors.tracking_choices(http.user))
        form.set_campaign_hint(
            example=services.campaign_name_example(),
            builder_url=reverse("governance:utm_builder"),
        )
        answers_form = build_answers_form(definition, data, initial=answers, prefix=ANSWERS_PREFIX)
        return form, answers_form

    def _render(self, http: HttpRequest, status: int = 200, **context: Any) -> HttpResponse:
        form, answers = context.get("form"), context.get("answers")
        if form is not None and answers is not None and form.is_bound:
            context.setdefault("summary", _error_summary(form, answers))
        context.setdefault("upload_types", ALLOWED_DESCRIPTION)
        context.setdefault("upload_limit", services.attachment_max_bytes())
        return render(http, self.template_name, context, status=status)


class RequestCreateView(RoleRequiredMixin, _FormMixin, View):
    read_roles = MAKERS
    write_roles = MAKERS

    def _service(self, slug: str) -> Service:
        return get_object_or_404(
            Service.objects.select_related("current_version"),
            slug=slug,
            status=ServiceStatus.ACTIVE,
            current_version__isnull=False,
        )

    def get(self, http: HttpRequest, slug: str) -> HttpResponse:
        service = self._service(slug)
        definition = _input_definition(service)
        form, answers = self._forms(http, definition, {}, {}, False, service)
        return self._render(http, service=service, form=form, answers=answers, obj=None)

    def post(self, http: HttpRequest, slug: str) -> HttpResponse:
        """Save a draft, or submit: the draft, its files and the submission are one
        transaction, so a submit that fails leaves no draft behind (one per attempt)."""
        service = self._service(slug)
        definition = _input_definition(service)
        form, answers = self._forms(http, definition, {}, {}, True, service)
        context = {"service": service, "form": form, "answers": answers, "obj": None}
        if not form.is_valid():
            return self._render(http, status=400, **context)
        submit = http.POST.get("intent") == "submit"
        target = RequestFormErrors(form, answers)
        ok, obj = call_service(
            http,
            services.request_create,
            form=target,
            service=service,
            actor=http.user,
            answers=raw_answers(answers),
            attachments=form.cleaned_data.get("attachments") or [],
            submit=submit,
            **form.values(),
        )
        if not ok or obj is None:
            errors = target.leftovers
            return self._render(http, status=400, errors=errors, submit_failed=submit, **context)
        if submit:
            messages.success(http, f"{obj.reference} submitted.")
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(http, f"Draft {obj.reference} saved.")
        return HttpResponseRedirect(reverse("intake:request_edit", args=[obj.pk]))


SUBMITTED_MESSAGES = {
    "submit": "{ref} submitted.",
    "answer": "{ref} answered and resubmitted to MOPS.",
}


def _submit(
    http: HttpRequest, obj: Request, form: RequestForm, answers: Any, name: str
) -> HttpResponse:
    target = RequestFormErrors(form, answers)
    ok, done = call_service(
        http,
        services.request_transition,
        form=target,
        request=obj,
        name=name,
        actor=http.user,
        note=http.POST.get("note", ""),
    )
    if not ok or done is None:
        obj.refresh_from_db()
        form.data = cast(QueryDict, form.data).copy()  # bound to the POST
        form.data["version"] = str(obj.version)
        return _FormMixin()._render(
            http,
            status=400,
            service=obj.service,
            form=form,
            answers=answers,
            obj=obj,
            errors=target.leftovers,
            submit_failed=True,
        )
    obj = done
    messages.success(http, SUBMITTED_MESSAGES[name].format(ref=obj.reference))
    return HttpResponseRedirect(obj.get_absolute_url())


class RequestEditView(RoleRequiredMixin, _FormMixin, View):
    """Edit a draft (then submit) or a request waiting on the requester (then answer)."""

    read_roles = MAKERS
    write_roles = MAKERS

    def _obj(self, http: HttpRequest, pk: int) -> Request:
        obj = _visible_request(http.user, pk)
        if not services.can_edit(obj, http.user):
            raise PermissionDenied("This request cannot be edited in its current state.")
        return obj

    def get(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = self._obj(http, pk)
        form, answers = self._forms(
            http,
            obj.service_version.input_definition,
            RequestForm.initial_for(obj),
            obj.answers,
            False,
            obj.service,
        )
        return self._render(http, service=obj.service, form=form, answers=answers, obj=obj)

    def post(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = self._obj(http, pk)
        form, answers = self._forms(
            http,
            obj.service_version.input_definition,
            RequestForm.initial_for(obj),
            {},
            True,
            obj.service,
        )
        context = {"service": obj.service, "form": form, "answers": answers, "obj": obj}
        if not form.is_valid():
            return self._render(http, status=400, **context)

        def save() -> Request:
            saved = services.request_update(
                request=obj,
                actor=actor_of(http),
                expected_version=form.cleaned_data.get("version"),
                answers=raw_answers(answers),
                **form.values(),
            )
            if form.cleaned_data.get("attachments"):
                services.attachments_add(
                    request=saved, files=form.cleaned_data["attachments"], actor=actor_of(http)
                )
            return saved

        target = RequestFormErrors(form, answers)
        ok, saved = call_service(http, save, form=target)
        if not ok or saved is None:
            return self._render(http, status=400, **context, errors=target.leftovers)
        obj = saved
        intent = http.POST.get("intent")
        if intent in ("submit", "answer"):
            return _submit(http, obj, form, answers, intent)
        messages.success(http, f"{obj.reference} saved.")
        return HttpResponseRedirect(reverse("intake:request_edit", args=[obj.pk]))


# --- detail -------------------------------------------------------------------------------


class RequestDetailView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES

    def get(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = _visible_request(http.user, pk, detail=True)
        now = timezone.now()
        clocks = services.request_clocks(obj, now=now)
        transitions = [
            t
            for t in REQUEST_LIFECYCLE.available(state=obj.status, roles=actor_of(http).roles)
            if not (t.name in TRIAGE_DECISIONS and obj.requester_id == http.user.pk)
            and (t.name not in ("submit", "answer"))
        ]
        version = obj.scoring_model_version
        explanation = (
            scoring.explain(version.parsed(), obj.scoring_inputs or {}) if version else None
        )
        definition = obj.service_version.input_definition or []
        answers = [
            (f["label"], obj.answers.get(f["key"]))
            for f in definition
            if f["key"] in (obj.answers or {})
        ]
        triage_form = None
        if has_role(http.user, TRIAGERS) and obj.status not in (
            Status.CLOSED,
            Status.CANCELLED,
            Status.REJECTED,
        ):
            triage_form = TriageForm(
                initial={
                    "complexity": obj.complexity,
                    "assignee": obj.assignee.username if obj.assignee else "",
                    "version": obj.version,
                }
            )
        watching = any(w.user_id == http.user.pk for w in obj.watchers.all())
        context = {
            "obj": obj,
            "clocks": [
                (
                    clocks[name],
                    label,
                    slaclock.format_business(clocks[name].used),
                    slaclock.format_business(clocks[name].target),
                )
                for name, label in (
                    (slaclock.TRIAGE, "Triage"),
                    (slaclock.DELIVERY, "Delivery (time to campaign)"),
                )
            ],
            "transitions": transitions,
            "explanation": explanation,
            "answers": answers,
            "can_edit": services.can_edit(obj, http.user),
            "can_attach": services.can_attach(obj, http.user),
            "triage_form": triage_form,
            "watching": watching,
            "now": now,
            "next_steps": hooks.next_steps(obj, http.user),
        }
        return render(http, "intake/request_detail.html", context)


class RequestTransitionView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def post(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = _visible_request(http.user, pk)
        name = http.POST.get("name", "")
        transition = REQUEST_LIFECYCLE.transitions.get(name)
        if transition and transition.confirm and http.POST.get("confirmed") != "1":
            # A destructive step is confirmed on a page that says what it does.
            context = {
                "obj": obj,
                "transition": transition,
                "text": transition.confirm_text(obj.reference),
                "note": http.POST.get("note", ""),
                "version": http.POST.get("version", ""),
                "needs_note": transition.needs_note_from(obj.status),
            }
            return render(http, "intake/transition_confirm.html", context)
        ok, done = call_service(
            http,
            services.request_transition,
            request=obj,
            name=name,
            actor=http.user,
            note=http.POST.get("note", ""),
            expected_version=_version(http),
        )
        if ok and done is not None:
            obj = done
            messages.success(http, f"{obj.reference} is now {obj.get_status_display()}.")
        return HttpResponseRedirect(obj.get_absolute_url())


class RequestTriageView(RoleRequiredMixin, View):
    read_roles = TRIAGERS
    write_roles = TRIAGERS

    def post(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = _visible_request(http.user, pk)
        form = TriageForm(http.POST)
        if not form.is_valid():
            messages.error(
                http, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in form.errors.items())
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        ok, _ = call_service(
            http,
            services.request_update,
            request=obj,
            actor=http.user,
            expected_version=form.cleaned_data["version"],
            complexity=form.cleaned_data["complexity"],
            assignee=form.cleaned_data["assignee"],
        )
        if ok:
            messages.success(http, "Saved.")
        return HttpResponseRedirect(obj.get_absolute_url())


class CommentView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES
    write_roles = COMMENTERS  # leadership reads only

    def post(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = _visible_request(http.user, pk)
        ok, comment = call_service(
            http,
            services.comment_create,
            request=obj,
            actor=http.user,
            body=http.POST.get("body", ""),
        )
        if not ok or comment is None:
            return HttpResponseRedirect(obj.get_absolute_url() + "#comments")
        return HttpResponseRedirect(obj.get_absolute_url() + f"#comment-{comment.pk}")


class AttachmentUploadView(RoleRequiredMixin, View):
    """Add files to a request from its page (who may: `services.can_attach`)."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def post(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = _visible_request(http.user, pk)
        files = http.FILES.getlist("attachments")
        back = obj.get_absolute_url() + "#attachments"
        if not files:
            messages.error(http, "attachments: choose a file to attach.")
            return HttpResponseRedirect(back)
        ok, added = call_service(
            http, services.attachments_add, request=obj, files=files, actor=http.user
        )
        if not ok or added is None:
            return HttpResponseRedirect(back)
        messages.success(http, f"Attached {', '.join(a.filename for a in added)}.")
        return HttpResponseRedirect(back)


class AttachmentDownloadView(RoleRequiredMixin, View):
    """One attachment, as an inert download; 404 unless the request is visible."""

    read_roles = ALL_ROLES

    def get(self, http: HttpRequest, pk: int, attachment_id: int) -> HttpResponseBase:
        attachment = get_object_or_404(
            selectors.request_attachments(http.user, pk), pk=attachment_id
        )
        return attachment_response(attachment.file, filename=attachment.filename)


class WatchView(RoleRequiredMixin, View):
    read_roles = ALL_ROLES
    write_roles = ALL_ROLES

    def post(self, http: HttpRequest, pk: int) -> HttpResponse:
        obj = _visible_request(http.user, pk)
        services.watcher_set(
            request=obj, actor=actor_of(http), watching=http.POST.get("watch") == "1"
        )
        return HttpResponseRedirect(obj.get_absolute_url())


# --- review and scoring -------------------------------------------------------------------


class ReviewView(RoleRequiredMixin, View):
    read_roles = READ_EVERYTHING

    def get(self, http: HttpRequest) -> HttpResponse:
        return render(http, "intake/review.html", {"review": selectors.weekly_review()})


class ScoringView(RoleRequiredMixin, View):
    """The default scoring model: its factors, versions; admins save a new version, which
    rescores the open backlog."""

    read_roles = READ_EVERYTHING
    write_roles = ADMINS

    def _model(self) -> ScoringModel:
        services.default_scoring_version()
        model = selectors.scoring_models().filter(is_default=True).first()
        if model is None:
            raise Http404
        return model

    def get(self, http: HttpRequest) -> HttpResponse:
        model = self._model()
        import json

        version = model.current_version
        form = ScoringModelForm(
            initial={
                "factors": json.dumps(version.factors if version else [], indent=2),
                "version": model.version,
            }
        )
        return self._render(http, model, form)

    def _render(self, http: HttpRequest, model: ScoringModel, form: Any, errors: Any = ()) -> Any:
        return render(
            http,
            "intake/scoring.html",
            {
                "model": model,
                "factors": model.current_version.parsed() if model.current_version else [],
                "versions": model.versions.order_by("-number")[:20],
                "form": form,
                "errors": errors,
                "can_edit": has_role(http.user, ADMINS),
            },
        )

    def post(self, http: HttpRequest) -> HttpResponse:
        model = self._model()
        form = ScoringModelForm(http.POST)
        if not form.is_valid():
            return self._render(http, model, form)
        ok, version = call_service(
            http,
            services.scoring_model_update,
            form=form,
            scoring_model=model,
            factors=form.cleaned_data["factors"],
            actor=http.user,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
        if not ok or version is None:
            return self._render(http, model, form)
        version.refresh_from_db()
        messages.success(
            http,
            f"Version {version.number} saved; {version.rescored_count} requests rescored "
            f"in {version.rescore_ms} ms.",
        )
        return HttpResponseRedirect(reverse("intake:scoring"))
