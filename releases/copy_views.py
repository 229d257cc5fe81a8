"""Copying a train or a checklist template: the copy opens for editing."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin

from . import services
from .models import ChecklistTemplate, Train


class TrainCopyView(RoleRequiredMixin, View):
    write_roles = services.TRAIN_EDITORS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        copy = services.train_copy(train=get_object_or_404(Train, slug=slug), actor=request.user)
        messages.success(request, f"Copied to “{copy.name}” (inactive): adjust it, then activate.")
        return redirect("releases:train_edit", slug=copy.slug)


class ChecklistCopyView(RoleRequiredMixin, View):
    write_roles = services.TEMPLATE_EDITORS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        template = get_object_or_404(ChecklistTemplate, slug=slug)
        copy = services.checklist_template_copy(template=template, actor=request.user)
        messages.success(request, f"Copied to “{copy.name}”: publish a new version to adjust it.")
        return redirect("releases:template_detail", slug=copy.slug)
