"""Requests API over the real HTTP stack: create (idempotent), list filters and query
counts, detail with events and clocks, transitions, If-Match, comments, scoring models."""

import pytest

from intake import services
from intake.models import Request, Status
from tests.releases.workitems import board_next, depart_and_land

URL = "/api/v1/requests/"
BODY = {
    "service": "launch-a-campaign",
    "title": "Spring launch",
    "answers": {"channel": "E-mail", "audience_size": 5000},
    "brief": "Launch the spring offer.",
    "audience": "Trial users",
    "tracking_plan": {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "fy30q1_na_email_promo_spring",
    },
    "desired_live_date": "2030-01-01",
    "scoring_inputs": {"impact": 4, "effort": 2, "risk": 3},
}


@pytest.fixture
def requester_api(api_for, service):
    return api_for("requester")


def test_create_and_submit_in_one_call(requester_api):
    response = requester_api.post(URL, {**BODY, "submit": True}, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "submitted"
    assert data["reference"] == f"REQ-{data['id']}"
    assert data["score"] == "70.83"
    assert response["ETag"] == f'"{data["version"]}"'
    assert [e["to_status"] for e in data["events"]] == ["draft", "submitted"]
    assert data["clocks"]["triage"]["state"] == "on_track"


def test_submit_with_missing_fields_names_each(requester_api):
    response = requester_api.post(
        URL,
        {"service": "launch-a-campaign", "answers": {"channel": "E-mail"}, "submit": True},
        format="json",
    )
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {
        "brief",
        "answers.audience_size",
        "tracking_plan.utm_campaign",
        "scoring_inputs.impact",
    } <= fields
    assert Request.objects.count() == 0  # create + submit is all-or-nothing


def test_idempotency_key_creates_one_request(requester_api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "abc-123"}
    first = requester_api.post(URL, BODY, format="json", **headers)
    second = requester_api.post(URL, BODY, format="json", **headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Request.objects.count() == 1
    other = requester_api.post(URL, {**BODY, "title": "Other"}, format="json", **headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "idempotency_key_reused"


def test_bad_input_is_400_with_field(requester_api):
    for body, field in [
        ({**BODY, "service": "nope"}, "service"),
        ({**BODY, "tracking_plan": {"utm_x": "a"}}, "tracking_plan"),
        ({**BODY, "answers": {"unknown": 1}}, "answers.unknown"),
        ({**BODY, "scoring_inputs": {"impact": 9}}, "scoring_inputs.impact"),
        ({**BODY, "desired_live_date": "soon"}, "desired_live_date"),
    ]:
        response = requester_api.post(URL, body, format="json")
        assert response.status_code == 400, (body, response.json())
        assert field in {e["field"] for e in response.json()["errors"]}
    assert requester_api.get(URL + "?sort=sideways").status_code == 400
    assert requester_api.get(URL + "?status=bogus").status_code == 400


def test_list_filters_and_team_isolation(api_for, make_request, users):
    mine = make_request(submit=True)
    make_request(submit=True, actor=users["other_requester"], title="Field thing")
    pm = api_for("pm")
    assert pm.get(URL).json()["count"] == 2
    assert pm.get(URL + "?team=demand-gen").json()["count"] == 1
    assert pm.get(URL + "?status=submitted&sort=due").json()["count"] == 2
    assert pm.get(URL + "?assignee=none").json()["count"] == 2
    assert pm.get(URL + "?sla_state=breached").json()["count"] == 0
    assert pm.get(URL + f"?q=REQ-{mine.pk}").json()["results"][0]["id"] == mine.pk
    requester = api_for("requester")
    assert [r["id"] for r in requester.get(URL).json()["results"]] == [mine.pk]
    other = api_for("other_requester")
    assert other.get(f"{URL}{mine.pk}/").status_code == 404


def test_list_query_count_is_constant(api_for, make_request, users, django_assert_max_num_queries):
    pm = api_for("pm")
    pm.get(URL)  # warm caches (content types, roles)
    for _ in range(3):
        make_request(submit=True)
    with django_assert_max_num_queries(8) as few:
        assert pm.get(URL).status_code == 200
    for _ in range(12):
        make_request(submit=True, actor=users["other_requester"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert pm.get(URL).json()["count"] == 15


def test_list_rows_are_the_serializers_rows(api_for, make_request, users):
    """The list reads `.values()` rows (intake/api/listing.py): every row, in every state
    (a draft without a live date, submitted unassigned, accepted and assigned), is what RequestSerializer
    renders for the same request, key order included, in the list's order."""
    from rest_framework.renderers import JSONRenderer

    from intake.api.serializers import RequestSerializer

    draft = make_request(desired_live_date=None)
    submitted = make_request(submit=True)
    assigned = make_request(submit=True, actor=users["other_requester"])
    services.request_transition(request=assigned, name="accept", actor=users["pm"])
    assigned = Request.objects.get(pk=assigned.pk)
    services.request_update(
        request=assigned, actor=users["pm"], assignee=users["pm"], complexity="complex"
    )
    pm = api_for("pm")
    response = pm.get(URL + "?scope=all&page_size=200")
    assert response.status_code == 200
    body = response.json()
    ids = [row["id"] for row in body["results"]]
    assert sorted(ids) == sorted([draft.pk, submitted.pk, assigned.pk]) and body["count"] == 3
    objs = {r.pk: r for r in Request.objects.filter(pk__in=ids).select_related("priority")}
    expected = JSONRenderer().render(RequestSerializer([objs[i] for i in ids], many=True).data)
    assert response.content.decode().find(expected.decode()) > 0  # same bytes, same order
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id[draft.pk]["desired_live_date"] is None
    assert by_id[submitted.pk]["score"] is not None and by_id[submitted.pk]["assignee"] is None
    assert by_id[assigned.pk]["assignee"] == users["pm"].username


def test_transition_action_with_if_match(api_for, make_request):
    request = make_request(submit=True)
    pm = api_for("pm")
    url = f"{URL}{request.pk}/transition/"
    stale = pm.post(url, {"name": "accept"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    ok = pm.post(url, {"name": "accept"}, format="json", HTTP_IF_MATCH=f'"{request.version}"')
    assert ok.status_code == 200, ok.json()
    assert ok.json()["status"] == "accepted"
    again = pm.post(url, {"name": "accept"}, format="json")
    assert again.status_code == 409
    assert pm.post(url, {"name": "fly"}, format="json").status_code == 400
    assert pm.post(url, {"name": "accept"}, format="json", HTTP_IF_MATCH="x").status_code == 400


def test_requester_cannot_accept_via_api(api_for, make_request):
    request = make_request(submit=True)
    response = api_for("requester").post(
        f"{URL}{request.pk}/transition/", {"name": "accept"}, format="json"
    )
    assert response.status_code == 403


def test_patch_with_stale_if_match_gets_412(api_for, make_request):
    request = make_request(submit=True)
    pm = api_for("pm")
    url = f"{URL}{request.pk}/"
    first = pm.patch(
        url, {"complexity": "complex"}, format="json", HTTP_IF_MATCH=f'"{request.version}"'
    )
    assert first.status_code == 200
    second = pm.patch(
        url, {"assignee": "engineer"}, format="json", HTTP_IF_MATCH=f'"{request.version}"'
    )
    assert second.status_code == 412
    requester = api_for("requester")
    assert requester.patch(url, {"title": "x"}, format="json").status_code == 403


def test_detail_shows_events_clocks_and_explanation(api_for, make_request):
    request = make_request(submit=True)
    data = api_for("requester").get(f"{URL}{request.pk}/").json()
    assert data["score_explanation"][0]["text"].startswith("Business impact 4")
    assert set(data["clocks"]) == {"triage", "delivery"}
    assert data["transitions"] == ["cancel"]


def test_comments_endpoint(api_for, make_request):
    request = make_request(submit=True)
    requester = api_for("requester")
    url = f"{URL}{request.pk}/comments/"
    response = requester.post(url, {"body": "Hi @pm"}, format="json")
    assert response.status_code == 201
    assert response.json()["mentions"] == ["pm"]
    assert [c["body"] for c in requester.get(url).json()] == ["Hi @pm"]
    assert requester.post(url, {"body": ""}, format="json").status_code == 400
    assert api_for("other_requester").get(url).status_code == 404


def test_scoring_models_api_rescoring(api_for, make_request):
    request = make_request()
    services.default_scoring_version()
    admin = api_for("admin")
    models = admin.get("/api/v1/scoring-models/").json()
    model = models["results"][0] if "results" in models else models[0]
    factors = [
        {"key": "impact", "low": 1, "high": 5, "direction": "benefit", "weight": 1},
        {"key": "effort", "low": 1, "high": 5, "direction": "cost", "weight": 1},
        {"key": "risk", "low": 1, "high": 5, "direction": "cost", "weight": 1},
    ]
    url = f"/api/v1/scoring-models/{model['id']}/versions/"
    response = admin.post(url, {"factors": factors, "note": "equal weights"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["current_version"]["number"] == 2
    request.refresh_from_db()
    assert str(request.score) == "66.67"  # (0.75 + 0.75 + 0.5) / 3
    assert api_for("pm").post(url, {"factors": factors}, format="json").status_code == 403
    bad = admin.post(url, {"factors": [{"key": "x", "direction": "up"}]}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "factors.0.direction"
    stale = admin.post(url, {"factors": factors}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412


def test_status_transitions_reach_releases_path(api_for, make_request, users):
    """in_qa → scheduled → live only through releases' boarding and departure: the API's
    transition action refuses the release steps (409) and offers them to nobody."""
    request = make_request(submit=True)
    for name, who in [("accept", "pm"), ("start", "engineer"), ("send_to_qa", "engineer")]:
        request = services.request_transition(request=request, name=name, actor=users[who])
    api = api_for("engineer")
    url = f"/api/v1/requests/{request.pk}/transition/"
    refused = api.post(url, {"name": "schedule"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "system_transition"
    detail = api.get(f"/api/v1/requests/{request.pk}/").json()
    assert "schedule" not in detail["transitions"] and "go_live" not in detail["transitions"]
    boarding = board_next(request, actor=users["engineer"])
    request.refresh_from_db()
    assert request.status == Status.SCHEDULED
    assert api.post(url, {"name": "go_live"}, format="json").status_code == 409
    depart_and_land(boarding, actor=users["engineer"])
    request.refresh_from_db()
    assert request.status == Status.LIVE


def test_score_sort_pages_by_the_priority_index_and_counts_without_the_join(
    api_for, make_request, users
):
    """The default (score) sort inner-joins the priority rows for the page, while the
    paginator's count stays on the request table alone (a filter the status tally cannot
    answer, so the queryset counts); a score tie breaks on the id."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    low = make_request(submit=True, scoring_inputs={"impact": 1, "effort": 5, "risk": 5})
    tie_a = make_request(submit=True, scoring_inputs={"impact": 5, "effort": 1, "risk": 1})
    tie_b = make_request(submit=True, scoring_inputs={"impact": 5, "effort": 1, "risk": 1})
    unscored = make_request(scoring_inputs={"impact": 3})
    pm = api_for("pm")
    with CaptureQueriesContext(connection) as queries:
        body = pm.get(f"{URL}?scope=all&service=launch-a-campaign").json()
    assert [r["id"] for r in body["results"]] == [tie_b.pk, tie_a.pk, low.pk, unscored.pk]
    assert body["count"] == 4
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    page = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "intake_request" in q["sql"]]
    assert counts and all("intake_priority" not in sql for sql in counts)
    assert any('INNER JOIN "intake_priority"' in sql for sql in page)
    ascending = pm.get(f"{URL}?scope=all&sort=score").json()["results"]
    assert [r["id"] for r in ascending] == [low.pk, tie_a.pk, tie_b.pk, unscored.pk]
