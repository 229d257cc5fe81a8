"""Browser tests: the system Chromium (Debian package) driven by Playwright, against a live server.

Never downloads a browser: CHROMIUM_PATH or /usr/bin/chromium is used as executable_path.
"""

import os
import shutil

import pytest

from tests.factories import CONDITIONAL_DEFINITION

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's password
# The service form with a conditional question (audience size only for e-mail), without notes.
CONDITIONAL_FIELDS = CONDITIONAL_DEFINITION[:2]


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package (.ci/run does)."
        )
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser context/page; `page.base_url` is the live server's address."""
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture
def login(page):
    """login(username) logs the browser in through the real log-in form."""

    def do(username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        page.context.clear_cookies()
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return do


@pytest.fixture
def publish_service(users, policy):
    """publish_service(name, slug, **fields) -> an active service on the shared policy
    (tests/conftest.py)."""
    from catalog.services import service_create, service_publish

    def make(name: str, slug: str, **fields):  # type: ignore[no-untyped-def]
        admin = users["admin"]
        fields.setdefault("sla_policy", policy)
        return service_publish(
            service=service_create(actor=admin, name=name, slug=slug, **fields), actor=admin
        )

    return make
