"""Enablement fixtures: the catalog's policy, a guide self-serve service, playbooks, a course."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.enablement.services import course_save, module_save, playbook_save
from tests.catalog.conftest import admin  # noqa: F401 - shared fixtures
from tests.catalog.published import self_serve_service

QUIZ = [
    {
        "question": "Which tool registers a campaign?",
        "choices": ["E-mail", "UTM builder"],
        "answer": 1,
    },
    {"question": "Does it need a ticket?", "choices": ["Yes", "No"], "answer": 1},
]


@pytest.fixture
def pm(users):
    return users["pm"]


@pytest.fixture
def segment_service(admin, policy):  # noqa: F811
    instructions = "1. Open the MAP.\n2. Build the list."
    return self_serve_service(
        admin, policy, slug="create-a-segment", tool="guide", instructions=instructions
    )


@pytest.fixture
def playbook(pm, segment_service):
    return playbook_save(
        actor=pm,
        slug="build-a-segment",
        title="Build a segment",
        summary="Lists in the MAP",
        body="Open the marketing automation platform and filter contacts by engagement.",
        review_by=timezone.localdate() + timedelta(days=90),
        services=[segment_service],
    )


@pytest.fixture
def course(pm, playbook, segment_service):
    course = course_save(
        actor=pm,
        slug="segments-101",
        title="Segments 101",
        subject="tool",
        tool="MAP",
        unlocks=[segment_service],
    )
    module_save(actor=pm, course=course, title="Segments", playbook=playbook, quiz=QUIZ)
    return course
