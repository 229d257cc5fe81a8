"""Enablement pages and API: reading links on catalog services, the locked self-serve page,
the quiz over HTTP, constant-query lists, API writes through the services, clear 4xx."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.enablement.models import Playbook
from governance.enablement.services import playbook_save
from mops.core.concurrency import STALE_MESSAGE

pytestmark = pytest.mark.django_db


def test_service_page_links_its_playbooks_before_you_ask(client_for, playbook, segment_service):
    page = client_for("requester").get(segment_service.get_absolute_url())
    assert b"Before you ask, read" in page.content
    assert playbook.get_absolute_url().encode() in page.content


def test_self_serve_page_is_locked_until_the_course_is_passed(client_for, course, segment_service):
    client = client_for("requester")
    diy = f"/catalog/{segment_service.slug}/do-it-yourself/"
    page = client.get(diy)
    assert b"Finish the course Segments 101" in page.content
    assert b"Mark as done" not in page.content
    assert client.post(diy, {"outcome": "Built it"}).status_code == 400
    module_url = f"/enablement/courses/{course.slug}/1/"
    wrong = client.post(module_url, {"q0": "0", "q1": "1"})
    assert wrong.status_code == 400 and b"50% right" in wrong.content
    assert client.post(module_url, {"q0": "1", "q1": "1"}).status_code == 302
    assert b"Mark as done" in client.get(diy).content
    assert client.post(diy, {"outcome": "Built it"}).status_code == 302


def test_playbook_page_counts_a_read_and_takes_feedback(client_for, playbook):
    client = client_for("requester")
    assert client.get(playbook.get_absolute_url()).status_code == 200
    client.get(playbook.get_absolute_url())
    assert playbook.reads.count() == 1  # once a day per person
    client.post(f"/enablement/playbooks/{playbook.slug}/feedback/", {"helpful": "yes"})
    assert playbook.feedback.get().helpful is True


def test_playbook_list_constant_queries(client_for, pm, django_assert_max_num_queries):
    for n in range(8):
        playbook_save(
            actor=pm,
            slug=f"p{n}",
            title=f"Segment guide {n}",
            body="Segments and lists.",
            review_by=timezone.localdate() + timedelta(days=n - 3),
        )
    client = client_for("requester")
    with django_assert_max_num_queries(12):
        page = client.get("/enablement/playbooks/?q=segment")
    assert page.content.count(b"badge warn") == 3  # three past their review date
    assert b"<mark>" in page.content


def test_api_writes_go_through_the_services(api_for, segment_service):
    pm = api_for("pm")
    body = {
        "slug": "api-made",
        "title": "Made over the API",
        "body": "Text.",
        "review_by": "2030-01-01",
        "services": [segment_service.slug],
    }
    created = pm.post("/api/v1/playbooks/", body, format="json")
    assert created.status_code == 201, created.json()
    url = "/api/v1/playbooks/api-made/"
    assert pm.patch(url, {"body": "v2"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    stale = pm.patch(url, {"body": "v3"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    restored = pm.post(f"{url}restore/", {"version": 1}, format="json")
    assert restored.json()["version"] == 3 and restored.json()["body"] == "Text."
    assert [v["version"] for v in pm.get(f"{url}versions/").json()] == [3, 2, 1]
    assert Playbook.objects.get(slug="api-made").body == "Text."
    assert api_for("requester").post("/api/v1/playbooks/", body, format="json").status_code == 403


def test_api_bad_input_is_a_400_naming_the_field(api_for, course):
    pm = api_for("pm")
    bad = pm.post("/api/v1/playbooks/", {"slug": "x", "title": "X", "body": "b"}, format="json")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"review_by"}
    quiz = [{"question": "Q?", "choices": ["only one"], "answer": 0}]
    module = pm.post(
        f"/api/v1/courses/{course.slug}/modules/",
        {"title": "M", "playbook": "build-a-segment", "quiz": quiz},
        format="json",
    )
    assert module.status_code == 400 and "at least two choices" in str(module.json())
    learner = api_for("requester")
    wrong = learner.post(f"/api/v1/courses/{course.slug}/submit/", {"position": 5, "answers": []})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "position"


def test_api_grades_quizzes_and_hides_answers_from_learners(api_for, course):
    learner = api_for("requester")
    shown = learner.get(f"/api/v1/courses/{course.slug}/").json()
    assert "answer" not in shown["modules"][0]["quiz"][0]
    result = learner.post(
        f"/api/v1/courses/{course.slug}/submit/", {"position": 1, "answers": [1, 1]}, format="json"
    )
    assert result.json() == {"score": 100, "passed": True, "course_completed": True}
    mine = learner.get("/api/v1/enrolments/").json()["results"]
    assert [e["course"] for e in mine] == ["segments-101"]
    staff = api_for("pm").get(f"/api/v1/courses/{course.slug}/").json()
    assert staff["modules"][0]["quiz"][0]["answer"] == 1


def test_one_filterset_for_page_and_api(client_for, api_for, playbook, pm):
    stale = playbook_save(
        actor=pm,
        slug="old",
        title="Old segment tips",
        body="Segments.",
        review_by=timezone.localdate() - timedelta(days=1),
    )
    page = client_for("requester").get("/enablement/playbooks/?stale=true&q=segment")
    assert stale.title.encode() in page.content and playbook.title.encode() not in page.content
    api = api_for("requester").get("/api/v1/playbooks/?stale=false&q=segment").json()
    assert [p["slug"] for p in api["results"]] == [playbook.slug]
    bad = api_for("requester").get("/api/v1/playbooks/?category=nope")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "category"
    assert client_for("requester").get("/enablement/playbooks/?category=nope").status_code == 400


def _edit_form(playbook, **changes):
    data = {
        "title": playbook.title,
        "slug": playbook.slug,
        "summary": playbook.summary,
        "body": playbook.body,
        "review_by": playbook.review_by.isoformat(),
        "version": playbook.version,
    }
    return {**data, **changes}


def test_playbook_edit_page_shows_service_refusals_on_the_form(client_for, playbook, pm):
    client = client_for("pm")
    url = f"/enablement/playbooks/{playbook.slug}/edit/"
    assert client.post(url, _edit_form(playbook, body="v2")).status_code == 302
    stale = client.post(url, _edit_form(playbook, body="v3"))  # still carries version 1
    assert stale.status_code == 412
    assert stale.context["form"].non_field_errors() == [STALE_MESSAGE]
    playbook_save(actor=pm, slug="taken", title="Taken", body="b", review_by=playbook.review_by)
    duplicate = client.post(url, _edit_form(playbook, slug="taken", version=2))
    assert duplicate.status_code == 400
    assert "already exists" in str(duplicate.context["form"].errors["slug"])
    assert Playbook.objects.get(pk=playbook.pk).body == "v2"


def test_playbook_restore_page_says_why_it_was_refused(client_for, playbook):
    client = client_for("pm")
    url = f"/enablement/playbooks/{playbook.slug}/restore/"
    missing = client.post(url, {"version": 9}, follow=True)
    texts = [str(m) for m in missing.context["messages"]]
    assert texts == [f"Playbook '{playbook.slug}' has no version 9."]
    stale = client.post(url, {"version": 1, "current": 7}, follow=True)
    assert [str(m) for m in stale.context["messages"]] == [STALE_MESSAGE]
    restored = client.post(url, {"version": 1, "current": 1}, follow=True)
    assert [str(m) for m in restored.context["messages"]] == ["Version 1 restored as v2."]
