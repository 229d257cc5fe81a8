"""SCIM 2.0 provisioning, spoken as an IdP (Okta, Entra ID) speaks it.

Provisioning, deprovisioning and the credentials go over real HTTP to a live server
(`idp`); the refusals of bad and hostile input, which need no second connection, go through
Django's test client inside the test's transaction (`scim`: the whole middleware and view
stack, the same headers and raw bodies), which spares each of them a flush of the database."""

import json
from typing import Any

import pytest
import requests
from django.contrib.sessions.models import Session
from django.test import Client

from mops.accounts.models import ApiToken, IdpGroup, IdpGroupMapping, User
from mops.accounts.roles import Role
from mops.accounts.services import api_token_create
from tests import factories

# Over real HTTP: the live server answers on its own connection, so these commit.
over_http = pytest.mark.django_db(transaction=True)

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def idp(live_server, users):
    """An HTTP session carrying an admin's API token, as the IdP's SCIM connector does."""
    _, key = api_token_create(user=users["admin"], name="Okta SCIM")
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {key}", "Content-Type": SCIM_JSON})
    session.base = live_server.url + "/scim/v2"  # type: ignore[attr-defined]
    return session


class _InProcessIdp:
    """`idp`'s interface (`request(method, url, data=…)`, `base`) on Django's test client: an
    admin's API token in the Authorization header, every body sent as application/scim+json,
    a server error answered as a 500 response (not raised), as the live server answers."""

    base = "/scim/v2"

    def __init__(self, key: str) -> None:
        self.client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")

    def request(self, method: str, url: str, data: str | None = None) -> Any:
        return self.client.generic(method, url, data=data or "", content_type=SCIM_JSON)


@pytest.fixture
def scim(users):
    """The IdP's SCIM calls, in the test's transaction (see the module docstring)."""
    _, key = api_token_create(user=users["admin"], name="Okta SCIM")
    return _InProcessIdp(key)


def _call(session, method, path, body=None):  # type: ignore[no-untyped-def]
    response = session.request(
        method, session.base + path, data=json.dumps(body) if body is not None else None
    )
    return response.status_code, (json.loads(response.content) if response.content else None)


def _new_user(idp, username="lena@corp.example", **extra):  # type: ignore[no-untyped-def]
    body = {
        "schemas": [USER_SCHEMA],
        "userName": username,
        "name": {"givenName": "Lena", "familyName": "Berg"},
        "emails": [{"value": username, "primary": True}],
        "active": True,
        "password": "ignored-Pass-123",
        **extra,
    }
    return _call(idp, "POST", "/Users", body)


@over_http
def test_the_idp_provisions_a_person_who_then_exists_with_the_default_role(idp):
    status, body = _new_user(idp, externalId="okta-00u1")
    assert status == 201, body
    lena = User.objects.get(username="lena@corp.example")
    assert body["id"] == lena.scim_id and body["active"] is True
    assert lena.roles == {Role.REQUESTER} and lena.email == "lena@corp.example"
    assert not lena.has_usable_password()  # a password sent by SCIM is ignored: SSO only

    status, found = _call(idp, "GET", '/Users?filter=userName eq "lena@corp.example"')
    assert status == 200 and found["totalResults"] == 1
    assert found["Resources"][0]["externalId"] == "okta-00u1"


@over_http
def test_deprovisioning_ends_sessions_and_revokes_api_and_feed_tokens_at_once(idp, users):
    from releases.trains.models import FeedToken

    status, body = _new_user(idp)
    lena = User.objects.get(scim_id=body["id"])
    token, _ = api_token_create(user=lena, name="lena's script")
    feed = FeedToken.objects.create(user=lena, digest=FeedToken.digest_of("k"), key="k")
    browser = Client()
    browser.force_login(lena)
    assert Session.objects.count() == 1

    # Entra ID sends the flag as a string; Okta as a boolean. Both switch the person off.
    status, body = _call(
        idp,
        "PATCH",
        f"/Users/{lena.scim_id}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
        },
    )
    assert status == 200 and body["active"] is False
    lena.refresh_from_db()
    assert not lena.is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert not FeedToken.objects.filter(pk=feed.pk).exists()
    assert Session.objects.count() == 0
    assert browser.get("/").status_code == 302  # the open browser session is gone
    reasons = lena.history.values_list("history_change_reason", flat=True)
    assert any("deprovisioned by SCIM" in (r or "") for r in reasons)


@over_http
def test_deprovisioning_is_one_transaction(idp, users, monkeypatch):
    """A failure while revoking leaves everything as it was: the IdP retries later."""
    from mops.accounts import signals

    status, body = _new_user(idp)
    lena = User.objects.get(scim_id=body["id"])
    token, _ = api_token_create(user=lena, name="script")

    def fail(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("feed store down")

    signals.user_deactivated.connect(fail, weak=False, dispatch_uid="test-fail")
    try:
        status, _ = _call(
            idp,
            "PATCH",
            f"/Users/{lena.scim_id}",
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        )
        assert status == 500  # the IdP sees the failure and retries
    finally:
        signals.user_deactivated.disconnect(dispatch_uid="test-fail")
    lena.refresh_from_db()
    assert lena.is_active and ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_groups_pushed_by_the_idp_give_mapped_roles_and_take_them_away(scim):
    ops = factories.TeamFactory(name="Marketing Ops", slug="marketing-ops")
    IdpGroupMapping.objects.create(group="mops-engineers", role=Role.ENGINEER, team=ops)
    _, body = _new_user(scim)
    lena = User.objects.get(scim_id=body["id"])

    status, group = _call(
        scim,
        "POST",
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "mops-engineers",
            "members": [{"value": lena.scim_id}],
        },
    )
    assert status == 201, group
    lena = User.objects.get(pk=lena.pk)
    assert lena.roles == {Role.ENGINEER} and lena.team == ops

    status, _ = _call(
        scim,
        "PATCH",
        f"/Groups/{group['id']}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "remove", "path": f'members[value eq "{lena.scim_id}"]'}],
        },
    )
    assert status == 200
    lena = User.objects.get(pk=lena.pk)
    assert lena.roles == {Role.REQUESTER}  # out of the group: back to the default role
    assert IdpGroup.objects.get(name="mops-engineers").members.count() == 0


def test_delete_switches_the_person_off_and_scim_no_longer_knows_them(scim):
    _, body = _new_user(scim)
    status, _ = _call(scim, "DELETE", f"/Users/{body['id']}")
    assert status == 204
    assert not User.objects.get(username="lena@corp.example").is_active  # history kept
    assert _call(scim, "GET", f"/Users/{body['id']}")[0] == 404


@pytest.mark.parametrize(
    "body,detail",
    [
        ({"schemas": [USER_SCHEMA], "userName": ""}, "userName is required"),
        (
            {"schemas": [USER_SCHEMA], "userName": "x@corp.example", "active": "maybe"},
            "active must be true or false",
        ),
        (
            {"schemas": [USER_SCHEMA], "userName": "x@corp.example", "emails": [{"value": "no"}]},
            "Invalid email",
        ),
    ],
)
def test_bad_provisioning_input_is_a_scim_error_naming_the_attribute(scim, body, detail):
    status, error = _call(scim, "POST", "/Users", body)
    assert status == 400 and detail in error["detail"]
    assert not User.objects.filter(username="x@corp.example").exists()


def test_an_unknown_group_member_is_refused_and_nothing_changes(scim):
    status, error = _call(
        scim,
        "POST",
        "/Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "ghosts", "members": [{"value": "99999"}]},
    )
    assert status == 400 and "Unknown user id" in error["detail"]
    assert not IdpGroup.objects.filter(name="ghosts").exists()


def test_a_taken_user_name_is_a_conflict(scim, users):
    status, error = _new_user(
        scim, username="PM", emails=[{"value": "pm2@corp.example", "primary": True}]
    )
    assert status == 409 and "already taken" in error["detail"]


@over_http
def test_scim_needs_an_admin_token_and_nothing_else(live_server, users, client_for):
    url = live_server.url + "/scim/v2/Users"
    assert requests.get(url).status_code == 401
    _, requester_key = api_token_create(user=users["requester"], name="mine")
    denied = requests.get(url, headers={"Authorization": f"Bearer {requester_key}"})
    assert denied.status_code == 403 and "admin" in denied.json()["detail"]
    assert requests.get(url, headers={"Authorization": "Bearer mops_forged"}).status_code == 401
    # An admin's browser session is not a SCIM credential either.
    assert client_for("admin").get("/scim/v2/Users").status_code == 401


@pytest.mark.parametrize(
    "method,path,raw",
    [
        ("POST", "/Users", "{not json"),
        ("POST", "/Users", "[1, 2]"),
        ("POST", "/Users", ""),
        ("PATCH", "/Users/{id}", '{"Operations": [{"op": "explode", "path": "active"}]}'),
        ("PATCH", "/Users/{id}", '{"Operations": "replace"}'),
        ("GET", "/Users?filter=userName%20eq", None),
        ("POST", "/Groups", '"just a string"'),
        ("PATCH", "/Groups/{id}", '{"Operations": [42]}'),
    ],
)
def test_hostile_scim_requests_get_a_4xx_scim_error_never_a_500(scim, method, path, raw):
    _, body = _new_user(scim)
    before = list(User.objects.order_by("pk").values_list("username", "is_active"))
    if "/Groups" in path:
        _, group = _call(scim, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "g"})
        body = group
    response = scim.request(method, scim.base + path.format(id=body["id"]), data=raw)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert list(User.objects.order_by("pk").values_list("username", "is_active")) == before


def test_a_filter_on_an_attribute_scim_does_not_expose_finds_nothing(scim):
    _new_user(scim)
    status, found = _call(scim, "GET", '/Users?filter=password eq "x"')
    assert status == 200 and found["Resources"] == []
