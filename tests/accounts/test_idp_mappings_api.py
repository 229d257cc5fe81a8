"""The IdP group mapping table over the API: admins only, validated, audited."""

import pytest

from mops.accounts.models import IdpGroupMapping
from mops.accounts.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/idp-group-mappings/"


def test_an_admin_maps_a_group_and_bad_mappings_name_the_field(api_for):
    team = factories.TeamFactory(name="Field", slug="field")
    admin = api_for("admin")
    made = admin.post(
        URL, {"group": "mkt-field", "role": "requester", "team": "field"}, format="json"
    )
    assert made.status_code == 201, made.json()
    mapping = IdpGroupMapping.objects.get()
    assert mapping.role == Role.REQUESTER and mapping.team == team
    assert mapping.history.first().history_user.username == "admin"

    empty = admin.post(URL, {"group": "nobody"}, format="json")
    assert empty.status_code == 400 and "role, a team or both" in str(empty.json())
    twice = admin.post(URL, {"group": "MKT-FIELD", "role": "pm"}, format="json")
    assert twice.status_code == 400
    bad_role = admin.post(URL, {"group": "x", "role": "king"}, format="json")
    assert bad_role.status_code == 400 and bad_role.json()["errors"][0]["field"] == "role"

    changed = admin.patch(f"{URL}{mapping.pk}/", {"role": "engineer"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "engineer"
    assert admin.delete(f"{URL}{mapping.pk}/").status_code == 204
    assert not IdpGroupMapping.objects.exists()


def test_only_admins_see_or_change_the_mapping(api_for):
    for role in ("requester", "pm", "leadership"):
        client = api_for(role)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"group": "g", "role": "admin"}, format="json").status_code == 403
    assert not IdpGroupMapping.objects.exists()
