"""RFC pages: list / editor / page (review, schedule, diff, history) and the approval
policies page. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView
from rest_framework.exceptions import APIException

from governance import hooks
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, MOPS_STAFF, has_role
from mops.core.actors import actor_of
from mops.core.lifecycle import TransitionError

from ..pages import errors_to_form as _errors_to_form
from ..pages import problem_text as _problem_text
from . import selectors
from .filters import RfcFilter
from .forms import (
    ApprovalPolicyForm,
    ReviewForm,
    RfcForm,
    ScheduleForm,
    TransitionForm,
)
from .models import (
    EDITABLE_STATES,
    REVIEWERS,
    RFC_AUTHORS,
    SCHEDULERS,
    SYSTEM_TRANSITIONS,
    Rfc,
    RfcRevision,
    RfcStatus,
    Risk,
)
from .risk import QUESTIONS
from .services import (
    approval_policy_save,
    rfc_approve,
    rfc_create,
    rfc_quorum,
    rfc_reject,
    rfc_request_changes,
    rfc_schedule,
    rfc_transition,
    rfc_update,
)

CSV_RESULT_ROWS_SHOWN = 500


# --- RFCs ---------------------------------------------------------------------------------


class RfcListView(RoleRequiredMixin, ListView):
    """Every RFC, filterable by state, risk, type, author; approvers see theirs to review."""

    template_name = "governance/rfc_list.html"
    read_roles = selectors.RFC_READERS
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Rfc]:
        self.filterset = RfcFilter(
            self.request.GET, queryset=selectors.rfcs_visible_to(self.request.user)
        )
        return self.filterset.qs if self.filterset.is_valid() else Rfc.objects.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["can_write"] = has_role(self.request.user, RFC_AUTHORS)
        context["to_review"] = list(selectors.rfcs_awaiting_review_by(self.request.user)[:10])
        return context


def _visible_rfc(request: HttpRequest, pk: int) -> Rfc:
    return get_object_or_404(selectors.rfcs_visible_to(request.user), pk=pk)


class RfcEditView(RoleRequiredMixin, View):
    """Write a new RFC or edit one (an edit after approval voids the approvals)."""

    read_roles = RFC_AUTHORS
    write_roles = RFC_AUTHORS

    def _render(self, request: HttpRequest, form: RfcForm, rfc: Rfc | None) -> HttpResponse:
        return render(
            request,
            "governance/rfc_form.html",
            {
                "form": form,
                "rfc": rfc,
                "questions": QUESTIONS,
                "approved_warning": rfc is not None and rfc.status == RfcStatus.APPROVED,
            },
        )

    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rfc = _visible_rfc(request, pk) if pk else None
        form = RfcForm(initial=RfcForm.initial_from(rfc) if rfc else {"risk": "low"})
        return self._render(request, form, rfc)

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        rfc = _visible_rfc(request, pk) if pk else None
        form = RfcForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, rfc)
        values = form.service_values()
        try:
            if rfc is None:
                rfc = rfc_create(
                    actor=actor_of(request), submit=request.POST.get("submit") == "review", **values
                )
                messages.success(request, f"{rfc.reference} saved.")
            else:
                before = rfc.status
                rfc = rfc_update(
                    rfc=rfc,
                    actor=actor_of(request),
                    expected_version=form.cleaned_data.get("version"),
                    **values,
                )
                if before == RfcStatus.APPROVED and rfc.status != before:
                    messages.warning(
                        request,
                        "The content changed after approval: approvals voided, back in review.",
                    )
                else:
                    messages.success(request, f"{rfc.reference} saved (v{rfc.version}).")
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self._render(request, form, rfc)
        except (TransitionError, APIException, PermissionDenied) as exc:
            form.add_error(None, _problem_text(exc))
            return self._render(request, form, rfc)
        return redirect(rfc.get_absolute_url())


class RfcDetailView(RoleRequiredMixin, View):
    """The RFC page: content, approvals and quorum, diff between versions, what changed
    since the last approval, events; review, transition and schedule forms."""

    read_roles = selectors.RFC_READERS
    write_roles = MOPS_STAFF | REVIEWERS
    action_roles = {
        "approve": REVIEWERS,
        "request_changes": REVIEWERS,
        "reject": REVIEWERS,
        "schedule": SCHEDULERS,
        "transition": MOPS_STAFF,
    }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfc = selectors.rfc_page(_visible_rfc(request, pk))
        return render(request, "governance/rfc_detail.html", self._context(request, rfc))

    def _context(self, request: HttpRequest, rfc: Rfc, **extra: Any) -> dict[str, Any]:
        user = actor_of(request)
        policy = selectors.approval_policy_for(rfc.risk)
        revisions = list(selectors.rfc_revisions(rfc))
        diff_to = _int(request.GET.get("to"), rfc.version)
        diff_from = _int(request.GET.get("from"), max(diff_to - 1, 1))
        try:
            diff = (
                selectors.rfc_diff(rfc, from_number=diff_from, to_number=diff_to)
                if diff_from != diff_to
                else []
            )
        except RfcRevision.DoesNotExist:
            diff, diff_from, diff_to = [], rfc.version, rfc.version
        approved_version, since_approval = selectors.rfc_changes_since_approval(rfc)
        is_author = rfc.author_id == user.pk
        transitions = [
            t
            for t in Rfc.lifecycle.available(state=rfc.status, roles=user.roles)
            if t.name not in SYSTEM_TRANSITIONS and t.name != "schedule"
        ]
        can_review = (
            has_role(user, REVIEWERS)
            and not is_author
            and rfc.status in (RfcStatus.IN_REVIEW, RfcStatus.APPROVED)
        )
        answers = rfc.risk_answers or {}
        context = {
            "rfc": rfc,
            "policy": policy,
            "quorum": rfc_quorum(rfc),
            "approvals": list(rfc.approvals.all()),
            "revisions": revisions,
            "diff": diff,
            "diff_from": diff_from,
            "diff_to": diff_to,
            "approved_version": approved_version,
            "since_approval": since_approval,
            "events": list(rfc.events.select_related("actor")[:50]),
            "transitions": transitions,
            "can_edit": has_role(user, RFC_AUTHORS) and rfc.status in EDITABLE_STATES,
            "can_review": can_review,
            "can_approve": can_review and rfc.status == RfcStatus.IN_REVIEW,
            "is_author": is_author,
            "self_review_note": is_author and rfc.status == RfcStatus.IN_REVIEW,
            "awaiting_schedule": rfc.status == RfcStatus.APPROVED,
            "can_schedule": has_role(user, SCHEDULERS) and rfc.status == RfcStatus.APPROVED,
            "review_form": ReviewForm(initial={"content_hash": rfc.content_hash}),
            "schedule_form": ScheduleForm(
                initial={
                    "window_start": rfc.desired_window_start,
                    "window_end": rfc.desired_window_end,
                }
            ),
            "answers": [(q, bool(answers.get(q.key))) for q in QUESTIONS],
            "action_links": hooks.rfc_action_links(rfc, user),
        }
        context.update(extra)
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfc = _visible_rfc(request, pk)
        action = request.POST.get("action", "")
        try:
            if action in ("approve", "request_changes", "reject"):
                form = ReviewForm(request.POST)
                if not form.is_valid():
                    raise ValidationError("The review form was incomplete; reload the page.")
                comment = form.cleaned_data["comment"] or ""
                expected = form.cleaned_data["content_hash"]
                if action == "approve":
                    rfc_approve(
                        rfc=rfc, actor=actor_of(request), comment=comment, expected_hash=expected
                    )
                    messages.success(request, f"You approved {rfc.reference} v{rfc.version}.")
                elif action == "request_changes":
                    rfc_request_changes(
                        rfc=rfc, actor=actor_of(request), comment=comment, expected_hash=expected
                    )
                    messages.success(request, "Changes requested; the author is notified.")
                else:
                    rfc_reject(
                        rfc=rfc, actor=actor_of(request), comment=comment, expected_hash=expected
                    )
                    messages.success(request, f"{rfc.reference} rejected.")
            elif action == "transition":
                step = TransitionForm(request.POST)
                if not step.is_valid():
                    raise ValidationError("Choose a step.")
                rfc = rfc_transition(
                    rfc=rfc,
                    name=step.cleaned_data["name"],
                    actor=actor_of(request),
                    note=step.cleaned_data["note"] or "",
                )
                messages.success(request, f"{rfc.reference} is now {rfc.get_status_display()}.")
            elif action == "schedule":
                window = ScheduleForm(request.POST)
                if not window.is_valid():
                    rfc = selectors.rfc_page(rfc)
                    context = self._context(request, rfc, schedule_form=window)
                    return render(request, "governance/rfc_detail.html", context, status=400)
                start, end = window.cleaned_data["window_start"], window.cleaned_data["window_end"]
                rfc = rfc_schedule(
                    rfc=rfc,
                    actor=actor_of(request),
                    window_start=start,
                    window_end=end,
                    window_ref=window.cleaned_data["window_ref"] or "",
                    note=window.cleaned_data["note"] or "",
                )
                messages.success(request, f"{rfc.reference} is scheduled.")
            else:
                messages.error(request, "Unknown action.")
        except (ValidationError, TransitionError, APIException, PermissionDenied) as exc:
            messages.error(request, _problem_text(exc))
        return redirect(rfc.get_absolute_url())


def _int(raw: str | None, default: int) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        return default
    return value if 0 < value < 1_000_000 else default


# --- approval policies ---------------------------------------------------------------------


class ApprovalPolicyView(RoleRequiredMixin, View):
    read_roles = selectors.RFC_READERS
    write_roles = ADMINS

    def _forms(self, bound: tuple[str, ApprovalPolicyForm] | None = None) -> list[tuple]:
        rows = []
        for policy in selectors.approval_policies():
            if bound and bound[0] == policy.risk:
                form = bound[1]
            else:
                form = ApprovalPolicyForm(
                    prefix=policy.risk,
                    initial={
                        "required_approvals": policy.required_approvals,
                        "eligible_group": policy.eligible_group,
                        "must_include_group": policy.must_include_group,
                        "requires_change_window": policy.requires_change_window,
                    },
                )
            rows.append((policy, form))
        return rows

    def get(self, request: HttpRequest, bound: tuple | None = None) -> HttpResponse:
        return render(
            request,
            "governance/approval_policies.html",
            {"rows": self._forms(bound), "can_edit": has_role(request.user, ADMINS)},
            status=400 if bound else 200,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        risk = request.POST.get("risk", "")
        if risk not in Risk.values:
            raise PermissionDenied("Unknown risk level.")
        form = ApprovalPolicyForm(request.POST, prefix=risk)
        if form.is_valid():
            try:
                approval_policy_save(actor=actor_of(request), risk=risk, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, f"{Risk(risk).label}-risk policy saved.")
                return redirect("governance:approval_policies")
        return self.get(request, bound=(risk, form))
