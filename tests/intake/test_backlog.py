"""The backlog's filters, sorts and saved views (#19 items 1 and 14, #20 item 6)."""

from intake import services
from intake.models import SavedView, Status

ANY = "/requests/?q=&scope=&service=&complexity=&team=&status=&assignee=&sla_state=&sort=-score"


def test_filter_with_status_any_lists_requests(client_for, make_request):
    """Pressing Filter with Status at "Any" sent `status=`, answered "status: Select a
    valid choice" and listed nothing."""
    request = make_request(submit=True)
    html = client_for("pm").get(ANY).content.decode()
    assert "Select a valid choice" not in html and "No request matches" not in html
    assert f"<strong>{request.reference}</strong>" in html
    only_live = client_for("pm").get("/requests/?status=&status=live").content.decode()
    assert f"<strong>{request.reference}</strong>" not in only_live
    assert "No request matches" in only_live


def test_api_list_with_blank_filters(api_for, make_request):
    request = make_request(submit=True)
    response = api_for("pm").get("/api/v1/requests/?status=&service=&team=&sla_state=&q=")
    assert response.status_code == 200, response.json()
    assert [r["id"] for r in response.json()["results"]] == [request.pk]


def test_view_saved_from_the_any_state_is_saved_clean_and_works(client_for, make_request, users):
    request = make_request(submit=True)
    pm = client_for("pm")
    response = pm.post("/requests/views/", {"name": "All open", "query": ANY[10:] + "&page=2"})
    view = SavedView.objects.get(user=users["pm"])
    assert view.query == "sort=-score"
    assert response["Location"] == "/requests/?sort=-score"
    assert f"<strong>{request.reference}</strong>" in pm.get(response["Location"]).content.decode()


def test_view_saved_broken_before_the_fix_still_loads(client_for, make_request, users):
    request = make_request(submit=True)
    broken = SavedView.objects.create(user=users["pm"], name="Old", query="status=&sort=due")
    pm = client_for("pm")
    page = pm.get("/requests/").content.decode()
    assert 'href="?status=&amp;sort=due"' in page
    html = pm.get(f"/requests/?{broken.query}").content.decode()
    assert f"<strong>{request.reference}</strong>" in html
    assert "Select a valid choice" not in html


def test_saved_view_rename_share_and_delete(client_for, users, make_request):
    pm = client_for("pm")
    pm.post("/requests/views/", {"name": "Breached", "query": "sla_state=breached"})
    view = SavedView.objects.get(user=users["pm"])

    pm.post("/requests/views/", {"action": "rename", "view": view.pk, "name": "On fire"})
    view.refresh_from_db()
    assert view.name == "On fire"

    pm.post("/requests/views/", {"action": "share", "view": view.pk})
    view.refresh_from_db()
    assert view.shared
    # A teammate sees the shared view but cannot rename or delete it.
    other_pm = users["pm"].__class__.objects.create_user("pm2", password="x", team=users["pm"].team)
    other_pm.groups.set(users["pm"].groups.all())
    assert [v.name for v in services_saved(other_pm)] == ["On fire"]
    pm2 = client_for("pm")
    pm2.force_login(other_pm)
    assert "shared by" in pm2.get("/requests/").content.decode()
    pm2.post("/requests/views/", {"action": "delete", "view": view.pk})
    pm2.post("/requests/views/", {"action": "rename", "view": view.pk, "name": "Mine now"})
    view.refresh_from_db()
    assert view.name == "On fire"

    pm.post("/requests/views/", {"action": "unshare", "view": view.pk})
    assert services_saved(other_pm) == []
    response = pm.post("/requests/views/", {"action": "delete", "view": view.pk})
    assert response.status_code == 302
    assert not SavedView.objects.exists()


def test_rename_to_an_existing_name_is_refused_with_the_field(client_for, users):
    pm = client_for("pm")
    pm.post("/requests/views/", {"name": "A", "query": "sort=due"})
    pm.post("/requests/views/", {"name": "B", "query": "sort=age"})
    b = SavedView.objects.get(name="B")
    response = pm.post(
        "/requests/views/", {"action": "rename", "view": b.pk, "name": "A"}, follow=True
    )
    assert "name: You already have a view named “A”." in response.content.decode()
    b.refresh_from_db()
    assert b.name == "B"


def services_saved(user):
    from intake import selectors

    return list(selectors.saved_views(user))


def test_sortable_column_headers_set_the_sort_with_aria_sort(client_for, make_request):
    make_request(submit=True)
    pm = client_for("pm")
    html = pm.get("/requests/?status=submitted").content.decode()
    # Default sort is score, highest first: the Score header says so and flips it.
    assert '<th aria-sort="descending"><a href="?status=submitted&amp;sort=score"' in html
    assert '<a href="?status=submitted&amp;sort=age" class="sort"' in html
    assert '<a href="?status=submitted&amp;sort=due" class="sort"' in html
    html = pm.get("/requests/?status=submitted&sort=due").content.decode()
    assert '<th aria-sort="ascending"><a href="?status=submitted&amp;sort=-due"' in html
    assert pm.get("/requests/?sort=-due").status_code == 200


def test_failed_drafts_show_in_the_requesters_default_list(client_for, make_request, users):
    draft = make_request(brief="")
    assert draft.status == Status.DRAFT
    row = f"<strong>{draft.reference}</strong>"
    assert row in client_for("requester").get("/requests/").content.decode()
    assert row in client_for("requester").get("/requests/?scope=open").content.decode()
    # MOPS staff do not get others' drafts in the backlog.
    assert row not in client_for("pm").get("/requests/").content.decode()


def test_cancelling_a_draft_needs_no_reason(client_for, make_request):
    draft = make_request()
    response = client_for("requester").post(
        f"/requests/{draft.pk}/transition/",
        {"name": "cancel", "version": draft.version, "confirmed": "1"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.CANCELLED


def test_cancelling_a_submitted_request_still_needs_a_reason(make_request, users):
    import pytest
    from django.core.exceptions import ValidationError

    request = make_request(submit=True)
    with pytest.raises(ValidationError) as info:
        services.request_transition(request=request, name="cancel", actor=users["requester"])
    assert "note" in info.value.message_dict


def test_staff_open_list_has_their_own_drafts_only(api_for, make_request, users):
    """The open list is one status list narrowed for staff (the form the backlog indexes
    serve): open requests, the viewer's own drafts, no one else's."""
    submitted = make_request(submit=True)
    theirs = make_request(brief="")
    mine = make_request(brief="", actor=users["pm"])
    assert theirs.status == mine.status == Status.DRAFT
    for sort in ("", "&sort=due", "&sort=age"):
        body = api_for("pm").get(f"/api/v1/requests/?page_size=50{sort}").json()
        assert sorted(r["id"] for r in body["results"]) == sorted([submitted.pk, mine.pk])
        assert body["count"] == 2
    # A requester's open list has their team's drafts (the PM's draft is another team's).
    body = api_for("requester").get("/api/v1/requests/").json()
    assert {r["id"] for r in body["results"]} == {submitted.pk, theirs.pk}


def test_status_filter_counts_each_request_once_without_distinct(
    api_for, make_request, django_assert_max_num_queries
):
    first, second = make_request(submit=True), make_request(submit=True)
    api = api_for("pm")
    url = "/api/v1/requests/?status=submitted&status=draft"
    api.get(url)  # the token's first use writes last_used_at
    with django_assert_max_num_queries(8) as queries:
        body = api.get(url).json()
    assert body["count"] == 2 and {r["id"] for r in body["results"]} == {first.pk, second.pk}
    listing = [q["sql"] for q in queries.captured_queries if "intake_request" in q["sql"]]
    assert listing and not any("DISTINCT" in sql for sql in listing)
