"""The RFC page through the real HTTP stack: its buttons are `rfc_allowed_actions`, an
action it does not offer is refused (403 or a message, never a 500), and scheduling into
a freeze is refused on the schedule form unless the RFC is an emergency RFC."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.messages import ERROR, get_messages
from django.utils import timezone

from governance.models import Rfc
from governance.rfc.selectors import STEP_TRANSITIONS, rfc_allowed_actions
from governance.rfc.services import (
    rfc_approve,
    rfc_request_changes,
    rfc_schedule,
    rfc_transition,
)
from tests.governance.conftest import RFC_FIELDS, approved_high_rfc

pytestmark = pytest.mark.django_db

DEMO_ROLES = ["requester", "pm", "engineer", "approver", "leadership", "admin"]
ACTIONS = STEP_TRANSITIONS | {"edit", "approve", "request_changes", "reject", "schedule"}
BUTTON = re.compile(r'data-action="([a-z_]+)"')


@pytest.fixture
def rfcs(make_rfc, users) -> dict[str, Rfc]:
    """One low-risk RFC by the engineer in each state a person acts on."""
    draft = make_rfc(submit=False, title="Draft RFC")
    in_review = make_rfc(title="RFC in review")
    changes = make_rfc(title="RFC sent back")
    rfc_request_changes(rfc=changes, actor=users["approver"], comment="Add a test plan.")
    approved = make_rfc(title="Approved RFC")
    rfc_approve(rfc=approved, actor=users["approver"])
    scheduled = make_rfc(title="Scheduled RFC")
    rfc_approve(rfc=scheduled, actor=users["approver"])
    rfc_schedule(rfc=scheduled, actor=users["pm"], window_start=None, window_end=None)
    implemented = make_rfc(title="Implemented RFC")
    rfc_approve(rfc=implemented, actor=users["approver"])
    rfc_schedule(rfc=implemented, actor=users["pm"], window_start=None, window_end=None)
    rfc_transition(rfc=implemented, name="implement", actor=users["engineer"])
    found = {
        "draft": draft,
        "in_review": in_review,
        "changes_requested": changes,
        "approved": approved,
        "scheduled": scheduled,
        "implemented": implemented,
    }
    for state, rfc in found.items():
        rfc.refresh_from_db()
        assert rfc.status == state
    return found


# A few rows written out, so the table test is not only the selector agreeing with itself.
EXPECTED = {
    ("engineer", "draft"): {"edit", "submit"},
    ("engineer", "in_review"): {"edit"},
    ("approver", "in_review"): {"approve", "request_changes", "reject"},
    ("approver", "approved"): {"request_changes", "reject"},
    ("pm", "approved"): {"edit", "schedule"},
    ("admin", "approved"): {"edit", "schedule", "request_changes", "reject"},
    ("pm", "scheduled"): {"unschedule", "implement"},
    ("engineer", "implemented"): {"verify", "roll_back"},
    ("leadership", "in_review"): set(),
    ("requester", "approved"): set(),
}


@pytest.mark.parametrize("role", DEMO_ROLES)
def test_the_buttons_shown_are_the_allowed_actions(client_for, users, rfcs, role):
    client = client_for(role)
    for state, rfc in rfcs.items():
        allowed = rfc_allowed_actions(rfc=rfc, user=users[role])
        assert allowed <= ACTIONS
        page = client.get(rfc.get_absolute_url())
        if page.status_code == 403:
            assert allowed == set(), (role, state)
            continue
        assert page.status_code == 200
        shown = set(BUTTON.findall(page.content.decode()))
        assert shown == allowed, (role, state)
        if (role, state) in EXPECTED:
            assert allowed == EXPECTED[role, state], (role, state)


def _post_for(action: str, rfc: Rfc) -> tuple[str, dict[str, object]]:
    if action == "edit":
        form = {**RFC_FIELDS, "title": "Changed by someone not allowed", "version": rfc.version}
        return f"/governance/rfcs/{rfc.pk}/edit/", form
    if action in ("approve", "request_changes", "reject"):
        data = {"action": action, "comment": "Because.", "content_hash": rfc.content_hash}
    elif action == "schedule":
        data = {"action": "schedule", "window_start": "", "window_end": "", "window_ref": ""}
    else:
        data = {"action": "transition", "name": action, "note": "Because."}
    return rfc.get_absolute_url(), data


@pytest.mark.parametrize("role", DEMO_ROLES)
def test_an_action_not_offered_is_refused_not_a_500(client_for, users, rfcs, role):
    client = client_for(role)
    for state, rfc in rfcs.items():
        for action in sorted(ACTIONS - rfc_allowed_actions(rfc=rfc, user=users[role])):
            before = (rfc.status, rfc.version, rfc.events.count(), rfc.approvals.count())
            url, data = _post_for(action, rfc)
            response = client.post(url, data)
            where = (role, state, action, response.status_code)
            assert response.status_code in (302, 400, 403), where
            if response.status_code == 302:
                levels = [m.level for m in get_messages(response.wsgi_request)]
                assert ERROR in levels, where
            elif response.status_code == 400:
                assert b'class="form-errors"' in response.content, where
            rfc.refresh_from_db()
            after = (rfc.status, rfc.version, rfc.events.count(), rfc.approvals.count())
            assert after == before, where


# --- freezes ---------------------------------------------------------------------------------


def _window_in_a_freeze(freeze_over) -> dict[str, str]:
    start = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=2)
    freeze_over(start, end)
    local = "%Y-%m-%dT%H:%M"
    return {
        "action": "schedule",
        "window_start": timezone.localtime(start).strftime(local),
        "window_end": timezone.localtime(end).strftime(local),
        "window_ref": "Thursday email train",
    }


def test_page_refuses_a_high_risk_rfc_into_a_freeze_on_the_schedule_form(
    client_for, make_rfc, users, cab, freeze_over
):
    rfc = approved_high_rfc(make_rfc, users)
    response = client_for("pm").post(rfc.get_absolute_url(), _window_in_a_freeze(freeze_over))
    assert response.status_code == 400
    form = response.context["schedule_form"]
    assert any("inside a freeze" in e for e in form.non_field_errors()), form.errors
    assert "inside a freeze" in response.content.decode()
    rfc.refresh_from_db()
    assert rfc.status == "approved"
    assert not rfc.events.filter(name="schedule").exists()


def test_page_schedules_an_emergency_rfc_into_a_freeze(
    client_for, make_rfc, users, cab, freeze_over
):
    rfc = approved_high_rfc(
        make_rfc, users, emergency=True, emergency_reason="Every EMEA lead goes to a departed rep."
    )
    response = client_for("pm").post(rfc.get_absolute_url(), _window_in_a_freeze(freeze_over))
    assert response.status_code == 302
    rfc.refresh_from_db()
    assert rfc.status == "scheduled"
    note = rfc.events.get(name="schedule").note
    assert note.endswith(" (inside a freeze, emergency RFC)")


def test_page_shows_a_missing_window_on_the_schedule_form(client_for, make_rfc, users, cab):
    rfc = approved_high_rfc(make_rfc, users)
    response = client_for("pm").post(
        rfc.get_absolute_url(), {"action": "schedule", "window_start": "", "window_end": ""}
    )
    assert response.status_code == 400
    errors = response.context["schedule_form"].errors
    assert "only inside a change window" in " ".join(errors["window_start"])


# --- refusals the kernel maps (call_service) -------------------------------------------------


def test_approving_content_that_changed_since_reading_is_a_message(client_for, make_rfc, users):
    rfc = make_rfc()
    response = client_for("approver").post(
        rfc.get_absolute_url(), {"action": "approve", "comment": "", "content_hash": "0" * 64}
    )
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("changed since you loaded it" in t for t in texts), texts
    assert not rfc.approvals.exists()


def test_a_stale_edit_is_412_with_the_form_kept(client_for, make_rfc):
    rfc = make_rfc()
    client = client_for("engineer")
    stale = {**RFC_FIELDS, "title": "Second title", "version": rfc.version}
    assert client.post(f"/governance/rfcs/{rfc.pk}/edit/", stale).status_code == 302
    response = client.post(f"/governance/rfcs/{rfc.pk}/edit/", {**stale, "title": "Third"})
    assert response.status_code == 412
    assert response.context["form"].has_error("__all__", "stale")
    rfc.refresh_from_db()
    assert rfc.title == "Second title"
