import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from mops.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_profile_creates_a_token_shown_once_and_stored_hashed(client_for, users):
    client = client_for("pm")
    response = client.post("/profile/", {"name": "BI export"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("mops_")
    token = ApiToken.objects.get(user=users["pm"])
    assert token.digest == ApiToken.digest_of(key) and key not in token.digest
    assert key not in client.get("/profile/").content.decode()  # never shown again


def test_token_authenticates_api_calls(users):
    _, key = __import__("mops.accounts.services", fromlist=["x"]).api_token_create(
        user=users["pm"], name="x"
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 200 and response.json()["username"] == "pm"
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/me/").status_code == 200


def test_revoked_token_is_refused(client_for, users):
    from mops.accounts.services import api_token_create

    token, key = api_token_create(user=users["pm"], name="x")
    client_for("pm").post("/profile/", {"action": "revoke", "token": token.pk})
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Invalid or revoked token."


def test_token_without_name_is_refused_with_the_field_named(client_for):
    response = client_for("pm").post("/profile/", {"name": "  "})
    assert response.status_code == 400
    assert "Token name:" in response.content.decode()


def test_api_creates_and_revokes_own_tokens(api_for):
    api = api_for("requester")
    created = api.post("/api/v1/tokens/", {"name": "script"}, format="json")
    assert created.status_code == 201 and created.json()["key"].startswith("mops_")
    listed = api.get("/api/v1/tokens/").json()["results"]
    assert {t["name"] for t in listed} == {"tests", "script"} and all(
        "key" not in t for t in listed
    )
    revoked = api.post(f"/api/v1/tokens/{created.json()['id']}/revoke/")
    assert revoked.json()["revoked_at"]


def test_management_command_prints_a_working_key(users, capsys):
    call_command("create_api_token", "leader", "--name", "cli")
    key = capsys.readouterr().out.strip()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").json()["username"] == "leader"


def test_management_command_unknown_user_is_a_clear_error():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("create_api_token", "ghost")
