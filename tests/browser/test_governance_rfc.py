"""An engineer writes a high-risk RFC, two CAB approvers approve it from its page, the PM
follows the RFC page's "Schedule on a departure" link and boards it onto a release-train
departure (releases' board page, which schedules it in governance)."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from governance.models import ApprovalPolicy, Rfc

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def email_train(users):
    """A daily e-mail release train, so the RFC's channel has departures to board."""
    from releases.trains import services as release_services

    return release_services.train_create(
        actor=users["admin"],
        name="E-mail train",
        slug="email",
        channels=["email"],
        time_zone="America/New_York",
        rrule="FREQ=DAILY",
        first_date=timezone.localdate(),
        start_time=time(10, 0),
        duration_minutes=120,
        capacity=2,
        cutoff_hours=Decimal(2),
        horizon_days=7,
    )


@pytest.fixture
def cab_members(users):
    cab, _ = Group.objects.get_or_create(name="CAB")
    revops, _ = Group.objects.get_or_create(name="RevOps")
    users["approver"].groups.add(cab)
    users["approver2"].groups.add(cab, revops)
    ApprovalPolicy.objects.update_or_create(
        risk="high",
        defaults={
            "required_approvals": 2,
            "eligible_group": "CAB",
            "must_include_group": "RevOps",
            "requires_change_window": True,
        },
    )
    return users


def _approve(page, login, username: str, rfc: Rfc) -> None:
    login(username)
    page.goto(rfc.get_absolute_url())
    page.get_by_label("Comment (optional)").fill(f"OK from {username}")
    page.get_by_role("button", name="Approve v1").click()
    page.wait_for_load_state()
    assert f"You approved {rfc.reference}" in page.locator(".messages").inner_text()


def test_high_risk_rfc_is_written_approved_by_the_cab_and_boarded_on_a_departure(
    page, login, cab_members, email_train
):
    from releases.boarding.models import Boarding
    from releases.trains.models import Departure

    # The engineer writes it through the form and submits it for review.
    login("engineer")
    page.goto("/governance/rfcs/new/")
    page.get_by_label("Title").fill("Route EMEA enterprise leads to the new pod")
    page.get_by_label("Type").select_option("routing")
    page.get_by_label("Summary").fill("Enterprise EMEA leads go to the new pod.")
    page.get_by_label("Proposal").fill("Add a routing rule before the round robin.")
    page.get_by_label("E-mail", exact=True).check()
    page.locator("#id_risk").select_option("high")
    page.get_by_label("Does it change production data or schema").check()
    page.get_by_label("Test plan").fill("Replay last month's EMEA leads in the sandbox.")
    page.get_by_label("Rollback plan").fill("Deactivate the rule; round robin takes over.")
    page.get_by_role("button", name="Save and submit for review").click()
    page.wait_for_url("**/governance/rfcs/*/")
    assert page.get_by_test_id("rfc-status").inner_text() == "In review"
    assert (
        "Needs 2 more approval(s) and one from RevOps" in page.get_by_test_id("quorum").inner_text()
    )
    rfc = Rfc.objects.get()
    assert rfc.risk == "high" and rfc.author.username == "engineer"
    # The author is not offered an approve button.
    assert page.get_by_role("button", name="Approve v1").count() == 0

    # Two CAB approvers (one of them RevOps) approve from the RFC page.
    _approve(page, login, "approver", rfc)
    assert (
        "Needs 1 more approval(s) and one from RevOps" in page.get_by_test_id("quorum").inner_text()
    )
    _approve(page, login, "approver2", rfc)
    assert page.get_by_test_id("rfc-status").inner_text() == "Approved"
    assert "Quorum met" in page.get_by_test_id("quorum").inner_text()

    # The PM follows the RFC page's link to releases' board page and boards it onto the
    # first departure whose every rule passes.
    departure = (
        Departure.objects.filter(
            train=email_train, cutoff_at__gt=timezone.now() + timedelta(days=1)
        )
        .order_by("starts_at")
        .first()
    )
    login("pm")
    page.goto(rfc.get_absolute_url())
    page.get_by_role("link", name="Schedule on a departure").click()
    page.wait_for_url(f"**/releases/rfcs/{rfc.pk}/board/")
    row = page.locator(f'tr[data-departure="{departure.pk}"]')
    assert "Channel carried by the train." in row.inner_text()
    row.get_by_role("button", name="Board").click()
    page.wait_for_url(f"**/releases/departures/{departure.pk}/")
    assert rfc.reference in page.locator("table.manifest-table").inner_text()
    rfc.refresh_from_db()
    assert rfc.status == "scheduled" and rfc.scheduled_ref == f"departure:{departure.pk}"
    assert rfc.scheduled_start == departure.starts_at
    assert Boarding.objects.get(rfc=rfc).departure_id == departure.pk
    page.goto(rfc.get_absolute_url())
    assert page.get_by_test_id("rfc-status").inner_text() == "Scheduled"


def test_high_risk_rfc_without_a_window_is_refused_on_the_page(page, login, cab_members):
    from governance.rfc.services import (
        rfc_approve,
        rfc_create,
    )

    users = cab_members
    rfc = rfc_create(
        actor=users["engineer"],
        submit=True,
        title="Change attribution window",
        change_type="attribution",
        summary="30 → 60 days.",
        proposal="Change the setting.",
        risk="high",
        test_plan="Back-test.",
        rollback_plan="Set it back.",
    )
    rfc_approve(rfc=rfc, actor=users["approver"])
    rfc_approve(rfc=rfc, actor=users["approver2"])
    login("pm")
    page.goto(rfc.get_absolute_url())
    page.locator("form.schedule-form").get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    # The refusal is shown on the schedule form, next to the missing window.
    assert "only inside a change window" in page.locator("form.schedule-form").inner_text()
    assert page.get_by_test_id("rfc-status").inner_text() == "Approved"


def test_utm_builder_previews_live_and_registers(page, login, users):
    login("requester")
    page.goto("/governance/utm/builder/")
    page.get_by_label("Landing page URL").fill("https://example.com/lp")
    page.get_by_label("utm_source").select_option("linkedin")
    page.get_by_label("utm_medium").select_option("paid_social")
    page.get_by_label("Campaign: fy").fill("fy26")
    page.get_by_label("Campaign: quarter").fill("q3")
    page.get_by_label("Campaign: region").select_option("na")
    page.get_by_label("Campaign: channel").select_option("social")
    page.get_by_label("Campaign: offer").select_option("ebook")
    page.get_by_label("Campaign: name").fill("Launch Guide")
    name = page.get_by_test_id("campaign-name")
    name.wait_for()
    assert name.inner_text() == "fy26q3_na_social_ebook_launch-guide"
    assert "utm_source=linkedin" in page.get_by_test_id("tagged-url").input_value()
    page.get_by_role("button", name="Register campaign and get the link").click()
    page.wait_for_load_state()
    assert "registered" in page.locator(".messages").inner_text()
