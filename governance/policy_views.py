"""Approval policies page (admins): who must approve each risk level, chosen from lists of
the groups and teams that exist."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS, has_role

from .models import Risk, approver_group_choices
from .selectors import RFC_READERS, approval_policies
from .services import approval_policy_save


class ApprovalPolicyForm(forms.Form):
    required_approvals = forms.IntegerField(min_value=1, max_value=20, label="Approvals needed")
    eligible_group = forms.ChoiceField(
        required=False,
        label="Only approvers in",
        help_text="A group or team; empty: anyone in the Approver role.",
    )
    must_include_group = forms.ChoiceField(
        required=False,
        label="At least one approver from",
        help_text="A group or team; empty: no such rule.",
    )
    requires_change_window = forms.BooleanField(
        required=False, label="Only inside a change window, never in a freeze"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        names = approver_group_choices()
        for field in ("eligible_group", "must_include_group"):
            current = (self.initial.get(field) or "") if not self.is_bound else ""
            extra = [current] if current and current not in names else []
            self.fields[field].choices = [("", "—"), *((n, n) for n in [*names, *extra])]


class ApprovalPolicyView(RoleRequiredMixin, View):
    read_roles = RFC_READERS
    write_roles = ADMINS

    def _forms(self, bound: tuple[str, ApprovalPolicyForm] | None = None) -> list[tuple]:
        rows = []
        for policy in approval_policies():
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
                approval_policy_save(actor=request.user, risk=risk, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, f"{Risk(risk).label}-risk policy saved.")
                return redirect("governance:approval_policies")
        return self.get(request, bound=(risk, form))
