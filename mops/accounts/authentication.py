from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` (or `Bearer <key>`) with a hashed, revocable token."""

    keywords = ("token", "bearer")

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Token <key>'.")
        key = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(digest=ApiToken.digest_of(key))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):  # type: ignore[no-untyped-def]
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "mops.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; create a key on your profile page.",
        }


class LocalPasswordBackend(ModelBackend):
    """Password log-in, unless LOCAL_LOGIN_ENABLED is off: then only the break-glass
    admins (BREAK_GLASS_USERNAMES) may use a password; everyone else signs in through SSO.
    Sessions of SSO users are resolved by this backend too (it is a ModelBackend)."""

    def authenticate(self, request, username=None, password=None, **kwargs):  # type: ignore[no-untyped-def, override]
        if not local_login_allowed(username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def local_login_allowed(username: str | None) -> bool:
    if settings.LOCAL_LOGIN_ENABLED:
        return True
    allowed = {name.lower() for name in settings.BREAK_GLASS_USERNAMES}
    return (username or "").lower() in allowed
