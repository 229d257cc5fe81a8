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
from mops.core.views import ObjectEditView, call_service

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


class PlaybookEditView(ObjectEditView):
    read_roles = write_roles = EDITORS
    model, form_class, object_name = Playbook, PlaybookForm, "playbook"
    template_name = "enablement/playbook_form.html"
    create_service = update_service = staticmethod(playbook_save)
    version_field, success_message = "version", "Playbook saved (v{obj.version})."

    def get_initial(self, playbook: Playbook | None) -> dict[str, Any]:
        if playbook is None:
            return {}
        names = ("title", "slug", "summary", "body", "review_by", "version")
        return {n: getattr(playbook, n) for n in names} | {
            "category": playbook.category_id,
            "owner": playbook.owner_id,
            "services": list(playbook.services.values_list("pk", flat=True)),
        }

    def service_fields(self, playbook: Playbook | None, form: Any) -> dict[str, Any]:
        fields = super().service_fields(playbook, form)
        return {**fields, "services": list(fields["services"])}


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
