"""Request-wide account rules: the user's time zone, SCIM's token sign-in, and MFA for
admins."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed


class UserTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = getattr(getattr(request, "user", None), "time_zone", "")
        if zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # "America": a folder
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


SCIM_PREFIX = "/scim/"


class ScimTokenMiddleware:
    """SCIM requests (/scim/v2/...) authenticate with `Authorization: Bearer <API token>` of
    an active admin, and with nothing else: a browser session never reaches SCIM."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(SCIM_PREFIX):
            return self.get_response(request)
        from .authentication import ApiTokenAuthentication
        from .roles import ADMINS, has_role

        request.user = AnonymousUser()
        try:
            # A plain HttpRequest: the token check reads only the Authorization header.
            found = ApiTokenAuthentication().authenticate(request)  # type: ignore[arg-type]
        except AuthenticationFailed as exc:
            return _scim_error(401, str(exc.detail))
        if found is not None:
            if not has_role(found[0], ADMINS):
                return _scim_error(403, "SCIM provisioning needs an admin's API token.")
            request.user = found[0]
        return self.get_response(request)


def _scim_error(status: int, detail: str) -> HttpResponse:
    response = JsonResponse(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": str(status),
            "detail": detail,
        },
        status=status,
        content_type="application/scim+json",
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="mops SCIM"'
    return response


# Paths an admin without a second factor may still open: enrolling one, logging out, assets.
MFA_OPEN_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/logout/",
    "/static/",
    "/healthz",
    "/readyz",
    "/api/",
)


class MfaRequiredMiddleware:
    """With MFA_REQUIRED_FOR_ADMINS on, an admin who has no second factor (TOTP or passkey)
    is sent to enrol one before anything else (the API keeps working with tokens)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.MFA_REQUIRED_FOR_ADMINS and _needs_enrolment(request):
            return redirect("mfa_index")
        return self.get_response(request)


def _needs_enrolment(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(MFA_OPEN_PREFIXES):
        return False
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import is_mfa_enabled

    from .roles import ADMINS, has_role

    return has_role(user, ADMINS) and not is_mfa_enabled(
        user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    )
