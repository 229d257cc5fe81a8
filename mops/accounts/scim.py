"""SCIM 2.0 provisioning (django-scim2 at /scim/v2/): the IdP creates, updates and switches
off people and pushes its groups.

The adapters route every write through the accounts services, so SCIM obeys the same
rules as the People page: deactivation (PATCH active=false, PUT, DELETE) ends sessions and
revokes API and calendar-feed tokens in one transaction (`user_deactivate`); group changes
re-read the `IdpGroupMapping` table for the members they touch. Passwords sent by SCIM are
ignored: people the IdP provisions sign in through the IdP.
"""

from typing import Any

from django.db import transaction
from django_scim import exceptions
from django_scim.adapters import SCIMGroup, SCIMUser

from mops.core.audit import set_change_reason

from .models import IdpGroup, User
from .scim_filters import GroupFilterQuery, UserFilterQuery
from .services import user_deactivate, user_reactivate
from .sso import access_apply


def _as_bool(value: Any) -> bool:
    """SCIM clients send booleans, and Entra ID sends "True"/"False" strings."""
    if isinstance(value, str):
        if value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise exceptions.BadRequestError(f"active must be true or false, not {value!r}.")
    return bool(value)


def _require_object(d: Any) -> None:
    if not isinstance(d, dict):
        raise exceptions.BadRequestError("The request body must be a JSON object.")


def _require_operations(operations: Any) -> None:
    if not isinstance(operations, list) or not all(
        isinstance(op, dict) and isinstance(op.get("op"), str) for op in operations
    ):
        raise exceptions.BadRequestError(
            "Operations must be a list of objects, each with an op (add, remove, replace)."
        )


def _reapply(users: Any) -> None:
    for user in users:
        access_apply(
            user=user,
            groups=list(user.idp_groups.values_list("name", flat=True)),
            provider="scim",
            source="SCIM groups",
        )


class _RefuseMalformed:
    """Both adapters refuse a non-object body and malformed PATCH Operations with a 400."""

    def handle_operations(self, operations: Any) -> None:
        _require_operations(operations)
        super().handle_operations(operations)  # type: ignore[misc]

    def validate_dict(self, d: dict) -> None:
        _require_object(d)
        super().validate_dict(d)  # type: ignore[misc]


class ScimUser(_RefuseMalformed, SCIMUser):
    ATTR_MAP = UserFilterQuery.attr_map
    obj: User  # django-scim2 is untyped: the adapted user

    def validate_dict(self, d: dict) -> None:
        _require_object(d)
        if "active" in d:
            d["active"] = _as_bool(d["active"])
        super().validate_dict(d)

    def from_dict(self, d: dict) -> None:
        if not str(d.get("userName") or "").strip():
            raise exceptions.BadRequestError("userName is required.")
        if "active" in d:
            d = {**d, "active": _as_bool(d["active"])}
        d = {k: v for k, v in d.items() if k != "password"}
        super().from_dict(d)
        self.obj.username = self.obj.username.strip()[:150]

    def save(self) -> None:
        user: User = self.obj
        actor = self.request.user
        user.is_active = _as_bool(user.is_active)
        clash = User.objects.filter(username__iexact=user.username).exclude(pk=user.pk)
        if clash.exists():
            raise exceptions.IntegrityError(f"userName {user.username!r} is already taken.")
        with transaction.atomic():
            if user.pk is None:
                user.set_unusable_password()
                set_change_reason(user, f"provisioned by SCIM ({actor.username})")
                user.save()
                access_apply(user=user, groups=[], provider="scim", source="SCIM")
                return
            was_active = User.objects.filter(pk=user.pk).values_list("is_active", flat=True)[0]
            going_off = was_active and not user.is_active
            user.is_active = was_active  # the services switch it, with their side effects
            set_change_reason(user, f"updated by SCIM ({actor.username})")
            user.save()
            if going_off:
                user_deactivate(actor=actor, user=user, reason="deprovisioned by SCIM")
            elif not was_active and _as_bool(self.obj.is_active):
                user_reactivate(actor=actor, user=user)
            user.refresh_from_db()
            self.obj = user

    def validate_op_replace(self, path: Any, value: Any, operation: dict) -> None:
        if _attr(path) == "active":
            _as_bool(value)

    def handle_replace(self, path: Any, value: Any, operation: dict) -> None:
        if _attr(path) == "active":
            value = _as_bool(value)
        super().handle_replace(path, value, operation)

    def delete(self) -> None:
        """SCIM DELETE: the person is switched off (their history stays) and no longer
        known to SCIM (a later GET is 404)."""
        user: User = self.obj
        with transaction.atomic():
            if user.is_active:
                user_deactivate(actor=self.request.user, user=user, reason="deleted by SCIM")
            User.objects.filter(pk=user.pk).update(scim_id=None, scim_external_id=None)


class ScimGroup(_RefuseMalformed, SCIMGroup):
    ATTR_MAP = GroupFilterQuery.attr_map
    _pending_members: list[int] | None = None

    @property
    def members(self) -> list[dict]:
        return [
            {"value": user.scim_id, "display": user.display_name}
            for user in self.obj.members.exclude(scim_id=None)
        ]

    def from_dict(self, d: dict) -> None:
        if not str(d.get("displayName") or "").strip():
            raise exceptions.BadRequestError("displayName is required.")
        super().from_dict(d)
        if "members" in d:
            self._pending_members = self._users(d.get("members") or [])

    def _users(self, members: Any) -> list[int]:
        if not isinstance(members, list):
            raise exceptions.BadRequestError("members must be a list.")
        ids = [str((m or {}).get("value", "")) for m in members if isinstance(m, dict)]
        if len(ids) != len(members):
            raise exceptions.BadRequestError("Each member must be an object with a value.")
        found = dict(User.objects.filter(scim_id__in=ids).values_list("scim_id", "pk"))
        missing = [i for i in ids if i not in found]
        if missing:
            raise exceptions.BadRequestError(f"Unknown user id(s): {', '.join(missing[:5])}.")
        return [found[i] for i in ids]

    def save(self) -> None:
        group: IdpGroup = self.obj
        clash = IdpGroup.objects.filter(name__iexact=group.name).exclude(pk=group.pk)
        if clash.exists():
            raise exceptions.IntegrityError(f"displayName {group.name!r} is already taken.")
        with transaction.atomic():
            before = set(group.members.values_list("pk", flat=True)) if group.pk else set()
            set_change_reason(group, f"SCIM ({self.request.user.username})")
            group.save()
            if self._pending_members is not None:
                group.members.set(self._pending_members)
                after = set(self._pending_members)
                _reapply(User.objects.filter(pk__in=before ^ after))
                self._pending_members = None

    def handle_add(self, path: Any, value: Any, operation: dict) -> None:
        self._change_members(path, value, add=True)

    def handle_remove(self, path: Any, value: Any, operation: dict) -> None:
        if _attr(path) == "members" and not value:
            # Entra/Okta: {"op": "remove", "path": "members[value eq \"7\"]"} names the member
            # in the filter of the path.
            value = [{"value": v} for v in _filter_values(path)]
        self._change_members(path, value, add=False)

    def handle_replace(self, path: Any, value: Any, operation: dict) -> None:
        if path is None and isinstance(value, dict):
            if "displayName" in value:
                self.obj.name = str(value["displayName"]).strip()
            if "members" in value:
                self._pending_members = self._users(value["members"] or [])
            self.save()
            return
        if _attr(path) == "displayName":
            self.obj.name = str(value).strip()
            self.save()
            return
        if _attr(path) == "members":
            self._pending_members = self._users(value or [])
            self.save()
            return
        raise exceptions.NotImplementedError("Only displayName and members can be replaced.")

    def _change_members(self, path: Any, value: Any, *, add: bool) -> None:
        if _attr(path) != "members":
            raise exceptions.NotImplementedError("Only members can be added or removed.")
        pks = self._users(value or [])
        users = User.objects.filter(pk__in=pks)
        if add:
            self.obj.members.add(*users)
        else:
            self.obj.members.remove(*users)
        _reapply(users)

    def delete(self) -> None:
        with transaction.atomic():
            members = list(self.obj.members.all())
            self.obj.delete()
            _reapply(members)


def _attr(path: Any) -> str | None:
    """The attribute a PATCH path names ("members" for members[value eq "7"])."""
    return path.first_path[0] if path is not None else None


def _filter_values(path: Any) -> list[str]:
    """The values in a path filter like members[value eq "7"] (django-scim2 keeps it as text)."""
    import re

    text = str(getattr(path, "filter", "") or path)
    return re.findall(r'value\s+eq\s+"([^"]+)"', text)
