"""On-call rotations: the rotation, its roster (members in hand-off positions) and its
overrides, written together. `<entity>_<verb>(*, ..., actor)`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from mops.accounts.models import User
from mops.core.audit import set_change_reason, set_history_user
from mops.core.services import model_save, require_role
from mops.notify.models import Channel

from ..models import Rotation, RotationMember, RotationOverride
from .datasets import DATA_ADMINS


@dataclass(frozen=True)
class RosterMember:
    user: User
    position: int


@dataclass(frozen=True)
class RosterOverride:
    user: User
    starts_at: datetime
    ends_at: datetime
    reason: str = ""


def _roster_reason(actor: User, members: Sequence[RosterMember], overrides: int) -> str:
    # Members and overrides keep no history of their own: the rotation's row names them.
    names = ", ".join(m.user.username for m in sorted(members, key=lambda m: m.position))
    return f"by {actor.username}: {overrides} override(s); roster {names or '(empty)'}"


def rotation_save(
    *,
    actor: User,
    rotation: Rotation,
    channels: Iterable[Channel],
    members: Sequence[RosterMember],
    overrides: Sequence[RosterOverride],
) -> Rotation:
    """Create or change `rotation` (data admins only), replacing its channels, roster and
    overrides with the ones given; validated, one history row naming the roster."""
    require_role(actor, DATA_ADMINS, "edit on-call rotations")
    with transaction.atomic():
        model_save(rotation, reason=_roster_reason(actor, members, len(overrides)), author=actor)
        rotation.channels.set(list(channels))
        rotation.members.all().delete()
        rotation.overrides.all().delete()
        rows: list[RotationMember | RotationOverride] = [
            RotationMember(rotation=rotation, user=m.user, position=m.position) for m in members
        ]
        rows += [
            RotationOverride(
                rotation=rotation,
                user=o.user,
                starts_at=o.starts_at,
                ends_at=o.ends_at,
                reason=o.reason,
            )
            for o in overrides
        ]
        for row in rows:
            row.full_clean()
            row.save()
    return rotation


def rotation_delete(*, actor: User, rotation: Rotation) -> None:
    """Delete `rotation` with its roster (data admins only); the history row names who."""
    require_role(actor, DATA_ADMINS, "delete on-call rotations")
    set_history_user(rotation, actor)
    set_change_reason(rotation, f"deleted by {actor.username}")
    rotation.delete()
