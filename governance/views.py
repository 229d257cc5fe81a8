"""The governance landing page: where /governance/ sends each role."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from mops.accounts.roles import ADMINS, has_role

from .rfc.selectors import RFC_READERS


def governance_index(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if has_role(request.user, RFC_READERS):
        return redirect("governance:rfc_list")
    if has_role(request.user, ADMINS):
        raise Http404
    return redirect("governance:utm_builder")
