"""Set-up aids of the catalog: starter services installed one by one, and copying a service."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from mops.accounts.permissions import RoleRequiredMixin
from mops.core.actors import actor_of
from mops.core.views import call_service

from .models import Service
from .services import CATALOG_EDITORS, service_copy
from .starters import starter_install, starters_status


class StartersView(RoleRequiredMixin, View):
    read_roles = CATALOG_EDITORS
    write_roles = CATALOG_EDITORS

    def get(self, request: HttpRequest, status: int = 200) -> HttpResponse:
        return render(
            request, "catalog/starters.html", {"starters": starters_status()}, status=status
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        ok, service = call_service(
            request, starter_install, key=request.POST.get("starter", ""), actor=request.user
        )
        if not ok or service is None:
            return self.get(request, status=400)
        messages.success(request, f"“{service.name}” is in the catalog: adjust it to your team.")
        return redirect("catalog:starters")


class ServiceCopyView(RoleRequiredMixin, View):
    write_roles = CATALOG_EDITORS

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        service = get_object_or_404(Service, slug=slug)
        copy = service_copy(
            service=service, actor=actor_of(request), name=request.POST.get("name", "")
        )
        messages.success(request, f"Copied to “{copy.name}” (a draft): edit it, then publish.")
        return redirect("catalog:service_edit", slug=copy.slug)
