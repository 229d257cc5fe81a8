"""At 390 × 844 (a phone) no main page scrolls sideways: wide tables scroll inside their
own wrapper, long codes wrap, and the top bar spans the screen."""

import pytest

from tests.browser.conftest import fill_log_in, new_page

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

# What is wider than the screen, for a failure message a person can act on.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && !el.closest('.table-wrap, .scroll-x')) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(r.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


@pytest.fixture
def demo_site(_demo_warehouse_committed):
    from mops.core import registry

    for _name, load in registry.demo_loaders:
        load()


@pytest.fixture
def _demo_warehouse_committed(transactional_db):
    from governance.health.demo import build_warehouse

    build_warehouse()


def _pages_for(role: str) -> list[str]:
    from governance.enablement.models import OfficeHoursSession
    from governance.models import Dataset, Rfc
    from intake.models import Request
    from mops.accounts.models import User
    from releases.trains.models import Departure, Train

    requests = Request.objects.exclude(status="draft").order_by("-pk")
    if role == "requester":
        requests = requests.filter(team=User.objects.get(username=role).team)
    req = requests.first()
    common = [
        "/",
        "/requests/",
        f"/requests/{req.pk}/",
        "/catalog/",
        "/notifications/",
        "/profile/",
    ]
    if role == "requester":
        return [
            *common,
            "/requests/new/",
            "/catalog/launch-a-campaign/",
            "/governance/utm/builder/",
            "/enablement/office-hours/",
            "/requests/new/evaluate-a-new-tool/",
        ]
    if role == "leader":
        return [*common, "/metrics/", "/metrics/health/", "/metrics/stack/", "/requests/review/",
                "/releases/"]  # fmt: skip
    dep = Departure.objects.order_by("starts_at").last()
    train = Train.objects.order_by("pk").first()
    rfc = Rfc.objects.order_by("pk").first()
    ds = Dataset.objects.order_by("pk").first()
    session = OfficeHoursSession.objects.filter(attendance_marked_at__isnull=False).last()
    return [
        *common,
        "/requests/review/",
        "/releases/",
        "/releases/trains/",
        f"/releases/trains/{train.slug}/",
        f"/releases/departures/{dep.pk}/",
        f"/releases/requests/{req.pk}/qa/",
        f"/releases/requests/{req.pk}/board/",
        "/releases/checklists/",
        "/releases/experiments/",
        "/audit/",
        "/governance/rfcs/",
        f"/governance/rfcs/{rfc.pk}/",
        "/governance/datasets/",
        f"/governance/datasets/{ds.pk}/",
        "/governance/incidents/",
        "/governance/taxonomy/",
        "/metrics/",
        "/metrics/health/",
        "/metrics/stack/",
        "/governance/stack/inventory/",
        "/governance/stack/inventory/coverage/",
        "/catalog/sla/",
        "/enablement/office-hours/",
        f"/enablement/office-hours/sessions/{session.pk}/",
        "/enablement/office-hours/new/",
        "/enablement/courses/new/",
    ]


def _phone_login(browser, live_server, settings, username: str):
    from mops.accounts.demo_logins import PASSWORD

    settings.ALLOWED_HOSTS = ["*"]
    page = new_page(browser, live_server, **PHONE, timeout=15_000)
    page.goto("/login/")
    fill_log_in(page, username, PASSWORD)
    return page.context, page


@pytest.mark.parametrize("username", ["requester", "pm", "leader"])
def test_no_main_page_scrolls_sideways_on_a_phone(
    browser, live_server, settings, demo_site, username
):
    context, page = _phone_login(browser, live_server, settings, username)
    failures = []
    for path in _pages_for(username):
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        result = page.evaluate(OVERFLOW_JS)
        if result["scroll"] > result["width"]:
            failures.append(f"{path}: {result['scroll']} px > {result['width']}: {result['wide']}")
        topbar = page.locator(".topbar").bounding_box()
        assert topbar["width"] >= PHONE["width"] - 1, path
    if username == "requester":
        page.goto("/requests/")
        row = page.locator("#backlog-rows tr").first
        for cell in (row.locator(".badge").first, row.locator("td.expected")):
            box = cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"], box
        assert "Expected of you" in row.locator("td.expected").evaluate(
            "el => getComputedStyle(el, '::before').content"
        )
    context.close()
    assert failures == [], "\n".join(failures)


def test_unbroken_user_text_and_json_stay_within_a_phone(browser, live_server, settings, demo_site):
    """A title, comment or notification of one long word wraps, JSON in a <pre> and a table in
    a fieldset scroll inside their box (the hostile probe widened the home page to 1,110 px
    with a comment of 5,000 x's, the taxonomy docs' JSON to 497 px, the taxonomy editor to
    1,318 px)."""
    from intake.models import Request
    from intake.services import comment_create
    from mops.accounts.models import User
    from mops.notify.models import Notification

    requester = User.objects.get(username="requester")
    req = Request.objects.filter(team=requester.team).exclude(status="draft").order_by("-pk")[0]
    comment_create(request=req, actor=requester, body="x" * 5000)
    note = Notification.objects.create(user=requester, text="y" * 300, url=f"/requests/{req.pk}/")
    pages = {
        "requester": ["/", "/notifications/", f"/notifications/{note.pk}/",
                      f"/requests/{req.pk}/", "/enablement/docs/taxonomy/"],
        "admin": ["/governance/taxonomy/"],  # the editor's rule tables sit in fieldsets
    }  # fmt: skip
    failures = []
    for username, paths in pages.items():
        context, page = _phone_login(browser, live_server, settings, username)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (path, response.status)
            result = page.evaluate(OVERFLOW_JS)
            if result["scroll"] > result["width"]:
                failures.append(
                    f"{path}: {result['scroll']} px > {result['width']}: {result['wide']}"
                )
        context.close()
    assert failures == [], "\n".join(failures)
