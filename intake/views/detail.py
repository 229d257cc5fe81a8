"""The request page (SLA, score explanation, events, comments) and its actions: transitions, triage, comments, attachments, watching."""

from __future__ import annotations

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, COMMENTERS, has_role
from mops.core.actors import actor_of
from mops.core.uploads import attachment_response
from mops.core.views import call_service

from .. import hooks, scoring, selectors, services, slaclock
from ..forms import TriageForm
from ..models import (
    REQUEST_LIFECYCLE,
    TRIAGE_DECISIONS,
    Status,
)
from ._common import TRIAGERS, _version, _visible_request

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
