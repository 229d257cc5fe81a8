"""Approval policies are edited on a page whose group fields are pick-lists of the groups
and teams that exist; a name that does not exist is refused naming the field."""

import pytest

from governance.models import ApprovalPolicy

pytestmark = pytest.mark.django_db


def _data(**overrides: str) -> dict[str, str]:
    data = {
        "risk": "high",
        "high-required_approvals": "2",
        "high-eligible_group": "",
        "high-must_include_group": "Marketing Ops",
        "high-requires_change_window": "on",
    }
    return data | {f"high-{k}": v for k, v in overrides.items()}


def test_policy_page_offers_existing_roles_and_teams(client_for, users):
    html = client_for("admin").get("/governance/approval-policies/").content.decode()
    assert '<option value="Marketing Ops">' in html  # a team
    assert '<option value="Approver">' in html  # a role group
    assert '<option value="CAB">' not in html  # a clean install has no CAB


def test_admin_requires_an_approver_from_a_team(client_for, users):
    response = client_for("admin").post("/governance/approval-policies/", _data())
    assert response.status_code == 302
    policy = ApprovalPolicy.objects.get(risk="high")
    assert policy.must_include_group == "Marketing Ops" and policy.required_approvals == 2


def test_a_group_that_does_not_exist_is_refused_naming_the_field(client_for, users):
    response = client_for("admin").post(
        "/governance/approval-policies/", _data(must_include_group="RevOps")
    )
    assert response.status_code == 400
    assert 'id="field-high-must_include_group"' in response.content.decode()
    assert not ApprovalPolicy.objects.exists()


def test_only_admins_edit_policies(client_for, users):
    page = client_for("pm").get("/governance/approval-policies/")
    assert page.status_code == 200 and "<form" not in page.content.decode().split("<main")[-1]
    assert client_for("pm").post("/governance/approval-policies/", _data()).status_code == 403
    assert client_for("requester").get("/governance/approval-policies/").status_code == 403


def test_an_altered_risk_field_is_refused_naming_it_and_saves_nothing(client_for, users):
    response = client_for("admin").post(
        "/governance/approval-policies/", {**_data(), "risk": "extreme"}
    )
    assert response.status_code == 400
    assert "risk: &#x27;extreme&#x27; is not a risk level" in response.content.decode()
    assert not ApprovalPolicy.objects.exists()
