"""Request pages: backlog (filters, constant queries, bulk, saved views), the generated
form (draft, submit errors), the detail page (SLA, score explanation, events), review."""

import re

from intake import services
from intake.models import Request, SavedView, Status

from .conftest import COMPLETE


def _form_data(**over):
    data = {
        "title": COMPLETE["title"],
        "brief": COMPLETE["brief"],
        "audience": COMPLETE["audience"],
        "offer": COMPLETE["offer"],
        "desired_live_date": "2030-01-01",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "fy30q1_na_email_promo_spring",
        "score_impact": "4",
        "score_effort": "2",
        "score_risk": "3",
        "a-channel": "E-mail",
        "a-audience_size": "5000",
        "intent": "submit",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_form_page_renders_conditional_fields(client_for, service):
    response = client_for("requester").get(f"/requests/new/{service.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "data-condition=" in html and "&quot;channel&quot;" in html
    assert (
        "conditions.js" in html and 'name="utm_campaign"' in html and 'name="score_impact"' in html
    )


def test_submit_from_the_form(client_for, service):
    response = client_for("requester").post(f"/requests/new/{service.slug}/", _form_data())
    request = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == request.get_absolute_url()
    assert request.status == Status.SUBMITTED
    assert request.answers == {"channel": "E-mail", "audience_size": 5000}


def test_submit_with_missing_fields_keeps_no_draft_and_marks_fields(client_for, service):
    # Issue #20: a failed first submit used to leave a draft behind (one per attempt); now
    # the draft and its submission are one transaction and the form comes back filled in.
    response = client_for("requester").post(
        f"/requests/new/{service.slug}/",
        _form_data(**{"a-audience_size": "", "brief": "", "utm_source": ""}),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not submitted yet" in html and "Nothing was saved yet" in html
    field = html.split('id="answer-id_a-audience_size"', 1)[1].split("</div>", 1)[0]
    assert field.count("This field is required.") == 1  # once, next to the field
    assert "utm_source is required" in html and "Describe the brief." in html
    assert 'value="E-mail" selected' in html or 'value="E-mail"' in html
    assert not Request.objects.exists()


def test_needs_info_answer_flow_via_pages(client_for, make_request, users):
    request = make_request(submit=True)
    pm = client_for("pm")
    pm.post(f"/requests/{request.pk}/transition/", {"name": "needs_info", "note": "Which list?"})
    request.refresh_from_db()
    assert request.status == Status.NEEDS_INFO
    requester = client_for("requester")
    page = requester.get(f"/requests/{request.pk}/edit/").content.decode()
    assert "Which list?" in page and "Answer and resubmit" in page
    response = requester.post(
        f"/requests/{request.pk}/edit/",
        _form_data(intent="answer", note="The trial list", version=str(request.version)),
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED
    assert request.events.last().note == "The trial list"


def test_detail_page_shows_sla_events_and_explanation(client_for, make_request):
    request = make_request(submit=True)
    html = client_for("pm").get(f"/requests/{request.pk}/").content.decode()
    assert 'data-clock="triage"' in html and "on_track" in html
    assert (
        "Business impact 4 (higher is better, scale 1–5) → 0.75 × weight 3 = 37.50 points" in html
    )
    # Events read as labels ("Draft → Submitted"), not codes (issue #19).
    assert "Draft → <strong>Submitted</strong>" in html
    assert 'value="accept"' in html


def test_requester_sees_no_triage_buttons_and_other_team_gets_404(client_for, make_request):
    request = make_request(submit=True)
    html = client_for("requester").get(f"/requests/{request.pk}/").content.decode()
    assert 'value="accept"' not in html and 'value="cancel"' in html
    assert client_for("other_requester").get(f"/requests/{request.pk}/").status_code == 404
    response = client_for("requester").post(
        f"/requests/{request.pk}/transition/", {"name": "accept"}
    )
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED and response.status_code == 302


def test_backlog_query_count_is_constant(
    client_for, make_request, users, django_assert_max_num_queries
):
    pm = client_for("pm")
    make_request(submit=True)
    pm.get("/requests/")
    with django_assert_max_num_queries(20) as few:
        assert pm.get("/requests/?sort=due").status_code == 200
    for i in range(15):
        make_request(submit=True, actor=users["other_requester"] if i % 2 else users["requester"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = pm.get("/requests/?sort=due").content.decode()
    assert html.count('data-href="/requests/') == 16


def test_backlog_filters_and_badges(client_for, make_request, users):
    a = make_request(submit=True, title="Alpha")
    make_request(submit=True, title="Beta", actor=users["other_requester"])
    pm = client_for("pm")
    html = pm.get("/requests/?team=demand-gen").content.decode()
    assert "Alpha" in html and "Beta" not in html
    assert re.search(r'class="badge on_track"', html) and "0 d" in html
    assert pm.get("/requests/?status=bogus").status_code == 200  # errors shown, no 500
    assert f"REQ-{a.pk}" in pm.get("/requests/?q=alpha").content.decode()


def test_requesters_see_their_team_and_what_is_expected(client_for, make_request, users):
    make_request(submit=True, title="Mine")
    make_request(submit=True, title="Theirs", actor=users["other_requester"])
    html = client_for("requester").get("/requests/").content.decode()
    assert "My team&#x27;s requests" in html or "My team's requests" in html
    assert "Mine" in html and "Theirs" not in html
    assert "waiting for MOPS triage" in html


def test_bulk_accept_and_assign(client_for, make_request, users):
    a, b = make_request(submit=True), make_request(submit=True)
    own = make_request(submit=True, actor=users["pm"])
    pm = client_for("pm")
    response = pm.post(
        "/requests/bulk/", {"ids": [a.pk, b.pk, own.pk], "action": "accept"}, follow=True
    )
    assert (
        f"REQ-{own.pk}: You cannot triage a request you made yourself" in response.content.decode()
    )
    assert set(Request.objects.filter(status="accepted").values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
    }
    pm.post("/requests/bulk/", {"ids": [a.pk, b.pk], "action": "assign", "assignee": "engineer"})
    assert set(Request.objects.filter(assignee=users["engineer"]).values_list("pk", flat=True)) == {
        a.pk,
        b.pk,
    }
    pm.post("/requests/bulk/", {"ids": [a.pk], "action": "set_class", "complexity": "complex"})
    a.refresh_from_db()
    assert a.complexity == "complex"
    assert (
        client_for("requester")
        .post("/requests/bulk/", {"ids": [a.pk], "action": "accept"})
        .status_code
        == 403
    )


def test_saved_views(client_for, users):
    pm = client_for("pm")
    response = pm.post(
        "/requests/views/", {"name": "Breached", "query": "sla_state=breached&sort=due"}
    )
    assert response.status_code == 302 and response["Location"].endswith(
        "?sla_state=breached&sort=due"
    )
    assert SavedView.objects.get(user=users["pm"]).name == "Breached"
    assert "Breached" in pm.get("/requests/").content.decode()


def test_review_page_and_scoring_page(client_for, make_request, users):
    make_request(submit=True)
    assert (
        "Weekly backlog review"
        in client_for("leadership").get("/requests/review/").content.decode()
    )
    assert client_for("requester").get("/requests/review/").status_code == 403
    services.default_scoring_version()
    admin = client_for("admin")
    page = admin.get("/requests/scoring/").content.decode()
    assert "Business impact" in page
    version = services.default_scoring_version().scoring_model.version
    response = admin.post(
        "/requests/scoring/",
        {
            "factors": '[{"key": "impact", "low": 1, "high": 5, "direction": "benefit", "weight": 1}]',
            "note": "impact only",
            "version": version,
        },
        follow=True,
    )
    assert "1 requests rescored" in response.content.decode()
    assert Request.objects.get().score == 75


def test_backlog_live_refresh_returns_the_rows_alone(
    client_for, make_request, users, django_assert_max_num_queries
):
    """htmx polls the page every minute for its rows: the same filters and sort, only the
    rows' tbody (which carries the poll again), in no more queries than the whole page."""
    pm = client_for("pm")
    first = make_request(submit=True)
    page = pm.get("/requests/?sort=due")
    assert 'id="backlog-rows"' in page.content.decode()
    assert 'hx-trigger="every 60s"' in page.content.decode()
    make_request(submit=True, actor=users["other_requester"], title="Arrived since")
    with django_assert_max_num_queries(20):
        rows = pm.get("/requests/?sort=due", HTTP_HX_REQUEST="true")
    html = rows.content.decode()
    assert rows.status_code == 200
    assert html.lstrip().startswith('<tbody id="backlog-rows"') and "<html" not in html
    assert 'hx-get="/requests/?sort=due"' in html
    assert html.count('data-href="/requests/') == 2 and "Arrived since" in html
    assert first.reference in html


def test_cancel_asks_for_confirmation_saying_what_it_does(client_for, make_request):
    request = make_request(submit=True)
    client = client_for("requester")
    first = client.post(
        f"/requests/{request.pk}/transition/",
        {"name": "cancel", "note": "Budget cut", "version": request.version},
    )
    page = first.content.decode()
    assert first.status_code == 200
    assert f"This cancels {request.reference}: work on it stops for good" in page
    assert "the requester and watchers are notified" in page
    assert 'name="confirmed" value="1"' in page and "Budget cut" in page
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED  # nothing happened yet
    second = client.post(
        f"/requests/{request.pk}/transition/",
        {"name": "cancel", "note": "Budget cut", "version": request.version, "confirmed": "1"},
        follow=True,
    )
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert f"{request.reference} is now Cancelled." in second.content.decode()


def test_non_destructive_steps_need_no_confirmation(client_for, make_request):
    request = make_request(submit=True)
    response = client_for("pm").post(
        f"/requests/{request.pk}/transition/", {"name": "accept", "version": request.version}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.ACCEPTED
