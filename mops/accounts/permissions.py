"""The one permission layer for pages and API.

A view declares which roles may read and which may write (`read_roles`, `write_roles`,
and per-action `action_roles` for API actions or POST handlers). `RolePermission` (DRF)
and `RoleRequiredMixin` (pages) both evaluate the same declaration. Object visibility
(a requester sees only their team's requests) lives in each app's selectors, which
both page and API use for their querysets, so a hidden object is a 404, never a leak.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .roles import ADMINS, ALL_ROLES, has_role

if TYPE_CHECKING:  # DRF's views module reads the settings, which name this module
    from rest_framework.request import Request
    from rest_framework.views import APIView


def roles_for(view: object, method: str | None, action: str | None = None) -> Iterable[str]:
    """Roles allowed to call `view` with `method` (and DRF/page `action`)."""
    action_roles: dict[str, Iterable[str]] = getattr(view, "action_roles", {}) or {}
    if action and action in action_roles:
        return action_roles[action]
    if method in SAFE_METHODS:
        return getattr(view, "read_roles", ALL_ROLES)
    return getattr(view, "write_roles", ADMINS)


class RolePermission(BasePermission):
    message = "Your role does not allow this."

    def has_permission(self, request: "Request", view: "APIView") -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return has_role(
            request.user, roles_for(view, request.method, getattr(view, "action", None))
        )


class RoleRequiredMixin(AccessMixin):
    """Page views: log-in required, then the same role declaration as the API."""

    read_roles: Iterable[str] = ALL_ROLES
    write_roles: Iterable[str] = ADMINS

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        action = request.POST.get("action") if request.method == "POST" else None
        if not has_role(request.user, roles_for(self, request.method, action)):
            raise PermissionDenied("Your role does not allow this.")
        # A mixin: `dispatch` is the view's it is mixed into (AccessMixin has none).
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
