"""Writes on accounts: API tokens and demo/role set-up."""

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from mops.core.audit import set_change_reason

from .models import ApiToken, User
from .roles import GROUP_NAMES


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the key, which is never stored."""
    name = (name or "").strip()
    if not name:
        from django.core.exceptions import ValidationError

        raise ValidationError({"name": "Give the token a name, e.g. the script that uses it."})
    key = ApiToken.generate_key()
    with transaction.atomic():
        token = ApiToken(
            user=user, name=name[:100], prefix=key[:12], digest=ApiToken.digest_of(key)
        )
        set_change_reason(token, "token created")
        token.full_clean()
        token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token; only its owner or an admin may."""
    from django.core.exceptions import PermissionDenied

    from .roles import ADMINS, has_role

    if token.user_id != actor.pk and not has_role(actor, ADMINS):
        raise PermissionDenied("Only the owner or an admin can revoke this token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        set_change_reason(token, f"revoked by {actor.username}")
        token.save(update_fields=["revoked_at"])
    return token


def roles_ensure_groups() -> dict[str, Group]:
    """Create the role groups if missing (idempotent)."""
    return {role: Group.objects.get_or_create(name=label)[0] for role, label in GROUP_NAMES.items()}
