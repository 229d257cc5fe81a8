"""The request's whole journey, walked by its users in Chromium by clicking only.

After the log-in page (the one `page.goto`), every step is a click on what the page shows:
the requester submits a conditional form with an attachment at the first try and answers
"needs info"; the PM filters the backlog (status Any, then a status), sorts by a column,
saves, renames and deletes a view, bulk-accepts and assigns; the engineer completes the QA
checklist, boards the next eligible departure from the request page and marks the work live
once the departure has left; leadership reads a non-empty dashboard, drills down and
exports. Every service of the demo catalog reaches live: half of them on a desktop, the
other half on a phone (390 × 844), where no page visited may scroll sideways.

What only time or a worker does is done the way the app does it: queued pre-flight checks
run by `preflight_sweep` (the worker's sweep) and departures leave by `departures_advance`
(the beat task) at their start time.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.browser.conftest import fill_log_in

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Split so each demo service reaches live once (the phone walks the same steps).
DESKTOP_SERVICES = [
    "Launch a campaign",
    "Add a field",
    "Build a landing page",
    "Update lead scoring",
]
PHONE_SERVICES = ["Build a nurture", "Create a segment", "Create a UTM set", "Evaluate a new tool"]

# A good e-mail for the HTML check (https links, preheader, alt text, unsubscribe) and a page
# whose links resolve on the test server and carry the taxonomy's UTM parameters.
GOOD_EMAIL = """<html><body><div class="preheader" style="display:none">Spring offer</div>
<img src="https://example.com/logo.png" alt="Spring offer">
<p>Hello {{{{first_name}}}}, our spring offer is here.</p>
<a href="https://example.com/spring?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}">Read</a>
<a href="https://example.com/unsubscribe">Unsubscribe</a>
</body></html>"""
GOOD_LINKS = """<a href="{base}/login/?utm_source=newsletter&utm_medium=email&utm_campaign={campaign}">Read</a>"""

OVERFLOW_JS = (
    "() => ({scroll: document.documentElement.scrollWidth, width: window.innerWidth,"
    " path: location.pathname + location.search})"
)


@pytest.fixture
def demo_site(transactional_db, settings):  # type: ignore[no-untyped-def]
    from governance.health.demo import build_warehouse
    from mops.core import registry

    build_warehouse()
    for _name, load in registry.demo_loaders:
        load()
    settings.ALLOWED_HOSTS = ["*"]
    # the link checker may reach the test server (it refuses loopback otherwise)
    settings.MOPS_OUTBOUND_ALLOWLIST = ["127.0.0.1", "localhost"]


class Walk:
    """One browser tab walked by clicks; on a phone, every page that loads is measured."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(base_url=base, viewport=viewport)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.base = base
        self.phone = viewport["width"] < 600
        self.visited: list[dict[str, Any]] = []
        self.gotos = 0
        self.page.on("load", self._measure)

    def _measure(self, page: Any) -> None:
        try:
            self.visited.append(page.evaluate(OVERFLOW_JS))
        except Exception:  # the page was closed or navigated away meanwhile
            return

    # -- the one address typed --------------------------------------------------------------
    def log_in(self, username: str) -> None:
        from mops.accounts.demo_logins import PASSWORD

        page = self.page
        if self.gotos == 0:
            self.gotos += 1
            page.goto("/login/")
        else:  # log out by the button; the log-in page follows
            page.get_by_role("button", name="Log out").click()
            page.wait_for_load_state()
            if page.get_by_label("Username").count() == 0:
                page.get_by_role("link", name=re.compile("log in", re.I)).first.click()
        fill_log_in(page, username, PASSWORD)

    # -- navigation --------------------------------------------------------------------------
    def menu(self, group: str, item: str) -> None:
        """Open a menu group of the top bar (behind "Menu" on a phone) and follow an item."""
        page = self.page
        if self.phone:
            toggle = page.locator("label.nav-toggle-label")
            if toggle.is_visible():
                toggle.click()
        nav = page.get_by_role("navigation", name="Main")
        if group:
            nav.locator("summary", has_text=group).first.click()
        nav.get_by_role("link", name=re.compile(rf"^{re.escape(item)}\b")).first.click()
        page.wait_for_load_state()

    def click(self, locator: Any) -> None:
        locator.click()
        self.page.wait_for_load_state()

    def click_confirmed(self, locator: Any) -> str:
        """Click a destructive button, accept the confirmation it asks; its message."""
        said: list[str] = []

        def accept(dialog: Any) -> None:
            said.append(dialog.message)
            dialog.accept()

        self.page.once("dialog", accept)
        self.click(locator)
        return said[0] if said else ""

    def open_request(self, reference: str) -> None:
        """From anywhere: Work → Requests, search the reference, open it."""
        self.menu("Work", "Requests")
        page = self.page
        page.locator("form.filters input[name='q']").fill(reference)
        page.locator("form.filters select[name='scope']").select_option(label="All")
        self.click(page.get_by_role("button", name="Filter"))
        self.click(page.locator("#backlog-rows a", has_text=reference).first)

    def status(self) -> str:
        return self.page.locator("#request-status").inner_text().strip()

    def assert_no_sideways_scroll(self) -> None:
        if not self.phone:
            return
        wide = [v for v in self.visited if v["scroll"] > v["width"]]
        assert len(self.visited) >= 10
        assert wide == [], "pages scrolling sideways at 390 px: " + ", ".join(
            f"{v['path']} ({v['scroll']} px)" for v in wide
        )


# --- the requester ------------------------------------------------------------------------


def _fill_answers(page: Any, campaign: str) -> None:
    """Valid answers for every visible question of the service's form (twice: answers
    reveal conditional questions)."""
    later = (timezone.localdate() + timedelta(days=45)).isoformat()
    for _ in range(2):
        fields = page.locator("form [name^='a-'], form [aria-required='true'][name]")
        for field in fields.all():
            if not field.is_visible():
                continue
            kind = field.get_attribute("type") or field.evaluate("el => el.tagName.toLowerCase()")
            name = field.get_attribute("name") or ""
            if kind == "checkbox":
                group = page.locator(f"[name='{name}']")
                if not any(box.is_checked() for box in group.all()):
                    group.first.check()
            elif kind == "select":
                if not field.input_value():
                    field.select_option(index=1)
            elif field.input_value():
                continue
            elif kind == "number":
                field.fill(field.get_attribute("min") or "1000")
                if field.get_attribute("min") in (None, "0"):
                    field.fill("1000")
            elif kind == "date":
                field.fill(later)
            elif kind == "url":
                field.fill("https://example.com/brief")
            elif kind == "file":
                continue
            elif "campaign" in name:
                field.fill(campaign)
            elif any(word in name for word in ("signoff", "approvers", "email")):
                field.fill("sales.lead@example.com")
            else:
                field.fill("Journey answer for " + name.removeprefix("a-").replace("_", " "))


def submit_request(walk: Walk, service: str, campaign: str, tmp_path: Any) -> str:
    """Home → New request → service → the form, filled once and submitted; the reference."""
    page = walk.page
    walk.menu("", "Home")
    walk.click(page.get_by_role("link", name="New request").first)
    walk.click(page.get_by_role("link", name=service).first)
    page.wait_for_load_state("load")  # conditions.js (deferred) has run
    if service == "Launch a campaign":  # the conditional question shows only for e-mail
        volume = page.locator("[name='a-send_volume']")
        assert not volume.is_visible()
        page.get_by_label("E-mail", exact=True).check()
        volume.wait_for(state="visible")
    page.get_by_label("Title", exact=True).fill(f"Journey: {service}")
    for label in ("Brief", "Audience", "Creative", "Offer"):
        box = page.get_by_label(label, exact=True)
        if box.count() and box.first.is_visible() and not box.first.input_value():
            box.first.fill(f"{label} for the {service.lower()} journey.")
    _fill_answers(page, campaign)
    for name, value in (("utm_source", "newsletter"), ("utm_medium", "email"),
                        ("utm_campaign", campaign)):  # fmt: skip
        box = page.locator(f"[name='{name}']")
        if not (box.count() and box.is_visible()):
            continue
        if box.evaluate("el => el.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    for name in ("score_impact", "score_effort", "score_risk"):
        select = page.locator(f"select[name='{name}']")
        if select.count():
            select.select_option(index=2)
    brief = tmp_path / "brief.txt"
    brief.write_text("Who, what and when for this journey.\n")
    page.locator("input[type=file][name='attachments']").set_input_files(str(brief))
    walk.click(page.get_by_role("button", name="Submit request"))
    problems = page.locator(".form-errors, .errorlist, .error-summary").all_inner_texts()
    assert page.locator("#request-status").count() == 1, (service, page.url, problems)
    assert walk.status() == "Submitted"
    assert page.get_by_role("link", name="brief.txt").count() == 1
    return re.search(r"REQ-\d+", page.locator("h1").inner_text()).group(0)


def answer_needs_info(walk: Walk, reference: str) -> None:
    page = walk.page
    walk.open_request(reference)
    assert walk.status() == "Needs info"
    walk.click(page.get_by_role("link", name="Answer"))
    page.get_by_label("Brief").first.fill("The EMEA customer list, all of it.")
    walk.click(page.get_by_role("button", name=re.compile("submit|resubmit|answer", re.I)).last)
    assert walk.status() == "Submitted"
    assert (
        "resubmitted"
        in page.locator(".messages, [role=status], .message").first.inner_text().lower()
    )


# --- the PM -------------------------------------------------------------------------------


def pm_backlog(walk: Walk) -> None:
    """Filter with status Any, then a status; sort by a column; save, rename, delete a view."""
    page = walk.page
    walk.menu("Work", "Requests")
    status = page.locator("form.filters select[name='status']")
    status.select_option(label="Any")
    walk.click(page.get_by_role("button", name="Filter"))
    assert "Select a valid choice" not in page.content()
    assert page.locator("#backlog-rows tr[data-href]").count() > 0
    status.select_option(label="Submitted")
    walk.click(page.get_by_role("button", name="Filter"))
    badges = page.locator("#backlog-rows .badge.submitted")
    assert badges.count() > 0
    assert badges.count() == page.locator("#backlog-rows tr[data-href]").count()
    walk.click(page.locator("thead a.sort", has_text="Age"))
    assert page.locator("thead th[aria-sort]").count() == 1
    page.locator("details.save-view summary").click()
    page.locator("details.save-view").get_by_label("Name").fill("Waiting for triage")
    walk.click(page.locator("details.save-view").get_by_role("button", name="Save"))
    assert page.locator(".saved-views").get_by_role("link", name="Waiting for triage").count() == 1
    page.locator("details.manage-views summary").click()
    page.get_by_label("New name for Waiting for triage").fill("Triage queue")
    walk.click(page.locator("details.manage-views").get_by_role("button", name="Rename"))
    assert page.locator(".saved-views").get_by_role("link", name="Triage queue").count() == 1
    page.locator("details.manage-views summary").click()
    said = walk.click_confirmed(
        page.locator("details.manage-views").get_by_role("button", name="Delete")
    )
    assert "deletes the saved view" in said
    assert page.get_by_role("link", name="Triage queue").count() == 0


def pm_ask_for_info(walk: Walk, reference: str) -> None:
    page = walk.page
    walk.open_request(reference)
    page.get_by_label("Note").fill("Which list exactly?")
    walk.click(page.get_by_role("button", name="Ask for info"))
    assert walk.status() == "Needs info"


def pm_bulk(walk: Walk, references: list[str], action: str, assignee: str = "") -> None:
    page = walk.page
    walk.menu("Work", "Requests")
    page.locator("form.filters input[name='q']").fill("Journey:")
    walk.click(page.get_by_role("button", name="Filter"))
    for reference in references:
        page.get_by_label(f"Select {reference}").check()
    page.get_by_label("Bulk action", exact=True).select_option(action)
    if assignee:
        page.locator("#bulk-form select[name='assignee']").select_option(label=assignee)
    walk.click(page.locator("#bulk-form").get_by_role("button", name="Apply"))


# --- the engineer -------------------------------------------------------------------------


def complete_checklist(walk: Walk, campaign: str) -> None:
    """On the QA page: every manual item recorded as passed with its evidence, every
    automated check run on a good asset (the worker's sweep runs them)."""
    from releases.qa.services import preflight_sweep

    page = walk.page
    for _ in range(40):
        rows = page.locator("tr[id^='item-']").filter(has=page.locator(".badge.pending"))
        run = rows.filter(has=page.get_by_role("button", name="Run check")).filter(
            has_not=page.locator(".badge.queued")
        )
        manual = rows.filter(has=page.get_by_role("button", name="Record"))
        if manual.count():
            row = manual.first
            for evidence in row.locator("input[name^='evidence_']").all():
                kind = evidence.get_attribute("type")
                if kind == "url":
                    evidence.fill("https://example.com/evidence")
                elif kind == "file":
                    evidence.set_input_files(
                        files=[{"name": "proof.txt", "mimeType": "text/plain", "buffer": b"ok\n"}]
                    )
                else:
                    evidence.fill("Checked on the staging copy.")
            walk.click(row.get_by_role("button", name="Record"))
        elif run.count() and run.first.locator("textarea[name='html']").count():
            row = run.first
            email = "E-mail HTML" in row.inner_text()
            asset = GOOD_EMAIL if email else GOOD_LINKS
            row.locator("textarea[name='html']").fill(
                asset.format(base=walk.base, campaign=campaign)
            )
            walk.click(row.get_by_role("button", name="Run check"))
        else:
            break
    preflight_sweep(older_than=timedelta(0))  # what the worker does with queued checks
    _follow_queued(page)
    assert page.locator("tr[id^='item-'] .badge.pending").count() == 0
    assert page.locator("tr[id^='item-'] .badge.failed").count() == 0


def _follow_queued(page: Any) -> None:
    """A QA page that polls (htmx) follows queued checks to their end by itself; one
    that does not is reloaded, as a person would."""
    queued = page.locator("tr[id^='item-'] .badge.queued")
    if not queued.count():
        return
    if page.locator("[hx-trigger*='every']").count():
        queued.first.wait_for(state="detached", timeout=15_000)
    else:
        page.reload()


def engineer_to_live(walk: Walk, reference: str, campaign: str) -> None:
    from intake.models import Request
    from releases.boarding.models import Boarding
    from releases.trains.models import Departure
    from releases.trains.services import departures_advance

    page = walk.page
    walk.open_request(reference)
    walk.click(page.get_by_role("button", name="Start work"))
    walk.click(page.get_by_role("button", name="Send to QA"))
    assert walk.status() == "In QA"
    # the request page says what is next: the checklist, with its progress
    step = page.locator("[data-step='checklist']")
    assert re.search(r"0 of \d+ items", step.inner_text())
    walk.click(step.get_by_role("link", name="Open the QA checklist"))
    complete_checklist(walk, campaign)
    walk.open_request(reference)
    assert "passed" in page.locator("[data-step='checklist']").inner_text()
    # ... then "Board on a train" with the next eligible departures: board the first
    step = page.locator("[data-step='board']")
    assert "Next eligible departures" in step.inner_text(), step.inner_text()
    walk.click(step.get_by_role("link", name="Board on a train"))
    walk.click(page.locator("[data-eligible-row]").first.get_by_role("button", name="Board"))
    # on the departure's manifest now; its row links back to the request
    manifest_row = page.locator("tr", has=page.get_by_role("link", name=re.compile(reference)))
    walk.click(manifest_row.get_by_role("link", name=re.compile(reference)).first)
    assert walk.status() == "Scheduled"
    request = Request.objects.get(pk=int(reference.split("-")[1]))
    boarding = Boarding.objects.select_related("departure").get(request=request, status="boarded")
    # The clock reaches the departure's start (moved to five minutes ago, as
    # tests/releases/workitems.py does) and the beat task marks it departed.
    Departure.objects.filter(pk=boarding.departure_id).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    departures_advance()
    page.reload()  # the request page, a moment later
    walk.click(
        page.locator("[data-step='departure']").get_by_role("link", name="Open the departure")
    )
    walk.click(manifest_row.get_by_role("button", name="Mark live"))
    walk.click(manifest_row.get_by_role("link", name=re.compile(reference)).first)
    assert walk.status() == "Live"


# --- leadership ---------------------------------------------------------------------------


def leadership(walk: Walk) -> None:
    page = walk.page
    walk.menu("Insights", "Dashboard")
    tiles = page.locator("[data-metric]")
    assert tiles.count() == 6
    assert page.locator("[data-metric] .figure", has_text="no data").count() == 0
    walk.click(page.locator("[data-metric='ttc'] .figure a"))
    assert page.locator("table tbody tr").count() > 0  # the requests behind the number
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("CSV", re.I)).first.click()
    assert download.value.suggested_filename.endswith(".csv")


# --- the journeys ---------------------------------------------------------------------------


def _journey(browser: Any, live_server: Any, tmp_path: Any, viewport: dict, services: list[str]):
    from intake.services import campaign_name_example

    campaign = campaign_name_example()
    walk = Walk(browser, live_server.url, viewport)
    walk.log_in("requester")
    refs = {s: submit_request(walk, s, campaign, tmp_path) for s in services}
    first, *others = [refs[s] for s in services]

    walk.log_in("pm")
    pm_backlog(walk)
    pm_ask_for_info(walk, first)

    walk.log_in("requester")
    answer_needs_info(walk, first)

    walk.log_in("pm")
    pm_bulk(walk, [first, *others], "accept")
    pm_bulk(walk, [first, *others], "assign", assignee="Eli Engineer")

    walk.log_in("engineer")
    for service in services:
        engineer_to_live(walk, refs[service], campaign)

    walk.log_in("leader")
    leadership(walk)
    assert walk.gotos == 1
    walk.assert_no_sideways_scroll()
    walk.context.close()


def test_desktop_journey_every_role_by_clicking(browser, live_server, demo_site, tmp_path):
    from catalog.models import Service, ServiceStatus

    # between them, the two journeys take every service of the demo catalog to live
    active = Service.objects.filter(status=ServiceStatus.ACTIVE).values_list("name", flat=True)
    assert set(active) == set(DESKTOP_SERVICES) | set(PHONE_SERVICES)
    _journey(browser, live_server, tmp_path, DESKTOP, DESKTOP_SERVICES)


def test_phone_journey_no_page_scrolls_sideways(browser, live_server, demo_site, tmp_path):
    _journey(browser, live_server, tmp_path, PHONE, PHONE_SERVICES)
