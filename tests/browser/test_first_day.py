"""A team's first day, from an EMPTY database, through the pages only (no Django admin):
the documented first-admin command, then teams, people invited and imported with roles,
a London calendar with lunch, English holidays and a shutdown, a service from a starter,
a checklist, a train; then a requester submits and a PM triages. Prints the click count.
docs/setup.md describes the same path."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Calendar, Service
from intake.models import Request
from mops.accounts.models import User
from mops.notify.models import OutboxMessage
from releases.qa.models import ChecklistTemplate
from releases.trains.models import Departure, DepartureStatus, Train
from tests.browser.conftest import fill_log_in

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN_PASSWORD = "Lead-pass-for-day-one"
PEOPLE_CSV = (
    "email,first_name,last_name,role,team\n"
    "ann@example.com,Ann,Archer,Requester,Demand Gen\n"
    "eve@example.com,Eve,Engel,MOPS Engineer,Marketing Ops\n"
    "abe@example.com,Abe,Adler,Approver,Marketing Ops\n"
    "amy@example.com,Amy,Arndt,Approver,Demand Gen\n"
)
LUNCH_DAY = "09:00-12:30, 13:30-17:30"


class Clicks:
    """Counts what a person clicks (buttons, links, ticks, pick-lists, menu visits)."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.count = 0

    def click(self, locator) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        locator.click()

    def check(self, locator) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        locator.check()

    def select(self, locator, value: str) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        locator.select_option(value)

    def visit(self, path: str) -> None:
        """A menu entry or a bookmark: one click."""
        self.count += 1
        self.page.goto(path)


def _invite_path(email: str) -> str:
    body = OutboxMessage.objects.get(target=email, subject__icontains="invited").body
    return re.search(r"https?://[^/\s]+(/invite/\S+/)", body).group(1)


def _accept_invite(page, clicks: Clicks, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(_invite_path(email))  # the link in the e-mail
    page.locator("#id_new_password1").fill(password)
    page.locator("#id_new_password2").fill(password)
    clicks.click(page.get_by_role("button", name="Set password"))
    page.wait_for_url("**/login/")


def _log_in(page, clicks: Clicks, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/login/")
    fill_log_in(page, username, password, click=clicks.click)


def _guide_step(page, clicks: Clicks, title: str) -> None:  # type: ignore[no-untyped-def]
    clicks.visit("/setup/")
    clicks.click(page.get_by_test_id("setup-steps").get_by_role("link", name=re.compile(title)))


def test_a_team_sets_up_from_an_empty_database_through_the_pages(page, live_server):
    assert not User.objects.exists() and not Service.objects.exists()
    call_command("create_admin", "lead", email="lead@example.com", password=ADMIN_PASSWORD)
    clicks = Clicks(page)

    # The admin logs in; the home page leads to the set-up guide, nothing is done yet.
    _log_in(page, clicks, "lead", ADMIN_PASSWORD)
    clicks.click(page.get_by_role("link", name="Set-up guide").first)
    page.wait_for_url("**/setup/")
    assert page.locator('[data-done="no"]').count() >= 5

    # Teams and people: two teams, a PM invited by hand, four people imported from CSV.
    _guide_step(page, clicks, "Teams and people")
    clicks.click(page.get_by_role("link", name="Teams").first)
    for name in ("Demand Gen", "Marketing Ops"):
        page.get_by_label("Team name").fill(name)
        clicks.click(page.get_by_role("button", name="Create team"))
        page.wait_for_url("**/teams/*/")
        clicks.click(page.get_by_role("link", name="← Teams"))
    clicks.click(page.get_by_role("link", name="← People"))
    page.get_by_label("E-mail").fill("pam@example.com")
    page.get_by_label("First name").fill("Pam")
    clicks.check(page.get_by_label("MOPS PM"))
    clicks.select(page.get_by_label("Team"), label_value(page, "Team", "Marketing Ops"))
    clicks.click(page.get_by_role("button", name="Send invitation"))
    page.wait_for_url("**/people/")
    clicks.click(page.get_by_role("link", name="Import people from CSV"))
    page.get_by_label("…or paste CSV").fill(PEOPLE_CSV)
    clicks.click(page.get_by_role("button", name="Preview"))
    assert page.get_by_test_id("import-preview").get_by_text("invite").count() == 4
    clicks.click(page.get_by_role("button", name=re.compile(r"Import 4 lines")))
    page.wait_for_url("**/people/")
    people = page.get_by_test_id("people").inner_text()
    for text in ("Pam", "MOPS PM", "Ann", "Requester", "Approver", "invited"):
        assert text in people

    # A London calendar: lunch break, English bank holidays, a company shutdown.
    _guide_step(page, clicks, "Business calendar")
    page.locator("#id_name").fill("London")
    clicks.select(page.get_by_label("Time zone"), "Europe/London")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        page.get_by_label(day).fill(LUNCH_DAY)
    shutdown_start = date(timezone.localdate().year, 12, 24)
    shutdown = [shutdown_start + timedelta(days=n) for n in range(9)]  # 24 Dec to 1 Jan
    # Holidays from the library's lists: United Kingdom, region England.
    clicks.select(page.locator('[name="holiday_country"]'), "GB")
    expect(page.locator('[name="holiday_subdivision"] option[value="ENG"]')).to_have_count(1)
    clicks.select(page.locator('[name="holiday_subdivision"]'), "ENG")
    closed_days = f"{shutdown[0].isoformat()} to {shutdown[-1].isoformat()} Company shutdown"
    page.get_by_label("Company closed days").fill(closed_days)
    clicks.click(page.get_by_role("button", name="Save"))
    page.wait_for_url("**/sla/calendars/london/")
    london = Calendar.objects.get(slug="london")
    assert london.time_zone == "Europe/London"
    assert str(london.hours_per_day) in ("7.5", "7.50")
    closed = london.closed_dates([shutdown_start.year, shutdown_start.year + 1])
    assert all(d in closed for d in shutdown)
    august_31 = date(shutdown_start.year, 8, 31)
    late_summer = august_31 - timedelta(days=august_31.weekday())  # England only
    assert late_summer in london.holiday_dates([shutdown_start.year])

    # A first service from the starter set.
    _guide_step(page, clicks, "First service")
    clicks.click(page.get_by_role("button", name="Install Add a field"))
    page.wait_for_url("**/catalog/starters/")
    assert Service.objects.get(slug="add-a-field").sla_policy.calendar == london

    # A QA checklist for schema changes.
    _guide_step(page, clicks, "QA checklist")
    page.get_by_label("Name").fill("Schema change pre-flight")
    clicks.select(page.get_by_label("Change type"), "schema_change")
    page.get_by_label("Items").fill(
        "Field created in sandbox\nSync mapping tested | required | note"
    )
    clicks.click(page.get_by_role("button", name=re.compile("Create|Save")))
    page.wait_for_url("**/releases/checklists/*/")
    assert ChecklistTemplate.objects.get().slug == "schema-change-pre-flight"

    # A release train on the London calendar (its shutdown departures are closed).
    _guide_step(page, clicks, "Release train")
    page.get_by_label("Name").fill("CRM train")
    clicks.check(page.get_by_label("CRM"))
    clicks.select(page.get_by_label("Time zone"), "Europe/London")
    page.get_by_label("Recurrence (RRULE)").fill("FREQ=DAILY")
    page.get_by_label("First date").fill(timezone.localdate().isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Horizon days").fill("366")
    clicks.select(
        page.get_by_label("Business calendar"), label_value(page, "Business calendar", "London")
    )
    clicks.click(page.get_by_role("button", name="Save"))
    page.wait_for_url("**/releases/trains/crm-train/")
    train = Train.objects.get(slug="crm-train")
    in_shutdown = Departure.objects.filter(train=train, starts_at__date__in=shutdown[5:7])
    assert in_shutdown.exists()
    assert all(d.status == DepartureStatus.CANCELLED for d in in_shutdown)

    # The campaign taxonomy: the built-in default, saved as the team's first version.
    _guide_step(page, clicks, "Campaign taxonomy")
    page.get_by_label("Note").fill("Our first taxonomy")
    clicks.click(page.get_by_role("button", name="Save as a new version"))
    page.wait_for_url("**/governance/taxonomy/")
    assert "Version 1" in page.content()

    clicks.visit("/setup/")
    done = page.get_by_test_id("setup-steps").locator('[data-done="yes"]').all_inner_texts()
    for title in (
        "Campaign taxonomy",
        "Business calendar",
        "Teams and people",
        "First service",
        "QA checklist",
        "Release train",
    ):
        assert any(title in text for text in done), title
    admin_clicks = clicks.count

    # The requester accepts the invitation and asks for a field.
    _accept_invite(page, clicks, "ann@example.com", "Ann-pass-for-day-one")
    _log_in(page, clicks, "ann@example.com", "Ann-pass-for-day-one")
    clicks.visit("/catalog/")
    clicks.click(page.get_by_role("link", name="Add a field"))
    clicks.click(page.get_by_role("link", name=re.compile("Request"), exact=False).first)
    page.wait_for_load_state("load")
    page.get_by_label("Title").fill("Lead source detail")
    page.get_by_label("Brief").fill("A picklist for the detailed lead source.")
    page.get_by_label("Audience", exact=True).fill("Sales ops")
    page.get_by_label("Desired live date").fill(
        (timezone.localdate() + timedelta(days=30)).isoformat()
    )
    page.locator('[name="a-field_label"]').fill("Lead source detail")
    clicks.select(page.locator('[name="a-object"]'), "Lead")
    clicks.select(page.locator('[name="a-data_type"]'), "Text")
    clicks.select(page.locator('[name="a-sync_to_crm"]'), "Yes")
    page.locator('[name="a-reason"]').fill("Attribution needs it.")
    for factor in ("Business impact", "Effort", "Risk"):
        clicks.select(page.get_by_label(factor), "3")
    clicks.click(page.get_by_role("button", name="Submit request"))
    page.wait_for_url("**/requests/*/")
    assert page.locator("#request-status").inner_text() == "Submitted"
    request = Request.objects.get()

    # The PM accepts the invitation and triages it from the backlog.
    _accept_invite(page, clicks, "pam@example.com", "Pam-pass-for-day-one")
    _log_in(page, clicks, "pam@example.com", "Pam-pass-for-day-one")
    clicks.visit("/requests/")
    clicks.click(page.locator("tr", has_text="Lead source detail").get_by_role("link").first)
    clicks.click(page.get_by_role("button", name="Accept"))
    page.wait_for_load_state()
    assert page.locator("#request-status").inner_text() == "Accepted"
    request.refresh_from_db()
    assert request.status == "accepted"

    print(
        f"\nFIRST DAY: {clicks.count} clicks from an empty database to a triaged request "
        f"({admin_clicks} by the admin setting up, {clicks.count - admin_clicks} by the "
        "requester and the PM, invitations included)."
    )


def label_value(page, label: str, text: str) -> str:  # type: ignore[no-untyped-def]
    """The option value of `text` in the select labelled `label`."""
    select = page.get_by_label(label, exact=True)
    return select.locator("option", has_text=text).first.get_attribute("value")
