"""Writes on accounts: API tokens, roles, people (first admin, invitations, CSV import)
and teams."""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mops.core.audit import set_change_reason
from mops.core.services import model_save
from mops.core.slugs import unique_slug

from .models import ApiToken, Team, User, validate_time_zone
from .roles import ADMINS, GROUP_NAMES, Role, has_role
from .signals import user_deactivated


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the script that uses it."})
    key = ApiToken.generate_key()
    with transaction.atomic():
        token = ApiToken(
            user=user, name=name[:100], prefix=key[:12], digest=ApiToken.digest_of(key)
        )
        model_save(token, reason="token created")
    return token, key


def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke a token; only its owner or an admin may."""
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


# --- people: the first admin, invitations, roles and teams --------------------------------


def _require_admin(actor: User, what: str) -> None:
    if not has_role(actor, ADMINS):
        raise PermissionDenied(f"Only an admin can {what}.")


def role_parse(raw: str) -> str:
    """A role from its value ("pm") or its label ("MOPS PM"), case-insensitively."""
    text = (raw or "").strip().lower()
    for role in Role:
        if text in (role.value, role.label.lower()):
            return role.value
    known = ", ".join(f"{r.value} ({r.label})" for r in Role)
    raise ValidationError({"role": f"'{raw}' is not a role; use one of: {known}."})


def _set_roles(user: User, roles: Iterable[str]) -> None:
    groups = roles_ensure_groups()
    role_groups = list(groups.values())
    user.groups.remove(*role_groups)
    user.groups.add(*(groups[r] for r in roles))
    user.__dict__.pop("_mops_roles", None)


def admin_create(*, username: str, email: str, password: str) -> User:
    """The first administrator (`manage.py create_admin`): a superuser in the Admin role."""
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "Give the administrator a user name."})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"A user named {username!r} already exists."})
    user = User(username=username, email=(email or "").strip(), is_staff=True, is_superuser=True)
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        model_save(user, reason="first administrator")
        _set_roles(user, [Role.ADMIN])
    return user


def _team_or_none(team: Team | str | None) -> Team | None:
    if team is None or isinstance(team, Team):
        return team
    name = team.strip()
    if not name:
        return None
    found = Team.objects.filter(Q(name__iexact=name) | Q(slug__iexact=name)).first()
    if found is None:
        raise ValidationError({"team": f"No team named '{name}'; create it on the Teams page."})
    return found


def invite_link(user: User) -> str:
    """The one-time link that lets an invited person choose a password (and activates them)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    path = reverse(
        "accept_invite",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    return settings.SITE_URL.rstrip("/") + path


def _send_invite(user: User, actor: User) -> None:
    from mops.notify.models import Kind
    from mops.notify.services import outbox_enqueue

    body = (
        f"Hello {user.display_name},\n\n{actor.display_name} invited you to mops "
        f"({', '.join(user.role_labels()) or 'no role yet'}"
        f"{', team ' + user.team.name if user.team else ''}).\n\n"
        f"Choose your password here (the link works once):\n{invite_link(user)}\n\n"
        f"Your user name is {user.username}.\n"
    )
    outbox_enqueue(
        kind=Kind.EMAIL,
        target=user.email,
        subject="You are invited to mops",
        body=body,
        source="accounts.invite",
    )


def user_invite(
    *,
    actor: User,
    email: str,
    roles: Iterable[str],
    team: Team | str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Invite a person: an inactive user (user name = e-mail) in `roles` and `team`, and an
    e-mail through the outbox with a link to choose a password, which activates them."""
    _require_admin(actor, "invite people")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": f"'{email}' is not an e-mail address."}) from None
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError({"email": f"{email} already has an account; edit it instead."})
    roles = [role_parse(r) for r in roles]
    if not roles:
        raise ValidationError({"roles": "Give the person at least one role."})
    with transaction.atomic():
        user = User(
            username=email[:150],
            email=email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
            team=_team_or_none(team),
            is_active=False,
        )
        user.set_unusable_password()
        model_save(user, reason=f"invited by {actor.username}")
        _set_roles(user, roles)
        _send_invite(user, actor)
    return user


def user_update(
    *,
    actor: User,
    user: User,
    roles: Iterable[str] | None = None,
    team: Team | str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    clear_team: bool = False,
) -> User:
    """Change a person's roles, team or name. An admin cannot take the Admin role from
    themselves (someone must remain able to manage people)."""
    _require_admin(actor, "change people")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if roles is not None:
            roles = [role_parse(r) for r in roles]
            if not roles:
                raise ValidationError({"roles": "Give the person at least one role."})
            if user.pk == actor.pk and Role.ADMIN not in roles and not user.is_superuser:
                raise ValidationError({"roles": "You cannot remove your own Admin role."})
            _set_roles(user, roles)
        if team is not None or clear_team:
            user.team = None if clear_team else _team_or_none(team)
        if first_name is not None:
            user.first_name = first_name.strip()[:150]
        if last_name is not None:
            user.last_name = last_name.strip()[:150]
        model_save(user, reason=f"changed by {actor.username}")
    return user


def user_deactivate(*, actor: User, user: User, reason: str = "") -> User:
    """Switch a person off, everywhere at once, in one transaction: they cannot log in, their
    sessions end, their API tokens are revoked and the apps above revoke what they issued
    (calendar-feed tokens) through `user_deactivated`. Their history and work stay."""
    _require_admin(actor, "deactivate people")
    if user.pk == actor.pk:
        raise ValidationError({"user": "You cannot deactivate yourself."})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.is_active = False
        set_change_reason(
            user, f"deactivated by {actor.username}" + (f" ({reason})" if reason else "")
        )
        user.save(update_fields=["is_active"])
        now = timezone.now()
        for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True):
            token.revoked_at = now
            set_change_reason(token, "revoked: person deactivated")
            token.save(update_fields=["revoked_at"])
        sessions_end(user)
        user_deactivated.send(sender=User, user=user, actor=actor, reason=reason)
    return user


def sessions_end(user: User) -> int:
    """Delete the person's log-in sessions (database sessions: one decode each)."""
    from django.contrib.sessions.models import Session

    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def user_reactivate(*, actor: User, user: User) -> User:
    _require_admin(actor, "reactivate people")
    user.is_active = True
    set_change_reason(user, f"reactivated by {actor.username}")
    user.save(update_fields=["is_active"])
    return user


@dataclass
class ImportRow:
    line: int
    email: str
    action: str = ""  # "invite" | "update" | "unchanged"
    errors: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


IMPORT_COLUMNS = ("email", "first_name", "last_name", "role", "team")


def users_import_csv(*, actor: User, text: str, commit: bool) -> list[ImportRow]:
    """Bulk invite/update people from CSV (email, first_name, last_name, role, team; roles
    separated by ';'). Every line is checked first; nothing is written unless `commit` and
    no line has an error. Idempotent by e-mail: a known person is updated, not re-invited."""
    _require_admin(actor, "import people")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "email" not in header:
        raise ValidationError(
            {
                "file": f"Line 1: the header needs an 'email' column (columns: {', '.join(IMPORT_COLUMNS)})."
            }
        )
    rows: list[ImportRow] = []
    seen: set[str] = set()
    for raw in reader:
        line = reader.line_num
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        row = ImportRow(line=line, email=data.get("email", "").lower())
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(f"email: '{row.email}' is not an e-mail address.")
        if row.email in seen:
            row.errors.append(f"email: {row.email} appears twice in the file.")
        seen.add(row.email)
        roles: list[str] = []
        for part in (data.get("role") or "").split(";"):
            if part.strip():
                try:
                    roles.append(role_parse(part))
                except ValidationError as exc:
                    row.errors.append(f"role: {exc.message_dict['role'][0]}")
        team_name = data.get("team", "")
        team = None
        if team_name:
            try:
                team = _team_or_none(team_name)
            except ValidationError as exc:
                row.errors.append(f"team: {exc.message_dict['team'][0]}")
        existing = User.objects.filter(
            Q(email__iexact=row.email) | Q(username__iexact=row.email)
        ).first()
        if existing is None:
            row.action = "invite"
            if not roles and not row.errors:
                row.errors.append("role: a new person needs a role (e.g. requester).")
        else:
            same_roles = not roles or set(roles) == set(existing.roles)
            same_team = team is None or existing.team_id == team.pk
            row.action = "unchanged" if same_roles and same_team else "update"
        row.values = {
            "first_name": data.get("first_name", ""),
            "last_name": data.get("last_name", ""),
            "roles": roles,
            "team": team,
            "user": existing,
        }
        rows.append(row)
    if not rows:
        raise ValidationError({"file": "The file has a header but no people."})
    if commit and not any(r.errors for r in rows):
        with transaction.atomic():
            for row in rows:
                v = row.values
                if row.action == "invite":
                    user_invite(
                        actor=actor,
                        email=row.email,
                        roles=v["roles"],
                        team=v["team"],
                        first_name=v["first_name"],
                        last_name=v["last_name"],
                    )
                elif row.action == "update":
                    user_update(
                        actor=actor, user=v["user"], roles=v["roles"] or None, team=v["team"]
                    )
    return rows


def team_create(*, actor: User, name: str, group: str = Team.Group.OTHER) -> Team:
    _require_admin(actor, "create teams")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A team named '{name}' already exists."})
    slug = unique_slug(Team, name)
    with transaction.atomic():
        team = Team(name=name, slug=slug, group=group or Team.Group.OTHER)
        model_save(team, reason=f"created by {actor.username}")
    return team


def team_update(*, actor: User, team: Team, name: str, group: str | None = None) -> Team:
    """Rename a team (its slug stays, so links keep working)."""
    _require_admin(actor, "rename teams")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the team a name."})
    if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": f"A team named '{name}' already exists."})
    with transaction.atomic():
        team.name = name
        if group:
            team.group = group
        model_save(team, reason=f"changed by {actor.username}")
    return team


def team_member_set(*, actor: User, team: Team, user: User, member: bool) -> User:
    """Put a person in `team` (a person has one team) or take them out of it."""
    _require_admin(actor, "change team members")
    if member:
        return user_update(actor=actor, user=user, team=team)
    if user.team_id != team.pk:
        return user
    return user_update(actor=actor, user=user, clear_team=True)


def user_set_time_zone(*, user: User, time_zone: str, actor: User) -> User:
    """Set the zone the user's pages render in ("" follows the MOPS time zone).

    Users set their own; admins may set anyone's. An unknown zone is a ValidationError
    naming the field.
    """
    if actor.pk != user.pk:
        _require_admin(actor, "set another user's time zone")
    time_zone = (time_zone or "").strip()
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        raise ValidationError({"time_zone": exc.messages}) from exc
    user.time_zone = time_zone
    with transaction.atomic():
        set_change_reason(user, "time zone set")
        user.save(update_fields=["time_zone"])
    return user
