"""Enablement services: versions and restore, feedback, server-graded quizzes, the course
gate on a catalog service's self-serve path, and reminders through the outbox."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.models import SelfServeCompletion
from catalog.services import can_self_serve, selfserve_complete
from governance.enablement.models import Enrolment, PlaybookFeedback
from governance.enablement.selectors import playbook_versions
from governance.enablement.services import (
    course_enrol,
    course_reminders_send,
    module_submit,
    playbook_feedback,
    playbook_restore,
    playbook_save,
)
from mops.core.concurrency import StaleVersion
from mops.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _edit(playbook, actor, body, expected):  # type: ignore[no-untyped-def]
    return playbook_save(
        actor=actor,
        playbook=playbook,
        slug=playbook.slug,
        title=playbook.title,
        body=body,
        review_by=playbook.review_by,
        expected_version=expected,
    )


def test_every_edit_is_a_version_and_any_version_can_be_restored(playbook, pm):
    edited = _edit(playbook, pm, "Second text.", expected=1)
    assert edited.version == 2
    restored = playbook_restore(actor=pm, playbook=edited, version=1, expected_version=2)
    assert (restored.version, restored.body) == (3, playbook.body)
    versions = list(playbook_versions(restored))
    assert [h.version for h in versions] == [3, 2, 1]
    assert versions[0].history_change_reason == "restored v1 as v3"


def test_an_edit_from_a_stale_copy_is_refused_and_loses_nothing(playbook, pm):
    _edit(playbook, pm, "Someone else's edit.", expected=1)
    with pytest.raises(StaleVersion):
        _edit(playbook, pm, "My edit from v1.", expected=1)
    playbook.refresh_from_db()
    assert (playbook.version, playbook.body) == (2, "Someone else's edit.")


def test_restoring_an_unknown_version_names_it(playbook, pm):
    with pytest.raises(ValidationError) as exc:
        playbook_restore(actor=pm, playbook=playbook, version=9)
    assert "version 9" in str(exc.value)


def test_requesters_and_leadership_cannot_edit_playbooks(playbook, users):
    for role in ("requester", "leadership"):
        with pytest.raises(PermissionDenied):
            _edit(playbook, users[role], "x", expected=1)


def test_feedback_is_one_answer_per_person(playbook, users):
    playbook_feedback(actor=users["requester"], playbook=playbook, helpful=False)
    playbook_feedback(actor=users["requester"], playbook=playbook, helpful=True, comment="ok")
    assert list(PlaybookFeedback.objects.values_list("helpful", "comment")) == [(True, "ok")]
    with pytest.raises(PermissionDenied):
        playbook_feedback(actor=users["leadership"], playbook=playbook, helpful=True)


def test_quiz_is_graded_on_the_server(course, users):
    module = course.modules.get()
    requester = users["requester"]
    assert module_submit(actor=requester, module=module, answers=[0, 1]) == (50, False)
    assert not Enrolment.objects.filter(completed_at__isnull=False).exists()
    with pytest.raises(ValidationError) as exc:
        module_submit(actor=requester, module=module, answers=[1])
    assert "Answer all 2" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        module_submit(actor=requester, module=module, answers=[1, 7])
    assert "Question 2" in str(exc.value)
    assert module_submit(actor=requester, module=module, answers=[1, 1]) == (100, True)
    enrolment = Enrolment.objects.get(user=requester)
    assert enrolment.completed_at is not None and enrolment.team == requester.team


def test_a_required_course_locks_self_serve_until_finished(course, segment_service, users):
    requester = users["requester"]
    assert not can_self_serve(requester, segment_service)
    with pytest.raises(ValidationError) as exc:
        selfserve_complete(service=segment_service, actor=requester, outcome="Built the list")
    assert "Segments 101" in str(exc.value)
    module_submit(actor=requester, module=course.modules.get(), answers=[1, 1])
    assert can_self_serve(requester, segment_service)
    selfserve_complete(service=segment_service, actor=requester, outcome="Built the list")
    assert SelfServeCompletion.objects.filter(user=requester).count() == 1
    # Another person has not taken the course: still locked for them.
    assert not can_self_serve(users["other_requester"], segment_service)


def test_enrolling_twice_is_one_enrolment_and_leadership_cannot_enrol(course, users):
    first = course_enrol(actor=users["requester"], course=course)
    assert course_enrol(actor=users["requester"], course=course) == first
    with pytest.raises(PermissionDenied):
        course_enrol(actor=users["leadership"], course=course)


def test_reminders_go_once_through_the_outbox(course, users):
    enrolment = course_enrol(actor=users["requester"], course=course)
    assert course_reminders_send() == 0  # too fresh
    later = timezone.now() + timedelta(days=8)
    assert course_reminders_send(now=later) == 1
    assert course_reminders_send(now=later + timedelta(hours=1)) == 0
    message = OutboxMessage.objects.get(source="enablement.reminder")
    assert message.target == users["requester"].email and "Segments 101" in message.subject
    enrolment.refresh_from_db()
    assert enrolment.reminded_at == later
    assert course_reminders_send(now=later + timedelta(days=8)) == 1  # a week later, again
