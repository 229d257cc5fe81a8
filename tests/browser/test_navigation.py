"""The menus by job open from the keyboard and by tap, one at a time, and close on Escape."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_menus_work_from_the_keyboard_alone(page, login, users):
    login("pm")
    page.goto("/requests/review/")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator("[aria-current=page]").count() == 1
    assert nav.locator("[aria-current=page]").text_content() == "Backlog review"
    work = nav.locator("summary", has_text="Work")
    work.focus()
    page.keyboard.press("Enter")
    assert nav.get_by_role("link", name="Requests").is_visible()
    page.keyboard.press("Tab")  # into the open menu
    assert page.evaluate("document.activeElement.textContent") == "Catalog"
    page.keyboard.press("Escape")
    assert not nav.get_by_role("link", name="Requests").is_visible()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # focus comes back
    # One menu at a time: opening Releases closes Work.
    page.keyboard.press("Enter")
    nav.locator("summary", has_text="Releases").click()
    assert nav.get_by_role("link", name="Trains").is_visible()
    assert not nav.get_by_role("link", name="Requests").is_visible()
    nav.get_by_role("link", name="Trains").click()
    page.wait_for_url("**/releases/trains/")
    assert nav.locator("[aria-current=page]").text_content() == "Trains"


def test_phone_menu_opens_by_tap(browser, live_server, settings, users):
    from tests.browser.conftest import PASSWORD

    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Username").fill("leader")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    page.locator(".nav-toggle-label").click()
    nav.locator("summary", has_text="Insights").click()
    nav.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/metrics/")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    context.close()
