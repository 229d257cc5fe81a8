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
    from tests.browser.conftest import PASSWORD, fill_log_in, new_page

    settings.ALLOWED_HOSTS = ["*"]
    page = new_page(browser, live_server, width=390, height=844, timeout=30_000)
    context = page.context
    page.goto("/login/")
    fill_log_in(page, "leader", PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    page.locator(".nav-toggle-label").click()
    nav.locator("summary", has_text="Insights").click()
    nav.get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/metrics/")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    context.close()
