import pytest

pytestmark = pytest.mark.django_db


def test_audit_page_lists_who_changed_what(client_for, users):
    team = users["requester"].team
    team.name = "Demand Generation"
    team._change_reason = "renamed"
    team.save()
    response = client_for("admin").get("/audit/", {"model": "accounts.team"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Demand Generation" in html and "renamed" in html and "changed" in html


def test_audit_page_filter_errors_name_the_field(client_for):
    response = client_for("admin").get("/audit/", {"since": "yesterday", "model": "nope.nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "since: &#x27;yesterday&#x27; is not a date" in html
    assert "model: &#x27;nope.nope&#x27; is not an audited model" in html


def test_requesters_cannot_read_the_audit_trail(client_for):
    assert client_for("requester").get("/audit/").status_code == 403


def test_audit_api_returns_changes(api_for, users):
    user = users["pm"]
    user.first_name = "Patricia"
    user.save()
    response = api_for("admin").get("/api/v1/audit/", {"model": "accounts.user", "limit": 5})
    assert response.status_code == 200
    assert any(
        c["field"] == "first_name" and c["new"] == "Patricia"
        for entry in response.json()
        for c in entry["changes"]
    )


def test_audit_api_rejects_unknown_model_with_field_error(api_for):
    response = api_for("admin").get("/api/v1/audit/", {"model": "x.y"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "model"
