"""Destructive buttons say what they do and wait for a yes (app.js, data-confirm)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_revoking_a_token_asks_first_and_no_keeps_it(page, login, users):
    from mops.accounts.models import ApiToken
    from mops.accounts.services import api_token_create

    api_token_create(user=users["pm"], name="BI export")
    login("pm")
    page.goto("/profile/")
    asked: list[str] = []

    def answer(dialog, accept: bool) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_timeout(300)
    assert asked == ["This revokes the token “BI export”: scripts using it stop working at once."]
    assert ApiToken.objects.get(name="BI export").revoked_at is None
    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_url("**/profile/")
    page.get_by_text("revoked").first.wait_for()
    assert ApiToken.objects.get(name="BI export").revoked_at is not None
