"""Each role logs in through the real form in Chromium and lands on its home page."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "username,role_label",
    [
        ("requester", "Requester"),
        ("pm", "MOPS PM"),
        ("engineer", "MOPS Engineer"),
        ("approver", "Approver"),
        ("leader", "Leadership"),
        ("admin", "Admin"),
    ],
)
def test_each_role_logs_in_and_sees_its_home(page, login, users, username, role_label):
    login(username)
    assert page.url.rstrip("/") == page.base_url.rstrip("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    assert role_label in page.locator(".lede").inner_text()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Home").is_visible()
    if username == "admin":
        nav.get_by_text("Admin", exact=True).click()  # the Admin menu opens on a click
        assert nav.get_by_role("link", name="Dead letters").is_visible()
    else:
        assert nav.get_by_role("link", name="Dead letters").count() == 0


def test_wrong_password_keeps_you_on_the_login_page_with_an_error(page, users):
    page.goto("/login/")
    page.get_by_label("Username").fill("pm")
    page.get_by_label("Password").fill("nope")
    page.get_by_role("button", name="Log in").click()
    assert "/login/" in page.url
    assert page.get_by_role("alert").first.is_visible()


def test_layout_works_on_a_phone(page, login, users):
    page.set_viewport_size({"width": 375, "height": 740})
    login("pm")
    page.get_by_text("Menu").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")
    ).to_be_visible()
