"""RFC API: create, edit with If-Match, transitions, approvals, schedule, diff, policies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.governance.conftest import RFC_FIELDS

pytestmark = pytest.mark.django_db


def _create(api, **overrides):
    response = api.post("/api/v1/rfcs/", {**RFC_FIELDS, **overrides}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_engineer_creates_and_submits_an_rfc(api_for):
    body = _create(api_for("engineer"), submit=True, risk_answers={"production_data": True})
    assert body["status"] == "in_review"
    assert body["reference"] == f"RFC-{body['id']}"
    assert body["risk_suggested"] == "medium"
    assert len(body["content_hash"]) == 64
    assert body["quorum"]["met"] is False


def test_missing_rollback_plan_is_a_400_naming_the_field(api_for):
    api = api_for("engineer")
    response = api.post("/api/v1/rfcs/", {**RFC_FIELDS, "rollback_plan": ""}, format="json")
    assert response.status_code == 400
    assert "rollback_plan" in {e["field"] for e in response.json()["errors"]}


def test_unknown_risk_question_is_a_400(api_for):
    response = api_for("engineer").post(
        "/api/v1/rfcs/", {**RFC_FIELDS, "risk_answers": {"nope": True}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("risk_answers")


def test_bad_linked_object_is_a_400(api_for):
    response = api_for("engineer").post(
        "/api/v1/rfcs/",
        {**RFC_FIELDS, "linked_objects": [{"kind": "x", "ref": "y"}]},
        format="json",
    )
    assert response.status_code == 400


def test_requester_cannot_read_or_write_rfcs(api_for):
    api = api_for("requester")
    assert api.get("/api/v1/rfcs/").status_code == 403
    assert api.post("/api/v1/rfcs/", RFC_FIELDS, format="json").status_code == 403


def test_approve_via_api_records_hash_and_self_approval_is_403(api_for, users):
    body = _create(api_for("admin"), submit=True)
    own = api_for("admin").post(f"/api/v1/rfcs/{body['id']}/approve/", {}, format="json")
    assert own.status_code == 403
    response = api_for("approver").post(
        f"/api/v1/rfcs/{body['id']}/approve/",
        {"content_hash": body["content_hash"], "comment": "ok"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "approved"
    assert data["approvals"][0]["content_hash"] == body["content_hash"]
    assert data["approvals"][0]["reviewer"] == "approver"


def test_allowed_actions_answer_per_caller_and_match_what_the_api_accepts(api_for):
    """The detail's allowed_actions is rfc_allowed_actions for the caller: the author may
    not approve their own RFC, an approver may, and an action listed is one the API takes."""
    body = _create(api_for("admin"), submit=True)
    assert "approve" not in body["allowed_actions"]  # no self-approval
    approver = api_for("approver")
    seen = approver.get(f"/api/v1/rfcs/{body['id']}/").json()
    assert "approve" in seen["allowed_actions"]
    response = approver.post(
        f"/api/v1/rfcs/{body['id']}/approve/",
        {"content_hash": seen["content_hash"], "comment": "ok"},
        format="json",
    )
    assert response.status_code == 200
    assert "approve" not in response.json()["allowed_actions"]  # approved already


def test_approving_with_a_stale_hash_is_412(api_for):
    body = _create(api_for("engineer"), submit=True)
    response = api_for("approver").post(
        f"/api/v1/rfcs/{body['id']}/approve/", {"content_hash": "0" * 64}, format="json"
    )
    assert response.status_code == 412


def test_edit_with_stale_if_match_is_412_and_edit_voids_approval(api_for):
    engineer = api_for("engineer")
    body = _create(engineer, submit=True)
    api_for("approver").post(f"/api/v1/rfcs/{body['id']}/approve/", {}, format="json")
    stale = engineer.patch(
        f"/api/v1/rfcs/{body['id']}/", {"title": "x"}, format="json", HTTP_IF_MATCH='"9"'
    )
    assert stale.status_code == 412
    response = engineer.patch(
        f"/api/v1/rfcs/{body['id']}/",
        {"rollback_plan": "Different plan."},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "in_review" and data["version"] == 2
    assert data["approvals"][0]["void"] is True
    assert response["ETag"] == '"2"'

    diff = engineer.get(f"/api/v1/rfcs/{body['id']}/diff/").json()
    assert diff["from_version"] == 1 and diff["to_version"] == 2
    assert [c["field"] for c in diff["changes"]] == ["rollback_plan"]
    assert diff["approved_version"] == 1
    assert [c["field"] for c in diff["changed_since_approval"]] == ["rollback_plan"]


def test_diff_rejects_unknown_versions(api_for):
    body = _create(api_for("engineer"))
    api = api_for("engineer")
    assert api.get(f"/api/v1/rfcs/{body['id']}/diff/?to_version=5").status_code == 400
    assert api.get(f"/api/v1/rfcs/{body['id']}/diff/?from_version=abc").status_code == 400


def test_request_changes_needs_a_comment(api_for):
    body = _create(api_for("engineer"), submit=True)
    api = api_for("approver")
    assert (
        api.post(f"/api/v1/rfcs/{body['id']}/request-changes/", {}, format="json").status_code
        == 400
    )
    response = api.post(
        f"/api/v1/rfcs/{body['id']}/request-changes/", {"comment": "Add a test."}, format="json"
    )
    assert response.json()["status"] == "changes_requested"


def test_transition_errors_are_409_and_role_refusals_403(api_for):
    body = _create(api_for("engineer"))
    api = api_for("engineer")
    assert (
        api.post(
            f"/api/v1/rfcs/{body['id']}/transition/", {"name": "verify"}, format="json"
        ).status_code
        == 409
    )
    bad = api.post(f"/api/v1/rfcs/{body['id']}/transition/", {"name": "approve"}, format="json")
    assert bad.status_code == 400  # approval is not a transition anyone asks for


def test_high_risk_schedule_through_api(api_for, users, cab):
    body = _create(api_for("engineer"), submit=True, risk="high")
    for who in ("approver", "approver2"):
        assert (
            api_for(who).post(f"/api/v1/rfcs/{body['id']}/approve/", {}, format="json").status_code
            == 200
        )
    pm = api_for("pm")
    refused = pm.post(f"/api/v1/rfcs/{body['id']}/schedule/", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "window_start"
    start = timezone.now() + timedelta(days=2)
    response = pm.post(
        f"/api/v1/rfcs/{body['id']}/schedule/",
        {
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=2)).isoformat(),
            "window_ref": "Tue 10:00 train",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "scheduled"


def _approved_high_via_api(api_for, **overrides) -> dict:
    body = _create(api_for("engineer"), submit=True, risk="high", **overrides)
    for who in ("approver", "approver2"):
        approved = api_for(who).post(f"/api/v1/rfcs/{body['id']}/approve/", {}, format="json")
        assert approved.status_code == 200, approved.json()
    return body


def test_api_refuses_a_high_risk_rfc_into_a_freeze_window(api_for, cab, freeze_over):
    body = _approved_high_via_api(api_for)
    start = timezone.now() + timedelta(days=2)
    end = start + timedelta(hours=2)
    freeze_over(start, end)
    refused = api_for("pm").post(
        f"/api/v1/rfcs/{body['id']}/schedule/",
        {"window_start": start.isoformat(), "window_end": end.isoformat()},
        format="json",
    )
    # A refused lifecycle step is a 409 on this API (as for every transition refusal).
    assert refused.status_code == 409, refused.json()
    error = refused.json()["errors"][0]
    assert error["code"] == "freeze"
    assert "inside a freeze" in error["message"]
    assert api_for("pm").get(f"/api/v1/rfcs/{body['id']}/").json()["status"] == "approved"


def test_api_schedules_an_emergency_rfc_into_a_freeze_window(api_for, cab, freeze_over):
    start = timezone.now() + timedelta(days=2)
    end = start + timedelta(hours=2)
    body = _approved_high_via_api(
        api_for,
        emergency=True,
        emergency_reason="Every EMEA lead goes to a departed rep.",
        desired_window_start=start.isoformat(),
        desired_window_end=end.isoformat(),
    )
    freeze_over(start, end)
    response = api_for("pm").post(
        f"/api/v1/rfcs/{body['id']}/schedule/",
        {"window_start": start.isoformat(), "window_end": end.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "scheduled"
    from governance.models import RfcEvent

    note = RfcEvent.objects.get(rfc_id=body["id"], name="schedule").note
    assert note.endswith(" (inside a freeze, emergency RFC)")


def test_list_filters_and_constant_queries(api_for, make_rfc, django_assert_max_num_queries):
    for i in range(6):
        make_rfc(title=f"RFC number {i}", risk="medium" if i % 2 else "low")
    api = api_for("pm")
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/rfcs/?risk=medium")
    assert response.status_code == 200
    assert {r["risk"] for r in response.json()["results"]} == {"medium"}
    assert response.json()["count"] == 3
    assert api.get("/api/v1/rfcs/?status=bogus").status_code == 400


def test_approval_policies_read_and_admin_write(api_for):
    policies = api_for("pm").get("/api/v1/approval-policies/").json()
    assert [p["risk"] for p in policies] == ["low", "medium", "high"]
    # A clean install's high-risk policy: two approvers (the Approver role), no group that
    # might not exist (it used to name "CAB", which a clean install lacks).
    assert policies[2]["eligible_group"] == ""
    assert policies[2]["required_approvals"] == 2
    assert (
        api_for("pm")
        .patch("/api/v1/approval-policies/high/", {"required_approvals": 3}, format="json")
        .status_code
        == 403
    )
    response = api_for("admin").patch(
        "/api/v1/approval-policies/high/", {"required_approvals": 3}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["required_approvals"] == 3
    assert (
        api_for("admin")
        .patch("/api/v1/approval-policies/high/", {"required_approvals": 0}, format="json")
        .status_code
        == 400
    )
