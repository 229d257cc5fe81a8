"""RFC change control: lifecycle, risk-based approvals, voiding on edit, scheduling rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.models import Approval, ApprovalPolicy, RfcEvent
from governance.rfc.selectors import (
    rfc_changes_since_approval,
    rfc_diff,
    rfc_emergency_approved_for,
    rfcs_awaiting_review_by,
)
from governance.rfc.services import (
    StaleVersion,
    approval_policy_save,
    content_hash,
    rfc_approve,
    rfc_content,
    rfc_create,
    rfc_reject,
    rfc_request_changes,
    rfc_schedule,
    rfc_transition,
    rfc_update,
)
from mops.core.lifecycle import TransitionError
from mops.notify.models import Notification, OutboxMessage
from tests.governance.conftest import approved_high_rfc

pytestmark = pytest.mark.django_db


def _window(hours_from_now: int = 48, length: int = 2):
    start = timezone.now() + timedelta(hours=hours_from_now)
    return start, start + timedelta(hours=length)


def test_rollback_plan_is_required(users):
    from tests.governance.conftest import RFC_FIELDS

    with pytest.raises(ValidationError) as exc:
        rfc_create(actor=users["engineer"], **{**RFC_FIELDS, "rollback_plan": "  "})
    assert "rollback_plan" in exc.value.message_dict


def test_emergency_rfc_needs_a_reason(make_rfc):
    with pytest.raises(ValidationError) as exc:
        make_rfc(emergency=True)
    assert "emergency_reason" in exc.value.message_dict


def test_requester_cannot_write_rfcs(users):
    from tests.governance.conftest import RFC_FIELDS

    with pytest.raises(PermissionDenied):
        rfc_create(actor=users["requester"], **RFC_FIELDS)


def test_every_step_is_an_event(make_rfc, users):
    rfc = make_rfc()
    names = list(rfc.events.order_by("id").values_list("name", "to_status"))
    assert names == [("created", "draft"), ("submit", "in_review")]


def test_submit_notifies_reviewers_through_outbox(make_rfc, users):
    make_rfc()
    assert Notification.objects.filter(user=users["approver"]).exists()
    assert OutboxMessage.objects.filter(target=users["approver"].email).exists()
    assert not Notification.objects.filter(user=users["engineer"]).exists()


def test_low_risk_needs_one_approval(make_rfc, users):
    rfc = make_rfc(risk="low")
    rfc_approve(rfc=rfc, actor=users["approver"], expected_hash=rfc.content_hash)
    rfc.refresh_from_db()
    assert rfc.status == "approved"
    approval = rfc.approvals.get()
    assert approval.content_hash == content_hash(rfc_content(rfc))
    assert approval.revision_number == 1


def test_medium_risk_needs_two_approvals(make_rfc, users):
    rfc = make_rfc(risk="medium")
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc.refresh_from_db()
    assert rfc.status == "in_review"
    rfc_approve(rfc=rfc, actor=users["approver2"])
    rfc.refresh_from_db()
    assert rfc.status == "approved"


def test_high_risk_needs_the_cab_quorum_including_revops(make_rfc, users, cab):
    rfc = make_rfc(risk="high")
    rfc_approve(rfc=rfc, actor=users["approver"])  # CAB, not RevOps
    rfc.refresh_from_db()
    assert rfc.status == "in_review"
    rfc_approve(rfc=rfc, actor=users["approver2"])  # CAB + RevOps
    rfc.refresh_from_db()
    assert rfc.status == "approved"


def test_high_risk_quorum_without_revops_is_not_met(make_rfc, users, cab):
    admin = users["admin"]
    from django.contrib.auth.models import Group

    admin.groups.add(Group.objects.get(name="CAB"))
    users["approver2"].groups.remove(cab["revops"])
    rfc = make_rfc(risk="high")
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc_approve(rfc=rfc, actor=users["approver2"])
    rfc.refresh_from_db()
    assert rfc.status == "in_review"  # two CAB approvals, no RevOps


def test_high_risk_refuses_approver_outside_the_cab(make_rfc, users, cab):
    # The CAB is a policy admins choose (the `cab` fixture stores it); a clean install's
    # default asks any two approvers (tests/accounts/test_clean_install.py).
    from mops.accounts.roles import Role
    from tests.factories import UserFactory

    outsider = UserFactory(username="approver3", role=Role.APPROVER)
    rfc = make_rfc(risk="high")
    with pytest.raises(PermissionDenied, match="CAB"):
        rfc_approve(rfc=rfc, actor=outsider)


def test_quorum_is_configurable_as_data(make_rfc, users, cab):
    approval_policy_save(
        actor=users["admin"], risk="high", required_approvals=1, must_include_group=""
    )
    rfc = make_rfc(risk="high")
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc.refresh_from_db()
    assert rfc.status == "approved"
    assert ApprovalPolicy.objects.get(risk="high").required_approvals == 1


def test_self_approval_is_refused_even_for_an_approver(make_rfc, users):
    rfc = make_rfc(author="admin")  # admins may both write and approve
    with pytest.raises(PermissionDenied, match="own RFC"):
        rfc_approve(rfc=rfc, actor=users["admin"])
    assert not Approval.objects.exists()


def test_non_reviewer_cannot_approve(make_rfc, users):
    rfc = make_rfc()
    with pytest.raises(PermissionDenied):
        rfc_approve(rfc=rfc, actor=users["pm"])


def test_the_same_reviewer_counts_once(make_rfc, users):
    rfc = make_rfc(risk="medium")
    rfc_approve(rfc=rfc, actor=users["approver"])
    with pytest.raises(TransitionError):
        rfc_approve(rfc=rfc, actor=users["approver"])


def test_approving_a_stale_hash_is_refused(make_rfc, users):
    rfc = make_rfc()
    seen = rfc.content_hash
    rfc_update(rfc=rfc, actor=users["engineer"], summary="Changed while the reviewer read it.")
    with pytest.raises(StaleVersion):
        rfc_approve(rfc=rfc, actor=users["approver"], expected_hash=seen)


def test_edit_after_approval_voids_it_and_asks_again(make_rfc, users):
    rfc = make_rfc(risk="low")
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc.refresh_from_db()
    assert rfc.status == "approved"
    Notification.objects.all().delete()

    rfc = rfc_update(
        rfc=rfc, actor=users["engineer"], rollback_plan="Restore the old mapping from backup."
    )
    assert rfc.status == "in_review"
    assert rfc.version == 2
    approval = rfc.approvals.get()
    assert approval.is_void and "v2" in approval.void_reason
    assert Notification.objects.filter(user=users["approver"], text__contains="again").exists()
    assert RfcEvent.objects.filter(rfc=rfc, name="approval_voided").exists()
    assert RfcEvent.objects.filter(rfc=rfc, name="reopen_review").exists()

    # The voided approval no longer counts; a fresh one approves v2.
    rfc_approve(rfc=rfc, actor=users["approver"], expected_hash=rfc.content_hash)
    rfc.refresh_from_db()
    assert rfc.status == "approved"


def test_linking_a_template_is_a_content_change(make_rfc, users):
    from catalog.models import Template

    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    template = Template.objects.create(name="Welcome series", slug="welcome-series")
    rfc = rfc_update(rfc=rfc, actor=users["engineer"], templates=[template])
    assert rfc.status == "in_review"
    assert rfc.approvals.get().is_void


def test_no_op_edit_keeps_the_approval(make_rfc, users):
    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc = rfc_update(rfc=rfc, actor=users["engineer"], title=rfc.title)
    assert rfc.status == "approved" and rfc.version == 1


def test_stale_version_on_edit(make_rfc, users):
    rfc = make_rfc()
    with pytest.raises(StaleVersion):
        rfc_update(rfc=rfc, actor=users["engineer"], expected_version=7, title="x")


def test_diff_and_changes_since_approval(make_rfc, users):
    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc = rfc_update(
        rfc=rfc,
        actor=users["engineer"],
        proposal="Create the field in the CRM and MAP.\nMap it in the nightly sync.",
        risk="medium",
    )
    changes = rfc_diff(rfc, from_number=1, to_number=2)
    assert [c.field for c in changes] == ["proposal", "risk"]
    proposal = changes[0]
    assert any(line.kind == "add" and "nightly" in line.text for line in proposal.lines)
    approved, since = rfc_changes_since_approval(rfc)
    assert approved == 1 and [c.field for c in since] == ["proposal", "risk"]


def test_request_changes_then_resubmit(make_rfc, users):
    rfc = make_rfc()
    with pytest.raises(ValidationError):
        rfc_request_changes(rfc=rfc, actor=users["approver"], comment="")
    rfc_request_changes(rfc=rfc, actor=users["approver"], comment="Add the sync test.")
    rfc.refresh_from_db()
    assert rfc.status == "changes_requested"
    assert Notification.objects.filter(user=users["engineer"], text__contains="sync").exists()
    rfc = rfc_update(rfc=rfc, actor=users["engineer"], test_plan="Sandbox + sync test.")
    rfc = rfc_transition(rfc=rfc, name="resubmit", actor=users["engineer"])
    assert rfc.status == "in_review"


def test_reject_is_final(make_rfc, users):
    rfc = make_rfc()
    rfc_reject(rfc=rfc, actor=users["approver"], comment="Duplicate of RFC-1.")
    rfc.refresh_from_db()
    assert rfc.status == "rejected"
    with pytest.raises(TransitionError):
        rfc_update(rfc=rfc, actor=users["engineer"], title="again")


def test_approval_is_not_a_button(make_rfc, users):
    rfc = make_rfc()
    with pytest.raises(TransitionError):
        rfc_transition(rfc=rfc, name="approve", actor=users["approver"])
    with pytest.raises(TransitionError):
        rfc_transition(rfc=rfc, name="schedule", actor=users["pm"])


# --- scheduling -----------------------------------------------------------------------------


def test_high_risk_cannot_be_scheduled_outside_a_window(make_rfc, users, cab):
    rfc = approved_high_rfc(make_rfc, users)
    with pytest.raises(ValidationError) as exc:
        rfc_schedule(rfc=rfc, actor=users["pm"], window_start=None, window_end=None)
    assert "window_start" in exc.value.message_dict
    rfc.refresh_from_db()
    assert rfc.status == "approved"


def test_high_risk_cannot_be_scheduled_into_a_freeze(make_rfc, users, cab, freeze_over):
    rfc = approved_high_rfc(make_rfc, users)
    start, end = _window()
    freeze_over(start, end)
    with pytest.raises(TransitionError) as exc:
        rfc_schedule(
            rfc=rfc,
            actor=users["pm"],
            window_start=start,
            window_end=end,
            window_ref="departure:9",
        )
    assert exc.value.code == "freeze"
    rfc.refresh_from_db()
    assert rfc.status == "approved"


def test_a_freeze_of_other_channels_does_not_hold_back_an_rfc(make_rfc, users, cab, freeze_over):
    rfc = approved_high_rfc(make_rfc, users, channels=["web"])
    start, end = _window()
    freeze_over(start, end, channels=["email"])
    rfc = rfc_schedule(rfc=rfc, actor=users["pm"], window_start=start, window_end=end)
    assert rfc.status == "scheduled"
    assert "inside a freeze" not in rfc.events.get(name="schedule").note


def test_an_rfc_naming_no_channel_is_held_back_by_any_freeze(make_rfc, users, cab, freeze_over):
    rfc = approved_high_rfc(make_rfc, users)
    start, end = _window()
    freeze_over(start, end, channels=["email"])
    with pytest.raises(TransitionError) as exc:
        rfc_schedule(rfc=rfc, actor=users["pm"], window_start=start, window_end=end)
    assert exc.value.code == "freeze"


def test_high_risk_is_scheduled_into_a_departure_window(make_rfc, users, cab):
    rfc = approved_high_rfc(make_rfc, users)
    start, end = _window()
    rfc = rfc_schedule(
        rfc=rfc, actor=users["pm"], window_start=start, window_end=end, window_ref="departure:9"
    )
    assert rfc.status == "scheduled"
    assert (rfc.scheduled_start, rfc.scheduled_ref) == (start, "departure:9")
    event = rfc.events.get(name="schedule")
    assert "departure:9" in event.note


def test_emergency_high_risk_rfc_may_go_into_a_freeze(make_rfc, users, cab, freeze_over):
    start, end = _window()
    rfc = approved_high_rfc(
        make_rfc,
        users,
        emergency=True,
        emergency_reason="Routing sends every lead to a departed rep.",
        desired_window_start=start,
        desired_window_end=end,
    )
    assert rfc_emergency_approved_for(start - timedelta(hours=1), end) == rfc
    freeze_over(start, end)
    rfc = rfc_schedule(rfc=rfc, actor=users["pm"], window_start=start, window_end=end)
    assert rfc.status == "scheduled"
    assert rfc.events.get(name="schedule").note.endswith(" (inside a freeze, emergency RFC)")
    assert rfc_emergency_approved_for(end, end + timedelta(hours=1)) is None


def test_low_risk_may_be_scheduled_without_a_window(make_rfc, users):
    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc = rfc_schedule(rfc=rfc, actor=users["pm"], window_start=None, window_end=None)
    assert rfc.status == "scheduled"


def test_only_pm_or_admin_schedules(make_rfc, users):
    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    with pytest.raises(TransitionError) as exc:
        rfc_schedule(rfc=rfc, actor=users["engineer"], window_start=None, window_end=None)
    assert exc.value.code == "forbidden"


def test_naive_window_is_refused(make_rfc, users):
    from datetime import datetime

    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    with pytest.raises(ValidationError):
        rfc_schedule(
            rfc=rfc,
            actor=users["pm"],
            window_start=datetime(2030, 1, 1, 10),  # noqa: DTZ001 — the naive value under test
            window_end=datetime(2030, 1, 1, 12),  # noqa: DTZ001
        )


def test_full_path_to_verified_and_rolled_back(make_rfc, users):
    rfc = make_rfc()
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc_schedule(rfc=rfc, actor=users["pm"], window_start=None, window_end=None)
    rfc = rfc_transition(rfc=rfc, name="implement", actor=users["engineer"])
    with pytest.raises(ValidationError):
        rfc_transition(rfc=rfc, name="roll_back", actor=users["engineer"])
    rfc = rfc_transition(rfc=rfc, name="verify", actor=users["engineer"])
    assert rfc.status == "verified"
    with pytest.raises(TransitionError):
        rfc_update(rfc=rfc, actor=users["engineer"], title="late")


def test_awaiting_review_excludes_own_and_already_approved(make_rfc, users):
    rfc = make_rfc(risk="medium")
    assert rfc in rfcs_awaiting_review_by(users["approver"])
    rfc_approve(rfc=rfc, actor=users["approver"])
    assert rfc not in rfcs_awaiting_review_by(users["approver"])
    assert rfc in rfcs_awaiting_review_by(users["approver2"])
    own = make_rfc(author="admin")
    assert own not in rfcs_awaiting_review_by(users["admin"])
