"""The six roles of mops and what each may do.

Roles are Django groups, granted on the People page or the users API through
`mops.accounts.services` (the admin shows groups read-only); this module is the single place
that names them. Pages and API ask `has_role` / `RolePermission`, never a
group name string.
"""

from collections.abc import Iterable

from django.db import models


class Role(models.TextChoices):
    REQUESTER = "requester", "Requester"
    PM = "pm", "MOPS PM"
    ENGINEER = "engineer", "MOPS Engineer"
    APPROVER = "approver", "Approver"
    LEADERSHIP = "leadership", "Leadership"
    ADMIN = "admin", "Admin"


ALL_ROLES: frozenset[str] = frozenset(Role.values)
MOPS_STAFF: frozenset[str] = frozenset({Role.PM, Role.ENGINEER, Role.ADMIN})
READ_EVERYTHING: frozenset[str] = frozenset({Role.PM, Role.ENGINEER, Role.LEADERSHIP, Role.ADMIN})
ADMINS: frozenset[str] = frozenset({Role.ADMIN})
# Leadership reads everything and writes nothing: no comments, no @mentions (which notify
# and e-mail people). Whoever may speak on a request they can see.
COMMENTERS: frozenset[str] = ALL_ROLES - {Role.LEADERSHIP}

GROUP_NAMES: dict[str, str] = {role.value: role.label for role in Role}


def user_roles(user: object) -> frozenset[str]:
    """The roles a user holds; superusers hold all of them. Cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_mops_roles", None)
    if cached is not None:
        return cached
    if getattr(user, "is_superuser", False):
        roles = ALL_ROLES
    else:
        label_to_role = {label: value for value, label in GROUP_NAMES.items()}
        names = user.groups.values_list("name", flat=True)  # type: ignore[attr-defined]
        roles = frozenset(label_to_role[n] for n in names if n in label_to_role)
    user._mops_roles = roles  # type: ignore[attr-defined]
    return roles


def has_role(user: object, roles: Iterable[str]) -> bool:
    """True when the user holds at least one of `roles`."""
    return bool(user_roles(user) & frozenset(roles))
