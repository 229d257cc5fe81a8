"""Access reviews: the list, starting one, attesting, and the evidence CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from governance.taxonomy import spreadsheet_safe
from mops.accounts.permissions import RoleRequiredMixin
from mops.core.actors import actor_of
from mops.core.views import call_service

from .. import selectors, services
from ..forms import (
    AttestForm,
    ReviewStartForm,
)
from ..models import AccessReview, AccessReviewItem, Tool
from ..services import STACK_EDITORS, STACK_READERS


class ReviewListView(RoleRequiredMixin, View):
    """Access reviews, open first, with due date and completion %."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "stack/review_list.html",
            {"reviews": selectors.access_reviews()[:200], "today": timezone.localdate()},
        )


class ReviewStartView(RoleRequiredMixin, View):
    """Start a tool's access review from its current seat holders."""

    read_roles = STACK_EDITORS
    write_roles = STACK_EDITORS

    def _render(self, request: HttpRequest, tool: Tool, form: Any, code: int) -> HttpResponse:
        return render(
            request,
            "stack/form.html",
            {
                "form": form,
                "title": f"Start an access review of {tool}",
                "back": tool.get_absolute_url(),
                "back_label": str(tool),
            },
            status=code,
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk)
        initial = {"due_on": timezone.localdate() + timedelta(days=14)}
        return self._render(request, tool, ReviewStartForm(initial=initial), 200)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        tool = get_object_or_404(Tool, pk=pk)
        form = ReviewStartForm(request.POST)
        if form.is_valid():
            ok, review = call_service(
                request,
                services.access_review_start,
                form=form,
                field_map={"tool": NON_FIELD_ERRORS},  # about the tool: above the form
                tool=tool,
                actor=actor_of(request),
                due_on=form.cleaned_data["due_on"],
            )
            if ok and review is not None:
                messages.success(request, "Access review started.")
                return redirect(review.get_absolute_url())
        return self._render(request, tool, form, 400)


class ReviewDetailView(RoleRequiredMixin, View):
    """One review: each holder with the owner's attestation or a form to give it. Anyone
    on the stack team may open it; only the tool's owner (or an admin) attests."""

    read_roles = STACK_READERS
    write_roles = STACK_EDITORS

    def get(self, request: HttpRequest, pk: int, error: str = "") -> HttpResponse:
        review = get_object_or_404(selectors.access_reviews(), pk=pk)
        return render(
            request,
            "stack/review_detail.html",
            {
                "review": review,
                "items": review.items.select_related("decided_by"),
                "can_attest": review.completed_at is None
                and services.can_attest(actor_of(request), review),
                "decisions": cast(forms.ChoiceField, AttestForm.base_fields["decision"]).choices,
                "error": error,
            },
            status=400 if error else 200,
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = get_object_or_404(AccessReview, pk=pk)
        form = AttestForm(request.POST)
        if not form.is_valid():
            return self.get(
                request,
                pk,
                error="; ".join(
                    f"{name}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
                ),
            )
        item = get_object_or_404(AccessReviewItem, pk=form.cleaned_data["item"], review=review)
        ok, _ = call_service(
            request,
            services.access_review_attest,
            form=form,
            item=item,
            actor=actor_of(request),
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
        if not ok:  # the refusal names the holder it was about
            refused = " ".join(str(text) for texts in form.errors.values() for text in texts)
            return self.get(request, pk, error=f"{item.email}: {refused}")
        return redirect(review.get_absolute_url())


class ReviewEvidenceView(RoleRequiredMixin, View):
    """The review as CSV evidence for auditors: every holder, decision, reason, who, when."""

    read_roles = STACK_READERS

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = get_object_or_404(AccessReview.objects.select_related("tool"), pk=pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="access-review-{review.pk}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "tool",
                "due_on",
                "email",
                "permission_level",
                "last_active",
                "decision",
                "reason",
                "decided_by",
                "decided_at",
            ]
        )
        for item in review.items.select_related("decided_by"):
            writer.writerow(
                [
                    spreadsheet_safe(str(cell))
                    for cell in [
                        review.tool.name,
                        review.due_on.isoformat(),
                        item.email,
                        item.permission_level,
                        item.last_active_on.isoformat() if item.last_active_on else "",
                        item.decision,
                        item.reason,
                        item.decided_by.username if item.decided_by else "",
                        item.decided_at.isoformat() if item.decided_at else "",
                    ]
                ]
            )
        return response
