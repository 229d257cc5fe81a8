"""Single sign-on: what an identity provider's answer does to a mops account.

django-allauth runs the protocols (OpenID Connect, SAML 2.0) and the MFA step; this module
holds mops's rules on top of it:

- just-in-time accounts: a person the IdP vouches for gets an account on first log-in
  (unless SSO_JIT_ENABLED is off), named by their e-mail address;
- roles and team follow the IdP: at every log-in (and every SCIM group change) the groups
  the IdP sends are read through `IdpGroupMapping`; nobody is mapped to more than the
  mappings say, and a person no mapping matches gets SSO_DEFAULT_ROLE;
- local sign-up is closed: people arrive by invitation, CSV import, SSO or SCIM.
"""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from mops.core.audit import set_change_reason
from mops.core.services import model_save, model_update

from .models import IdpGroupMapping, Team, User
from .roles import Role
from .services import _set_roles

# Where IdPs put group names: OIDC `groups`/`roles` claims; SAML attributes by their
# common names (Entra ID and AD FS use the claim URIs).
GROUP_KEYS = (
    "groups",
    "roles",
    "memberOf",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "http://schemas.xmlsoap.org/claims/Group",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
)


def groups_from_claims(data: Mapping[str, Any]) -> list[str]:
    """The group names in an IdP answer: OIDC claims (top level, `userinfo` or `id_token`)
    or SAML attributes (lists of values)."""
    found: list[str] = []
    for scope in (data, data.get("userinfo") or {}, data.get("id_token") or {}):
        if not isinstance(scope, Mapping):
            continue
        for key in GROUP_KEYS:
            value = scope.get(key)
            if isinstance(value, str):
                value = [part for part in value.replace(";", ",").split(",")]
            if isinstance(value, list | tuple):
                found.extend(str(v).strip() for v in value if str(v).strip())
    return list(dict.fromkeys(found))


def mapped_access(groups: Iterable[str], provider: str = "") -> tuple[set[str], Team | None]:
    """Roles and team the mappings grant for these groups (team: the first mapping's, by
    group name, that names one)."""
    names = {g.lower() for g in groups}
    if not names:
        return set(), None
    mappings = [
        m
        for m in IdpGroupMapping.objects.filter(Q(provider="") | Q(provider=provider))
        .select_related("team")
        .order_by("group", "pk")
        if m.group.lower() in names
    ]
    roles = {m.role for m in mappings if m.role}
    team = next((m.team for m in mappings if m.team is not None), None)
    return roles, team


def access_apply(*, user: User, groups: Iterable[str], provider: str, source: str) -> User:
    """Set the user's roles and team from their IdP groups (audited with the source).

    Once any mapping exists the IdP governs roles: the mapped roles, or SSO_DEFAULT_ROLE
    when none of the person's groups is mapped (leaving the "MOPS admins" group takes the
    Admin role away). With no mappings at all, SSO only signs people in: a new person gets
    SSO_DEFAULT_ROLE and roles an admin gives are kept."""
    roles, team = mapped_access(groups, provider)
    with transaction.atomic():
        governed = IdpGroupMapping.objects.exists()
        if not roles and (governed or not user.roles):
            roles = {Role(settings.SSO_DEFAULT_ROLE).value}
        changed = []
        if roles and roles != set(user.roles):
            _set_roles(user, sorted(roles))
            changed.append("roles " + ", ".join(sorted(roles)))
        if team is not None and user.team_id != team.pk:
            user.team = team
            changed.append(f"team {team.name}")
        if changed:
            set_change_reason(user, f"{source}: " + "; ".join(changed))
            user.save()
    return user


def provider_origins(providers: Iterable[Any]) -> list[str]:
    """The origins a sign-in button may be redirected to: each OIDC issuer, each SAML IdP
    (its metadata URL and entity id), and SSO_FORM_ACTION_ORIGINS for IdPs whose sign-in
    page lives on another host."""
    urls: list[str] = list(settings.SSO_FORM_ACTION_ORIGINS)
    for provider in providers:
        app_settings = getattr(getattr(provider, "app", None), "settings", None) or {}
        urls.append(app_settings.get("server_url", ""))
        idp = app_settings.get("idp") or {}
        urls.extend([idp.get("metadata_url", ""), idp.get("entity_id", ""), idp.get("sso_url", "")])
    origins = []
    for url in urls:
        parts = urlsplit(url or "")
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


class AccountAdapter(DefaultAccountAdapter):
    """Local sign-up is closed: accounts come from invitations, imports, SSO and SCIM."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return bool(settings.SSO_JIT_ENABLED)

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict) -> User:
        user = super().populate_user(request, sociallogin, data)
        # The e-mail address is the stable, human name people already know each other by.
        user.username = (data.get("email") or data.get("username") or user.username or "")[:150]
        return user

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> User:
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            user.set_unusable_password()
            set_change_reason(user, f"created at first sign-in through {_provider_id(sociallogin)}")
            user.save()
            self._apply(sociallogin, user)
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        if sociallogin.is_existing:
            self._apply(sociallogin, sociallogin.user)

    def _apply(self, sociallogin: Any, user: User) -> None:
        access_apply(
            user=user,
            groups=groups_from_claims(sociallogin.account.extra_data or {}),
            provider=_provider_id(sociallogin),
            source=f"SSO {_provider_id(sociallogin)}",
        )


def _provider_id(sociallogin: Any) -> str:
    """The configured provider's id ("okta"), not the protocol's ("openid_connect")."""
    return str(sociallogin.account.provider)


# --- the mapping table, as a service (admin API; the Django admin edits it too) -----------

MAPPING_FIELDS = ("group", "provider", "role", "team")


def idp_mapping_save(
    *, actor: User, data: Mapping[str, Any], mapping: IdpGroupMapping | None = None
) -> IdpGroupMapping:
    """Create or change a group mapping (admins only; validated; audited)."""
    from .services import _require_admin

    _require_admin(actor, "map IdP groups to roles")
    with transaction.atomic():
        if mapping is not None:
            mapping = IdpGroupMapping.objects.select_for_update().get(pk=mapping.pk)
        else:
            mapping = IdpGroupMapping()
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        model_update(mapping, fields=MAPPING_FIELDS, data=stripped)
        model_save(mapping, reason=f"changed by {actor.username}")
    return mapping


def idp_mapping_delete(*, actor: User, mapping: IdpGroupMapping) -> None:
    from .services import _require_admin

    _require_admin(actor, "map IdP groups to roles")
    set_change_reason(mapping, f"deleted by {actor.username}")
    mapping.delete()
