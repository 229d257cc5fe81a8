"""Playbook library pages: search, read, rate, edit, restore."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from catalog.models import ServiceStatus
from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ALL_ROLES, has_role
from mops.core.actors import actor_of
from mops.core.richtext import render_markdown
from mops.core.views import call_service, invalid_status

from .. import selectors
from ..filters import PlaybookFilter
from ..forms import (
    FeedbackForm,
    PlaybookForm,
)
from ..models import Course, Playbook
from ..services import (
    EDITORS,
    LEARNERS,
    playbook_feedback,
    playbook_read,
    playbook_restore,
    playbook_save,
)


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
            ok, saved = call_service(
                request,
                playbook_save,
                form=form,
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
            if ok and saved is not None:
                messages.success(request, f"Playbook saved (v{saved.version}).")
                return redirect(saved.get_absolute_url())
        status = invalid_status(form)
        return self._render(request, form, playbook, status=status)


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
        ok, restored = call_service(
            request,
            playbook_restore,
            field_map={"version": NON_FIELD_ERRORS},  # the message names the version
            actor=actor_of(request),
            playbook=playbook,
            version=version,
            expected_version=expected,
        )
        if ok and restored is not None:
            messages.success(request, f"Version {version} restored as v{restored.version}.")
        return redirect(playbook.get_absolute_url())
