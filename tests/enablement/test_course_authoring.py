"""Course authoring pages (PM, engineer, admin): courses and modules through the same
services as the API, input errors on the form; the quiz written as text."""

import pytest

from governance.enablement.models import Course
from governance.enablement.quiztext import QuizTextError, quiz_format, quiz_parse
from tests.enablement.conftest import QUIZ, course, playbook, pm, segment_service  # noqa: F401

QUIZ_TEXT = """Q: Which tool registers a campaign?
- E-mail
* UTM builder

Q: Does it need a ticket?
- Yes
* No
"""


def test_quiz_text_round_trips_and_names_the_line_at_fault():
    assert quiz_parse(QUIZ_TEXT) == QUIZ
    assert quiz_parse(quiz_format(QUIZ)) == QUIZ
    assert quiz_parse("") == []
    for text, error in [
        ("- a choice first", "Line 1: a choice before any 'Q:' question."),
        ("Q: one?\n- a\n- b", "Question 1: mark the right choice with '*'."),
        ("Q: one?\n* a\n* b", "Line 3: only one choice may be marked '*'."),
        ("Q: one?\n* a", "Question 1: give at least two choices."),
        ("Q: one?\nwhat", "Line 2: start it with 'Q:' (a question), '-' (a choice) or '*'"),
    ]:
        with pytest.raises(QuizTextError) as exc:
            quiz_parse(text)
        assert str(exc.value).startswith(error)


@pytest.mark.django_db
def test_a_pm_authors_a_course_and_its_modules_on_pages(client_for, playbook, segment_service):  # noqa: F811
    pm_client = client_for("pm")
    assert b"/enablement/courses/new/" in pm_client.get("/enablement/courses/").content
    bad = pm_client.post(
        "/enablement/courses/new/",
        {"title": "Segments 101", "slug": "segments-101", "level": "101", "subject": "tool"},
    )
    assert bad.status_code == 400 and b"Name the tool a tool course teaches." in bad.content
    created = pm_client.post(
        "/enablement/courses/new/",
        {
            "title": "Segments 101",
            "slug": "segments-101",
            "level": "101",
            "subject": "tool",
            "tool": "MAP",
            "unlocks": [segment_service.pk],
        },
    )
    assert created.status_code == 302
    course = Course.objects.get(slug="segments-101")  # noqa: F811
    assert list(course.unlocks.all()) == [segment_service]
    duplicate = pm_client.post(
        "/enablement/courses/new/",
        {"title": "Again", "slug": "segments-101", "level": "101", "subject": "intake"},
    )
    assert duplicate.status_code == 400 and b"already exists" in duplicate.content
    url = "/enablement/courses/segments-101/modules/new/"
    bad_quiz = pm_client.post(
        url,
        {"title": "Lists", "playbook": playbook.pk, "quiz": "Q: one?\n- a\n- b", "pass_mark": 100},
    )
    assert bad_quiz.status_code == 400
    assert b"Question 1: mark the right choice with" in bad_quiz.content
    added = pm_client.post(
        url, {"title": "Lists", "playbook": playbook.pk, "quiz": QUIZ_TEXT, "pass_mark": 50}
    )
    assert added.status_code == 302
    module = course.modules.get()
    assert (module.position, module.quiz, module.pass_mark) == (1, QUIZ, 50)
    edit = pm_client.get("/enablement/courses/segments-101/1/edit/")
    assert b"* UTM builder" in edit.content
    edited = pm_client.post(
        "/enablement/courses/segments-101/1/edit/",
        {
            "title": "Lists, again",
            "playbook": playbook.pk,
            "quiz": "",
            "pass_mark": 100,
            "position": 1,
        },
    )
    assert edited.status_code == 302
    module.refresh_from_db()
    assert (module.title, module.quiz) == ("Lists, again", [])
    assert module.history.count() == 2  # audited
    detail = pm_client.get("/enablement/courses/segments-101/").content
    assert b"Edit course" in detail and b"/enablement/courses/segments-101/1/edit/" in detail


@pytest.mark.django_db
def test_requesters_cannot_author_and_the_api_edits_a_module(client_for, api_for, course):  # noqa: F811
    requester = client_for("requester")
    assert b"/enablement/courses/new/" not in requester.get("/enablement/courses/").content
    assert requester.get("/enablement/courses/new/").status_code == 403
    assert requester.get(f"/enablement/courses/{course.slug}/1/edit/").status_code == 403
    response = api_for("pm").patch(
        f"/api/v1/courses/{course.slug}/modules/1/", {"pass_mark": 50}, format="json"
    )
    assert response.status_code == 200 and response.json()["pass_mark"] == 50
    bad = api_for("pm").patch(
        f"/api/v1/courses/{course.slug}/modules/1/", {"pass_mark": 0}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "pass_mark"
    missing = api_for("pm").patch(f"/api/v1/courses/{course.slug}/modules/9/", {}, format="json")
    assert missing.status_code == 404
    refused = api_for("requester").patch(
        f"/api/v1/courses/{course.slug}/modules/1/", {"pass_mark": 50}, format="json"
    )
    assert refused.status_code == 403
