"""Catalog in Chromium: an admin builds a service with a conditional field in the editor,
previews and publishes it; a requester finds it in the catalog and sees what it needs and
how long it takes. The browser's condition evaluator agrees with the server's."""

import random

import pytest
from playwright.sync_api import expect

from catalog import demo, inputdef
from catalog.models import Service
from catalog.services import calendar_create, sla_policy_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def policy(users):
    calendar = calendar_create(
        actor=users["admin"],
        name="US business hours",
        slug="us",
        time_zone="America/New_York",
        working_hours=demo.MON_FRI_9_17,
        holiday_regions=["US"],
    )
    return sla_policy_create(
        actor=users["admin"],
        name="Standard",
        slug="standard",
        calendar=calendar,
        delivery_hours_simple=16,
        delivery_hours_standard=40,
        delivery_hours_complex=120,
    )


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_admin_builds_a_conditional_service_and_a_requester_finds_it(
    page, login, users, policy, console_errors
):
    login("admin")
    page.goto("/catalog/services/new/")
    page.get_by_label("Name *", exact=True).fill("Webinar promo")
    page.get_by_label("Description").fill("Promote a webinar to the right audience.")
    page.get_by_label("E-mail").check()
    page.get_by_label("Webinar").check()
    page.get_by_label("Default complexity").select_option("simple")

    cards = page.locator("[data-def-card]:visible")
    page.get_by_role("button", name="+ Add field").click()
    first = cards.nth(0)
    assert first.get_by_label("Key *", exact=True).evaluate("el => el === document.activeElement")
    first.get_by_label("Key *", exact=True).fill("format")
    first.get_by_label("Label *", exact=True).fill("Format")
    first.get_by_label("Type *", exact=True).select_option("choice")
    first.get_by_label("Choices").fill("Live\nOn demand")
    first.get_by_label("Required").check()

    page.get_by_role("button", name="+ Add field").click()
    second = cards.nth(1)
    second.get_by_label("Key *", exact=True).fill("live_date")
    second.get_by_label("Label *", exact=True).fill("Live date")
    second.get_by_label("Type *", exact=True).select_option("date")
    expect(second.locator("[data-def-choices]")).to_be_hidden()  # only choice types ask for choices
    second.get_by_label("Required").check()
    second.get_by_text("Condition (optional)").click()  # folded while it has none
    second.get_by_label("Condition 1: field").select_option("format")  # a pick-list
    second.get_by_label("Condition 1: operator").select_option("eq")
    second.get_by_label("Condition 1: value").fill("Live")

    # a third field, moved up above the conditional one with the keyboard
    page.get_by_role("button", name="+ Add field").click()
    third = cards.nth(2)
    third.get_by_label("Key *", exact=True).fill("audience")
    third.get_by_label("Label *", exact=True).fill("Audience")
    up = third.get_by_role("button", name="Move this field up")
    up.focus()
    page.keyboard.press("Enter")
    assert cards.nth(1).get_by_label("Key *", exact=True).input_value() == "audience"
    assert page.locator("#def-status").inner_text().startswith("Moved to position 2")
    # and a fourth, removed again
    page.get_by_role("button", name="+ Add field").click()
    cards.nth(3).get_by_label("Key *", exact=True).fill("scrap")
    cards.nth(3).get_by_label("Label *", exact=True).fill("Scrap")
    cards.nth(3).get_by_role("button", name="Remove this field").click()
    assert cards.count() == 3

    # live preview: the date appears only once "Live" is chosen
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    preview.get_by_label("Format").wait_for()
    expect(preview.get_by_label("Live date")).to_be_hidden()
    assert preview.get_by_text("Scrap").count() == 0
    preview.get_by_label("Format").select_option("Live")
    expect(preview.get_by_label("Live date")).to_be_visible()
    preview.get_by_label("Format").select_option("On demand")
    expect(preview.get_by_label("Live date")).to_be_hidden()

    page.get_by_role("button", name="Save and publish").click()
    page.wait_for_url("**/catalog/webinar-promo/")
    assert "published" in page.locator(".messages").inner_text()
    service = Service.objects.get(slug="webinar-promo")
    assert service.status == "active"
    assert [f["key"] for f in service.input_definition] == ["format", "audience", "live_date"]
    assert service.input_definition[2]["condition"] == {
        "field": "format",
        "op": "eq",
        "value": "Live",
    }

    login("requester")
    page.goto("/catalog/")
    page.get_by_role("searchbox").fill("webinar")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Webinar promo").click()
    page.wait_for_url("**/catalog/webinar-promo/")
    assert page.get_by_role("heading", name="Webinar promo").is_visible()
    assert page.get_by_text("simple: 2 business days").is_visible()
    needs = page.locator("table.definition")
    assert needs.get_by_text("Live date").is_visible()
    assert needs.get_by_text("only when Format is Live").is_visible()
    form = page.locator("[data-answers-form]")
    assert form.get_by_label("Live date").is_hidden()
    form.get_by_label("Format").select_option("Live")
    expect(form.get_by_label("Live date")).to_be_visible()
    assert page.get_by_role("link", name="Edit").count() == 0
    assert console_errors == []  # no CSP violations, no script errors


def test_drafts_stay_hidden_from_requesters(page, login, users, policy):
    from catalog.services import service_create

    service_create(
        actor=users["pm"],
        name="Draft thing",
        slug="draft-thing",
        sla_policy=policy,
        input_definition=[{"key": "a", "label": "A", "type": "text"}],
    )
    login("requester")
    page.goto("/catalog/")
    assert page.get_by_text("Draft thing").count() == 0
    login("pm")
    page.goto("/catalog/?status=draft")
    assert page.get_by_role("link", name="Draft thing").is_visible()


KEYS = ["a", "b", "c"]
VALUES = ["", "x", "y", "1", "1.0", 2, None, ["x"], ["x", "y"], []]


def _random_condition(rng: random.Random, depth: int = 0) -> dict:
    if depth < 3 and rng.random() < 0.35:
        group = rng.choice(["all", "any", "not"])
        if group == "not":
            return {"not": _random_condition(rng, depth + 1)}
        return {group: [_random_condition(rng, depth + 1) for _ in range(rng.randint(1, 3))]}
    op = rng.choice(list(inputdef.OPS))
    leaf: dict = {"field": rng.choice(KEYS), "op": op}
    if op in ("eq", "neq"):
        leaf["value"] = rng.choice(["x", "y", "1", 1, 2])
    elif op in ("in", "not_in"):
        leaf["value"] = rng.sample(["x", "y", "1", 2], rng.randint(1, 3))
    return leaf


def test_browser_and_server_evaluate_conditions_alike(page, login, users, policy):
    rng = random.Random(20250301)
    cases = []
    for _ in range(400):
        answers = {k: rng.choice(VALUES) for k in KEYS if rng.random() < 0.8}
        cases.append([_random_condition(rng), answers])
    login("requester")
    page.goto("/catalog/")
    page.add_script_tag(url="/static/catalog/conditions.js")
    browser = page.evaluate(
        "cases => cases.map(c => window.mopsConditions.evaluate(c[0], c[1]))", cases
    )
    server = [inputdef.evaluate(condition, answers) for condition, answers in cases]
    mismatches = [c for c, b, s in zip(cases, browser, server, strict=True) if b != s]
    assert mismatches == []
    assert 50 < sum(server) < 350  # the sample exercises both outcomes
