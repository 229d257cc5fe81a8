"""People and teams managed in the app (pages and API share the services)."""

import re

import pytest
from django.test import Client

from mops.accounts.models import Team, User
from mops.accounts.roles import Role, user_roles
from mops.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _invite_link(email: str) -> str:
    message = OutboxMessage.objects.filter(target=email, subject__icontains="invited").get()
    return re.search(r"https?://[^/\s]+(/invite/\S+/)", message.body).group(1)


def test_invite_from_the_page_sends_a_link_that_activates_the_account(client_for, users):
    admin = client_for("admin")
    team = users["requester"].team
    response = admin.post(
        "/people/",
        {
            "email": "Maya@Example.com",
            "first_name": "Maya",
            "roles": ["requester"],
            "team": team.pk,
        },
    )
    assert response.status_code == 302
    maya = User.objects.get(email="maya@example.com")
    assert not maya.is_active and maya.team == team
    assert user_roles(maya) == {Role.REQUESTER}
    link = _invite_link("maya@example.com")
    anonymous = Client()
    form_page = anonymous.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = anonymous.post(
        set_url, {"new_password1": "Maya-long-pass-42", "new_password2": "Maya-long-pass-42"}
    )
    assert response.status_code == 302
    maya.refresh_from_db()
    assert maya.is_active
    logged_in = anonymous.post(
        "/login/", {"username": "maya@example.com", "password": "Maya-long-pass-42"}
    )
    assert logged_in.status_code == 302 and not logged_in.url.startswith("/login/")


def test_invite_refuses_a_bad_email_and_a_person_twice(client_for, users):
    admin = client_for("admin")
    response = admin.post("/people/", {"email": "not-an-email", "roles": ["requester"]})
    assert response.status_code == 400
    response = admin.post("/people/", {"email": "pm@example.com", "roles": ["requester"]})
    assert response.status_code == 400
    assert "already has an account" in response.content.decode()


def test_edit_role_and_team_then_deactivate(client_for, users):
    admin = client_for("admin")
    person = users["requester"]
    other_team = users["other_requester"].team
    response = admin.post(
        f"/people/{person.pk}/",
        {"first_name": "Rea", "last_name": "Q", "roles": ["pm"], "team": other_team.pk},
    )
    assert response.status_code == 302
    person = User.objects.get(pk=person.pk)
    assert user_roles(person) == {Role.PM} and person.team == other_team
    assert admin.post(f"/people/{person.pk}/", {"action": "deactivate"}).status_code == 302
    person.refresh_from_db()
    assert not person.is_active


def test_people_pages_are_for_admins_only(client_for, users):
    for role in ("pm", "requester", "leadership"):
        assert client_for(role).get("/people/").status_code == 403
        assert client_for(role).get("/teams/").status_code == 403
    assert client_for("admin").get("/people/").status_code == 200


CSV = (
    "email,first_name,last_name,role,team\n"
    "ann@example.com,Ann,A,Requester,Demand Gen\n"
    "bob@example.com,Bob,B,MOPS PM,Marketing Ops\n"
)


def test_csv_import_previews_then_imports_and_is_idempotent(client_for, users):
    admin = client_for("admin")
    preview = admin.post("/people/import/", {"text": CSV, "action": "preview"})
    assert preview.status_code == 200
    assert not User.objects.filter(email="ann@example.com").exists()  # preview writes nothing
    assert "invite" in preview.content.decode()
    done = admin.post("/people/import/", {"text": CSV, "action": "import"})
    assert done.status_code == 302
    ann = User.objects.get(email="ann@example.com")
    assert ann.team.name == "Demand Gen" and user_roles(ann) == {Role.REQUESTER}
    assert OutboxMessage.objects.filter(target="ann@example.com").count() == 1
    again = admin.post("/people/import/", {"text": CSV, "action": "import"})
    assert again.status_code == 302
    assert User.objects.filter(email="ann@example.com").count() == 1
    assert OutboxMessage.objects.filter(target="ann@example.com").count() == 1  # not re-invited


def test_csv_import_names_each_bad_line_and_imports_nothing(client_for, users):
    bad = CSV + "carl@example,Carl,C,Boss,Nowhere\n"
    response = client_for("admin").post("/people/import/", {"text": bad, "action": "import"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Line 4: email:" in text
    assert "Line 4: role: &#x27;Boss&#x27; is not a role" in text
    assert "Line 4: team: No team named &#x27;Nowhere&#x27;" in text
    assert not User.objects.filter(email="ann@example.com").exists()


def test_csv_without_email_column_is_refused_naming_the_header(client_for, users):
    response = client_for("admin").post("/people/import/", {"text": "name\nAnn\n"})
    assert response.status_code == 400
    assert "email" in response.content.decode()


def test_teams_create_rename_and_members(client_for, users):
    admin = client_for("admin")
    response = admin.post("/teams/", {"name": "Brand", "group": "other"})
    assert response.status_code == 302
    team = Team.objects.get(name="Brand")
    assert team.slug == "brand"
    assert admin.post("/teams/", {"name": "brand", "group": "other"}).status_code == 400
    person = users["requester"]
    admin.post(f"/teams/{team.slug}/", {"action": "add", "user": person.pk})
    person.refresh_from_db()
    assert person.team == team
    admin.post(f"/teams/{team.slug}/", {"action": "rename", "name": "Brand & PR", "group": "other"})
    team.refresh_from_db()
    assert team.name == "Brand & PR" and team.slug == "brand"
    admin.post(f"/teams/{team.slug}/", {"action": "remove", "user": person.pk})
    person.refresh_from_db()
    assert person.team is None


def test_api_invite_change_and_deactivate_with_role_rules(api_for, users):
    assert (
        api_for("pm")
        .post("/api/v1/users/", {"email": "x@example.com", "roles": ["requester"]}, format="json")
        .status_code
        == 403
    )
    admin = api_for("admin")
    response = admin.post(
        "/api/v1/users/",
        {"email": "dee@example.com", "roles": ["Approver"], "team": "Marketing Ops"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["roles"] == ["approver"]
    dee = User.objects.get(email="dee@example.com")
    bad = admin.post("/api/v1/users/", {"email": "e@example.com", "roles": ["boss"]}, format="json")
    assert bad.status_code == 400 and "role" in bad.content.decode()
    response = admin.patch(
        f"/api/v1/users/{dee.pk}/", {"roles": ["approver", "pm"], "team": ""}, format="json"
    )
    assert response.status_code == 200, response.content
    dee.refresh_from_db()
    assert dee.team is None and user_roles(dee) == {Role.APPROVER, Role.PM}
    assert admin.post(f"/api/v1/users/{dee.pk}/deactivate/").status_code == 200
    team = admin.post("/api/v1/teams/", {"name": "Events"}, format="json")
    assert team.status_code == 201 and team.json()["slug"] == "events"
    assert api_for("pm").post("/api/v1/teams/", {"name": "Nope"}, format="json").status_code == 403


def test_setup_guide_lists_steps_from_live_data_and_admin_home_links_it(client_for, users):
    admin = client_for("admin")
    page = admin.get("/setup/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Teams and people" in text
    assert 'href="/people/"' in text
    home = admin.get("/").content.decode()
    assert 'href="/setup/"' in home
    assert client_for("pm").get("/setup/").status_code == 403
