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


def new_page(browser, live_server, *, width: int = 1280, height: int = 900, timeout: int = 10_000):  # type: ignore[no-untyped-def]
    """A page in a fresh browser context on the live server (close its `.context` after)."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(timeout)
    page = context.new_page()
    page.base_url = live_server.url
    return page


def fill_log_in(page, username: str, password: str = PASSWORD, click=None) -> None:  # type: ignore[no-untyped-def]
    """Type into the log-in form that `page` shows and submit it (`click(locator)` instead of
    a plain click, for journeys that count clicks); returns once the log-in page is left."""
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    button = page.get_by_role("button", name="Log in")
    click(button) if click else button.click()
    page.wait_for_url(lambda url: "/login/" not in url)


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser context/page; `page.base_url` is the live server's address."""
    settings.ALLOWED_HOSTS = ["*"]
    page = new_page(browser, live_server)
    yield page
    page.context.close()


@pytest.fixture
def login(page):
    """login(username) logs the browser in through the real log-in form."""

    def do(username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        page.context.clear_cookies()
        page.goto("/login/")
        fill_log_in(page, username, password)
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
