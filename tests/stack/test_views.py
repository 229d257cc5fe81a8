from datetime import date

import pytest
from django.urls import reverse

from governance.stack.models import Tool
from mops.core.concurrency import STALE_MESSAGE

pytestmark = pytest.mark.django_db


def test_stack_pages_are_linked_from_the_navigation_and_each_other(client_for, stack):
    client = client_for("pm")
    home = client.get("/").content.decode()
    assert reverse("stack:tool_list") in home and reverse("stack:map") in home
    registry = client.get(reverse("stack:tool_list")).content.decode()
    for name in ("stack:map", "stack:renewals", "stack:tool_import", "stack:tool_create"):
        assert reverse(name) in registry
    assert stack["crm"].get_absolute_url() in registry


def test_registry_and_map_pages_take_a_constant_number_of_queries(
    client_for, stack, django_assert_max_num_queries
):
    client = client_for("leadership")
    for _ in range(20):
        Tool.objects.create(name=f"Tool {_}", layer="bi")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("stack:tool_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("stack:map")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("stack:flow_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("stack:utilisation")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("stack:review_list")).status_code == 200


def test_map_edges_link_to_their_flow_and_mark_the_down_one(client_for, stack):
    page = client_for("leadership").get(reverse("stack:map")).content.decode()
    assert f'href="{stack["synced"].get_absolute_url()}"' in page
    assert 'class="edge down"' in page
    assert "1 of 2 flows are on the golden path" in page
    flow_page = client_for("leadership").get(stack["synced"].get_absolute_url()).content.decode()
    assert "golden path" in flow_page and 'data-testid="monitor-state">Down' in flow_page
    flow_page = client_for("leadership").get(stack["synced"].get_absolute_url()).content.decode()
    assert "golden path" in flow_page and 'data-testid="monitor-state">Down' in flow_page


def test_leadership_reads_but_gets_no_edit_buttons(client_for, stack):
    client = client_for("leadership")
    page = client.get(stack["crm"].get_absolute_url()).content.decode()
    assert reverse("stack:tool_edit", args=[stack["crm"].pk]) not in page
    assert client.get(reverse("stack:tool_create")).status_code == 403
    assert client_for("requester").get(reverse("stack:tool_list")).status_code == 403


def test_approving_on_the_page_says_what_is_missing(client_for, users):
    tool = Tool.objects.create(name="Braze", layer="map")
    response = client_for("pm").post(
        reverse("stack:tool_edit", args=[tool.pk]),
        {"name": "Braze", "layer": "map", "status": "approved", "version": 1},
    )
    assert response.status_code == 400
    assert "An approved tool needs an owner." in response.content.decode()
    tool.refresh_from_db()
    assert tool.status == "tolerated"


def test_import_page_previews_errors_by_line_then_imports(client_for, users):
    client = client_for("pm")
    bad = client.post(
        reverse("stack:tool_import"),
        {"text": "name,layer\nLooker,bi\nGizmo,rocket\n", "action": "preview"},
    )
    assert bad.status_code == 400
    assert "Line 3: layer: &#x27;rocket&#x27; is not one of" in bad.content.decode()
    good = client.post(
        reverse("stack:tool_import"), {"text": "name,layer\nLooker,bi\n", "action": "import"}
    )
    assert good.status_code == 302 and Tool.objects.filter(name="Looker").exists()


def test_csv_export_round_trips_through_the_import(client_for, stack):
    client = client_for("pm")
    response = client.get(reverse("stack:tool_export"))
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("name,layer,vendor,owner")
    preview = client.post(reverse("stack:tool_import"), {"text": text, "action": "preview"})
    assert preview.status_code == 200
    assert preview.content.decode().count(">update<") == 3


def test_renewal_calendar_and_ical_feed(client_for, stack):
    from datetime import timedelta

    from django.utils import timezone

    contract = stack["contract"]
    contract.ends_on = timezone.localdate() + timedelta(days=90)
    contract.save()
    client = client_for("leadership")
    page = client.get(reverse("stack:renewals")).content.decode()
    assert contract.get_absolute_url() in page and "within 60 days" in page
    feed = client.get(reverse("stack:renewals_feed"))
    assert feed["Content-Type"].startswith("text/calendar")
    assert b"Notice deadline: Marketo (Adobe)" in feed.content


def test_api_refuses_approval_naming_each_missing_field(api_for, users):
    response = api_for("pm").post(
        "/api/v1/stack/tools/",
        {"name": "Braze", "layer": "map", "status": "approved", "holds_personal_data": True},
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"owner", "sso", "data_contract"}


def test_api_creates_and_patches_a_tool_with_if_match(api_for, users):
    api = api_for("pm")
    created = api.post(
        "/api/v1/stack/tools/",
        {"name": "Braze", "layer": "map", "owner": "engineer", "sso": True},
        format="json",
    )
    assert created.status_code == 201 and created["ETag"] == '"1"'
    url = f"/api/v1/stack/tools/{created.json()['id']}/"
    ok = api.patch(url, {"status": "approved"}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    stale = api.patch(url, {"purpose": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert api_for("leadership").patch(url, {"purpose": "x"}, format="json").status_code == 403


def test_api_import_answers_rows_and_400_on_errors(api_for, users):
    api = api_for("pm")
    bad = api.post(
        "/api/v1/stack/tools/import/",
        {"text": "name,layer\nX,rocket\n", "commit": True},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["committed"] is False
    assert bad.json()["rows"][0]["line"] == 2
    good = api.post(
        "/api/v1/stack/tools/import/",
        {"text": "name,layer\nX,bi\n", "commit": True},
        format="json",
    )
    assert good.status_code == 200 and Tool.objects.filter(name="X").exists()


def test_api_dependents_flows_and_decisions(api_for, stack):
    api = api_for("engineer")
    deps = api.get(f"/api/v1/stack/tools/{stack['map'].pk}/dependents/").json()
    assert set(deps["flows"]) == {stack["synced"].pk, stack["custom"].pk}
    flows = api.get("/api/v1/stack/flows/?monitor_status=down").json()["results"]
    assert [f["id"] for f in flows] == [stack["synced"].pk]
    decided = api.post(
        f"/api/v1/stack/contracts/{stack['contract'].pk}/decide/",
        {"decision": "cancel", "reason": "Moving to HubSpot"},
        format="json",
    )
    assert decided.status_code == 201
    contract = api.get(f"/api/v1/stack/contracts/{stack['contract'].pk}/").json()
    assert contract["notice_deadline"] == "2026-11-02"
    assert contract["decisions"][0]["reason"] == "Moving to HubSpot"


def test_openapi_documents_the_stack_api(api_for):
    schema = api_for("admin").get("/api/v1/schema/?format=json").json()
    for path in (
        "/api/v1/stack/tools/",
        "/api/v1/stack/tools/import/",
        "/api/v1/stack/flows/",
        "/api/v1/stack/contracts/{id}/decide/",
    ):
        assert path in schema["paths"]


def test_seat_upload_page_and_api_push_feed_the_utilisation_page(client_for, api_for, stack):
    client = client_for("engineer")
    tool_page = client.get(stack["map"].get_absolute_url()).content.decode()
    upload_url = reverse("stack:seat_upload", args=[stack["map"].pk])
    assert upload_url in tool_page
    bad = client.post(upload_url, {"text": "email\nnope\n"})
    assert bad.status_code == 400 and "Line 2: email:" in bad.content.decode()
    ok = client.post(upload_url, {"text": "email,last_active\na@x.com,\n"})
    assert ok.status_code == 302
    pushed = api_for("engineer").post(
        f"/api/v1/stack/tools/{stack['map'].pk}/seats/",
        {"text": "email,permission_level\na@x.com,admin\nb@x.com,user\n"},
        format="json",
    )
    assert pushed.status_code == 200 and pushed.json() == {"imported": 2, "errors": []}
    page = client_for("leadership").get(reverse("stack:utilisation")).content.decode()
    assert stack["map"].get_absolute_url() in page and "below 70%" in page
    figures = api_for("leadership").get("/api/v1/stack/utilisation/").json()
    assert figures[0]["assigned"] == 2 and figures[0]["bought"] == 25


def test_owner_attests_on_the_page_and_auditors_get_the_evidence(client_for, users, stack):
    from governance.stack import services

    services.seats_import(tool=stack["map"], actor=users["pm"], text="email\na@x.com\n")
    start = client_for("pm").post(
        reverse("stack:review_start", args=[stack["map"].pk]), {"due_on": "2099-01-01"}
    )
    assert start.status_code == 302
    review_url = start["Location"]
    owner = client_for("engineer")
    page = owner.get(review_url).content.decode()
    item = stack["map"].access_reviews.get().items.get()
    assert f'name="item" value="{item.pk}"' in page
    refused = owner.post(review_url, {"item": item.pk, "decision": "remove", "reason": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    owner.post(review_url, {"item": item.pk, "decision": "remove", "reason": "Left"})
    assert "100% complete" in owner.get(review_url).content.decode()
    evidence = client_for("leadership").get(reverse("stack:review_evidence", args=[item.review_id]))
    assert b"a@x.com,,,remove,Left,engineer," in evidence.content
    assert client_for("leadership").post(review_url, {"item": item.pk}).status_code == 403


def test_api_starts_and_attests_a_review(api_for, users, stack):
    from governance.stack import services

    services.seats_import(tool=stack["map"], actor=users["pm"], text="email\na@x.com\n")
    started = api_for("pm").post(
        "/api/v1/stack/access-reviews/",
        {"tool": stack["map"].pk, "due_on": "2099-01-01"},
        format="json",
    )
    assert started.status_code == 201 and started.json()["holders"] == 1
    item = started.json()["items"][0]["id"]
    url = f"/api/v1/stack/access-reviews/{started.json()['id']}/attest/"
    assert (
        api_for("pm").post(url, {"item": item, "decision": "keep"}, format="json").status_code
        == 403
    )
    ok = api_for("engineer").post(url, {"item": item, "decision": "keep"}, format="json")
    assert ok.status_code == 200 and ok.json()["decided_by"] == "engineer"


def test_csv_exports_defuse_formulas_in_user_text(client_for, users, stack):
    """A tool named like a formula, or a review reason that is one, leaves the CSV exports
    with a leading ' (the rule every export follows: governance.taxonomy.spreadsheet_safe)."""
    from governance.stack import services

    Tool.objects.create(name='=HYPERLINK("http://evil")', layer="bi", purpose="+1+1")
    export = client_for("pm").get(reverse("stack:tool_export"))
    text = b"".join(export.streaming_content).decode()
    assert "'=HYPERLINK" in text and ",'+1+1," in text
    assert "\n=" not in text and ",+1+1," not in text
    services.seats_import(tool=stack["map"], actor=users["pm"], text="email\na@x.com\n")
    review_url = client_for("pm").post(
        reverse("stack:review_start", args=[stack["map"].pk]), {"due_on": "2099-01-01"}
    )["Location"]
    item = stack["map"].access_reviews.get().items.get()
    owner = client_for("engineer")
    owner.post(review_url, {"item": item.pk, "decision": "remove", "reason": "@SUM(A1)"})
    evidence = client_for("leadership").get(reverse("stack:review_evidence", args=[item.review_id]))
    assert b",remove,'@SUM(A1),engineer," in evidence.content


def test_edit_pages_answer_a_stale_copy_412_with_the_reason_on_the_form(client_for, stack):
    client = client_for("pm")
    tool_url = reverse("stack:tool_edit", args=[stack["point"].pk])
    tool_form = {"name": "Webinar Buddy", "layer": "map", "status": "tolerated", "version": 1}
    assert client.post(tool_url, {**tool_form, "vendor": "Buddy Inc"}).status_code == 302
    stale = client.post(tool_url, {**tool_form, "vendor": "Other"})  # still at version 1
    assert stale.status_code == 412
    assert stale.context["form"].non_field_errors() == [STALE_MESSAGE]
    flow = stack["custom"]
    flow_url = reverse("stack:flow_edit", args=[flow.pk])
    flow_form = {
        "source": flow.source_id,
        "target": flow.target_id,
        "objects_synced": "registrants",
        "direction": "one_way",
        "pattern": "custom",
        "version": 1,
    }
    assert client.post(flow_url, {**flow_form, "schedule": "hourly"}).status_code == 302
    stale = client.post(flow_url, {**flow_form, "schedule": "daily"})
    assert stale.status_code == 412
    assert stale.context["form"].non_field_errors() == [STALE_MESSAGE]
    flow.refresh_from_db()
    assert flow.schedule == "hourly"


def test_review_start_refusal_about_the_tool_is_shown_above_the_form(client_for, stack):
    response = client_for("pm").post(
        reverse("stack:review_start", args=[stack["map"].pk]), {"due_on": "2099-01-01"}
    )
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Marketo has no seats: upload its seat export first."
    ]
    assert not stack["map"].access_reviews.exists()


def test_csv_pages_put_a_refused_file_by_the_text_box(client_for, stack):
    client = client_for("pm")
    tools = client.post(reverse("stack:tool_import"), {"text": "vendor\nAdobe\n"})
    assert tools.status_code == 400
    assert (
        tools.context["form"]
        .errors["text"][0]
        .startswith("Line 1: the header needs the column(s) name, layer")
    )
    seats = client.post(reverse("stack:seat_upload", args=[stack["map"].pk]), {"text": "name\nA\n"})
    assert seats.status_code == 400
    assert (
        seats.context["form"]
        .errors["text"][0]
        .startswith("Line 1: the header needs an 'email' column")
    )


def test_only_the_owner_attests_and_the_page_says_so(client_for, users, stack):
    from governance.stack import services

    services.seats_import(tool=stack["map"], actor=users["pm"], text="email\na@x.com\n")
    review = services.access_review_start(
        tool=stack["map"], actor=users["pm"], due_on=date(2099, 1, 1)
    )
    item = review.items.get()
    refused = client_for("pm").post(  # a stack editor, not Marketo's owner
        review.get_absolute_url(), {"item": item.pk, "decision": "keep"}
    )
    assert refused.status_code == 400
    assert "a@x.com: Only the owner of Marketo attests its access." in refused.content.decode()
    item.refresh_from_db()
    assert item.decision == ""
