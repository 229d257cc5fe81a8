"""rotation_save / rotation_delete: the one write path of on-call rotations (the admin calls them)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.health.models import Rotation
from governance.health.services.rotations import (
    RosterMember,
    RosterOverride,
    rotation_delete,
    rotation_save,
)


def test_only_data_admins_edit_rotations(users):
    with pytest.raises(PermissionDenied):
        rotation_save(
            actor=users["engineer"],
            rotation=Rotation(name="On-call"),
            channels=[],
            members=[],
            overrides=[],
        )
    rotation = rotation_save(
        actor=users["admin"],
        rotation=Rotation(name="On-call"),
        channels=[],
        members=[],
        overrides=[],
    )
    with pytest.raises(PermissionDenied):
        rotation_delete(actor=users["pm"], rotation=rotation)
    assert Rotation.objects.filter(pk=rotation.pk).exists()


def test_a_bad_roster_saves_nothing(users):
    now = timezone.now()
    with pytest.raises(ValidationError):
        rotation_save(
            actor=users["admin"],
            rotation=Rotation(name="On-call"),
            channels=[],
            members=[RosterMember(user=users["pm"], position=0)],
            overrides=[
                RosterOverride(user=users["pm"], starts_at=now, ends_at=now - timedelta(hours=1))
            ],
        )
    assert not Rotation.objects.exists()


def test_the_roster_is_replaced_and_named_in_the_history(users):
    rotation = rotation_save(
        actor=users["admin"],
        rotation=Rotation(name="On-call"),
        channels=[],
        members=[
            RosterMember(user=users["pm"], position=0),
            RosterMember(user=users["engineer"], position=1),
        ],
        overrides=[],
    )
    rotation_save(
        actor=users["admin"],
        rotation=rotation,
        channels=[],
        members=[RosterMember(user=users["engineer"], position=0)],
        overrides=[],
    )
    assert [(m.user.username, m.position) for m in rotation.members.all()] == [("engineer", 0)]
    reasons = list(
        rotation.history.order_by("history_date").values_list("history_change_reason", flat=True)
    )
    assert reasons == [
        "by admin: 0 override(s); roster pm, engineer",
        "by admin: 0 override(s); roster engineer",
    ]
