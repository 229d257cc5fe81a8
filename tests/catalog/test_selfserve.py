"""Self-serve that really skips the ticket: a self-serve service carries its instructions
and tool; finishing it records a completion (no request), counted in self-serve share;
only "ask MOPS instead" opens a request."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from catalog.models import SelfServeCompletion
from catalog.services import selfserve_complete, service_create
from governance.models import Campaign, Rfc, RfcStatus
from intake.models import Request
from tests.catalog.published import self_serve_service
from tests.governance.utm_forms import BUILD

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide(admin, policy):
    return self_serve_service(admin, policy, slug="create-a-segment", tool="guide")


def test_guide_service_needs_its_instructions(admin, policy):
    with pytest.raises(ValidationError) as exc:
        self_serve_service(admin, policy, slug="no-steps", tool="guide", instructions="  ")
    assert "instructions" in exc.value.message_dict


def test_service_page_offers_do_it_yourself_before_asking(client_for, guide, service):
    page = client_for("requester").get(guide.get_absolute_url())
    assert b"Do it yourself" in page.content
    assert f"/catalog/{guide.slug}/do-it-yourself/".encode() in page.content
    # A service that is not self-serve offers no such path.
    assert b"Do it yourself" not in client_for("requester").get(service.get_absolute_url()).content


def test_guide_completion_on_the_page_records_it_without_a_request(client_for, guide, users):
    client = client_for("requester")
    page = client.get(f"/catalog/{guide.slug}/do-it-yourself/")
    assert page.status_code == 200
    assert b"1. Do it." in page.content and b"Ask MOPS instead" in page.content
    empty = client.post(f"/catalog/{guide.slug}/do-it-yourself/", {"outcome": "   "})
    assert empty.status_code == 400 and b"This field is required" in empty.content
    done = client.post(
        f"/catalog/{guide.slug}/do-it-yourself/", {"outcome": "Built the EMEA webinar segment"}
    )
    assert done.status_code == 302
    completion = SelfServeCompletion.objects.get()
    assert completion.user == users["requester"] and completion.team == users["requester"].team
    assert completion.tool == "guide" and completion.complexity == "simple"
    assert not Request.objects.exists()
    assert b"Built the EMEA webinar segment" in client.get(done.url).content


def test_instructions_are_escaped(client_for, admin, policy):
    hostile = '<img src=x onerror=alert(1)><a hx-post="/api/v1/tokens/" hx-trigger="load">x</a>'
    service = self_serve_service(admin, policy, slug="hostile", tool="guide", instructions=hostile)
    body = client_for("requester").get(f"/catalog/{service.slug}/do-it-yourself/").content
    assert b"<img src=x" not in body and b'hx-post="/api/v1/tokens/"' not in body
    assert b"&lt;img src=x onerror=alert(1)&gt;" in body


@pytest.mark.parametrize("role", ["leadership", "engineer", "approver"])
def test_only_people_who_could_ask_may_self_serve(client_for, api_for, guide, role):
    assert (
        client_for(role)
        .post(f"/catalog/{guide.slug}/do-it-yourself/", {"outcome": "x"})
        .status_code
        == 403
    )
    response = api_for(role).post(
        f"/api/v1/services/{guide.pk}/complete/", {"outcome": "x"}, format="json"
    )
    assert response.status_code == 403
    assert not SelfServeCompletion.objects.exists()


def test_api_completion_and_listing_follow_team_visibility(api_for, guide, service, users):
    api = api_for("requester")
    made = api.post(f"/api/v1/services/{guide.pk}/complete/", {"outcome": "Done"}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["service"] == guide.slug and made.json()["user"] == "requester"
    not_self_serve = api.post(
        f"/api/v1/services/{service.pk}/complete/", {"outcome": "Done"}, format="json"
    )
    assert not_self_serve.status_code == 400
    assert not_self_serve.json()["errors"][0]["field"] == "service"
    blank = api.post(f"/api/v1/services/{guide.pk}/complete/", {"outcome": ""}, format="json")
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "outcome"
    assert api.get("/api/v1/self-serve-completions/").json()["count"] == 1
    assert api_for("other_requester").get("/api/v1/self-serve-completions/").json()["count"] == 0
    assert api_for("leadership").get("/api/v1/self-serve-completions/").json()["count"] == 1
    assert not Request.objects.exists()


def test_utm_builder_finishes_the_utm_service(client_for, admin, policy):
    service = self_serve_service(admin, policy, slug="create-a-utm-set", tool="utm_builder")
    client = client_for("requester")
    diy = client.get(f"/catalog/{service.slug}/do-it-yourself/")
    assert b"/governance/utm/builder/?service=create-a-utm-set" in diy.content
    builder = client.get("/governance/utm/builder/?service=create-a-utm-set")
    assert b'name="service" value="create-a-utm-set"' in builder.content
    form = {
        "service": service.slug,
        **BUILD,
        "start_date": "2026-02-01",
    }
    assert client.post("/governance/utm/builder/", form).status_code == 200
    campaign = Campaign.objects.get()
    completion = SelfServeCompletion.objects.get()
    assert completion.tool == "utm_builder" and completion.object_ref == f"campaign:{campaign.pk}"
    assert not Request.objects.exists()
    # A failed build records nothing.
    client.post("/governance/utm/builder/", {**form, "token_fy": "2026"})
    assert SelfServeCompletion.objects.count() == 1


def test_field_request_drafts_an_rfc_and_counts_as_self_served(client_for, admin, policy, users):
    service = self_serve_service(admin, policy, slug="add-a-field", tool="field_rfc")
    client = client_for("requester")
    assert client.get(f"/governance/self-serve/field/?service={service.slug}").status_code == 200
    bad = client.post(
        "/governance/self-serve/field/",
        {
            "service": service.slug,
            "object_name": "Lead",
            "field_label": "Event region",
            "field_type": "picklist",
            "values": "",
            "purpose": "Route event leads",
        },
    )
    assert bad.status_code == 400 and b"A picklist needs its values" in bad.content
    assert not Rfc.objects.exists() and not SelfServeCompletion.objects.exists()
    done = client.post(
        "/governance/self-serve/field/",
        {
            "service": service.slug,
            "object_name": "Lead",
            "field_label": "Event region",
            "field_type": "picklist",
            "values": "EMEA\nNA\nAPAC",
            "purpose": "Route event leads",
        },
    )
    assert done.status_code == 302
    rfc = Rfc.objects.get()
    assert rfc.status == RfcStatus.DRAFT and rfc.author == users["requester"]
    assert rfc.change_type == "schema" and "EMEA" in rfc.proposal and rfc.rollback_plan
    assert SelfServeCompletion.objects.get().object_ref == f"rfc:{rfc.pk}"
    assert rfc.events.filter(name="created").exists()
    # The wrong tool for the service is a 404, not a side door.
    assert client.get("/governance/self-serve/field/?service=nope").status_code == 404


def test_completion_refused_for_inactive_service(admin, policy, users):
    service = service_create(
        actor=admin,
        name="Draft self-serve",
        slug="draft-ss",
        sla_policy=policy,
        self_serve=True,
        instructions="Steps",
    )
    with pytest.raises(ValidationError):
        selfserve_complete(service=service, actor=users["requester"], outcome="x")
