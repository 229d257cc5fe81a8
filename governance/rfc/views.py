"""RFC pages: list / editor / page (review, schedule, diff, history) and the approval
policies page. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from governance import hooks
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, MOPS_STAFF, has_role
from mops.core.actors import actor_of
from mops.core.views import call_service, flash_form_errors, invalid_status

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
    REVIEWERS,
    RFC_AUTHORS,
    SCHEDULERS,
    Approval,
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
        actor = actor_of(request)
        if rfc is None:
            submit = request.POST.get("submit") == "review"
            ok, created = call_service(
                request, rfc_create, form=form, actor=actor, submit=submit, **values
            )
            if not ok or created is None:
                return self._refused(request, form, None)
            messages.success(request, f"{created.reference} saved.")
            return redirect(created.get_absolute_url())
        before = rfc.status
        ok, edited = call_service(
            request,
            rfc_update,
            form=form,
            rfc=rfc,
            actor=actor,
            expected_version=form.cleaned_data.get("version"),
            **values,
        )
        if not ok or edited is None:
            return self._refused(request, form, rfc)
        if before == RfcStatus.APPROVED and edited.status != before:
            messages.warning(
                request, "The content changed after approval: approvals voided, back in review."
            )
        else:
            messages.success(request, f"{edited.reference} saved (v{edited.version}).")
        return redirect(edited.get_absolute_url())

    def _refused(self, request: HttpRequest, form: RfcForm, rfc: Rfc | None) -> HttpResponse:
        """The editor again with the service's refusal on it (412 when it was stale)."""
        response = self._render(request, form, rfc)
        response.status_code = invalid_status(form)
        return response


class RfcDetailView(RoleRequiredMixin, View):
    """The RFC page: content, approvals and quorum, diff between versions, what changed
    since the last approval, events; review, transition and schedule forms. The buttons
    shown are `selectors.rfc_allowed_actions`; the services enforce the same rules."""

    read_roles = selectors.RFC_READERS
    write_roles = MOPS_STAFF | REVIEWERS
    action_roles = {
        "approve": REVIEWERS,
        "request_changes": REVIEWERS,
        "reject": REVIEWERS,
        "schedule": SCHEDULERS,
        "transition": MOPS_STAFF,
    }
    # action -> (service, what the person is told when it is done)
    reviews: dict[str, tuple[Callable[..., Approval], str]] = {
        "approve": (rfc_approve, "You approved {ref} v{version}."),
        "request_changes": (rfc_request_changes, "Changes requested; the author is notified."),
        "reject": (rfc_reject, "{ref} rejected."),
    }

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rfc = selectors.rfc_page(_visible_rfc(request, pk))
        return render(request, "governance/rfc_detail.html", self._context(request, rfc))

    def _context(self, request: HttpRequest, rfc: Rfc, **extra: Any) -> dict[str, Any]:
        user = actor_of(request)
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
        allowed = selectors.rfc_allowed_actions(rfc=rfc, user=user)
        is_author = selectors.rfc_is_author(rfc, user)
        answers = rfc.risk_answers or {}
        context = {
            "rfc": rfc,
            "policy": selectors.approval_policy_for(rfc.risk),
            "quorum": rfc_quorum(rfc),
            "approvals": list(rfc.approvals.all()),
            "revisions": revisions,
            "diff": diff,
            "diff_from": diff_from,
            "diff_to": diff_to,
            "approved_version": approved_version,
            "since_approval": since_approval,
            "events": list(rfc.events.select_related("actor")[:50]),
            "allowed": allowed,
            "transitions": [
                t
                for t in Rfc.lifecycle.transitions.values()
                if t.name in allowed & selectors.STEP_TRANSITIONS
            ],
            "can_review": bool(allowed & {"request_changes", "reject"}),
            "is_author": is_author,
            "self_review_note": is_author and rfc.status == RfcStatus.IN_REVIEW,
            "awaiting_schedule": rfc.status == RfcStatus.APPROVED,
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
        if action == "schedule":
            return self._schedule(request, rfc)
        if action in self.reviews:
            self._review(request, rfc, action)
        elif action == "transition":
            self._step(request, rfc)
        else:
            messages.error(request, "Unknown action.")
        return redirect(rfc.get_absolute_url())

    def _review(self, request: HttpRequest, rfc: Rfc, action: str) -> None:
        form = ReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The review form was incomplete; reload the page.")
            return
        service, done = self.reviews[action]
        ok, _ = call_service(
            request,
            service,
            rfc=rfc,
            actor=actor_of(request),
            comment=form.cleaned_data["comment"] or "",
            expected_hash=form.cleaned_data["content_hash"],
        )
        if ok:
            messages.success(request, done.format(ref=rfc.reference, version=rfc.version))

    def _step(self, request: HttpRequest, rfc: Rfc) -> None:
        step = TransitionForm(request.POST)
        if not step.is_valid():
            messages.error(request, "Choose a step.")
            return
        ok, moved = call_service(
            request,
            rfc_transition,
            rfc=rfc,
            name=step.cleaned_data["name"],
            actor=actor_of(request),
            note=step.cleaned_data["note"] or "",
        )
        if ok and moved is not None:
            messages.success(request, f"{moved.reference} is now {moved.get_status_display()}.")

    def _schedule(self, request: HttpRequest, rfc: Rfc) -> HttpResponse:
        """The schedule form: a refusal (no window, a freeze...) shows on the form."""
        window = ScheduleForm(request.POST)
        if window.is_valid():
            ok, _ = call_service(
                request,
                rfc_schedule,
                form=window,
                rfc=rfc,
                actor=actor_of(request),
                window_start=window.cleaned_data["window_start"],
                window_end=window.cleaned_data["window_end"],
                window_ref=window.cleaned_data["window_ref"] or "",
                note=window.cleaned_data["note"] or "",
            )
            if ok:
                messages.success(request, f"{rfc.reference} is scheduled.")
                return redirect(rfc.get_absolute_url())
        context = self._context(request, selectors.rfc_page(rfc), schedule_form=window)
        if "schedule" not in context["allowed"]:  # no form to show the refusal on
            flash_form_errors(request, window)
            return redirect(rfc.get_absolute_url())
        status = invalid_status(window)
        return render(request, "governance/rfc_detail.html", context, status=status)


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

    def get(
        self, request: HttpRequest, bound: tuple | None = None, *, refused: bool = False
    ) -> HttpResponse:
        return render(
            request,
            "governance/approval_policies.html",
            {"rows": self._forms(bound), "can_edit": has_role(request.user, ADMINS)},
            status=400 if bound or refused else 200,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        risk = request.POST.get("risk", "")
        if risk not in Risk.values:  # the form's hidden field, altered: nothing is saved
            choices = ", ".join(Risk.values)
            messages.error(request, f"risk: '{risk[:40]}' is not a risk level ({choices}).")
            return self.get(request, refused=True)
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
