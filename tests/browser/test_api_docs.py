"""The API docs (Swagger UI and Redoc) render their operations under the page's CSP."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _csp_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Scripts, workers and styles the CSP blocked. Redoc's "powered by" logo from its CDN
    is blocked too (no outside images) and Redoc hides it on error: not counted."""
    errors: list[str] = []

    def record(msg) -> None:  # type: ignore[no-untyped-def]
        text = msg.text
        if msg.type == "error" and "Content Security Policy" in text:
            if not text.startswith("Loading the image"):
                errors.append(text)

    page.on("console", record)
    return errors


def test_swagger_ui_renders_operations_under_the_csp(page, login, users):
    login("pm")
    errors = _csp_errors(page)
    response = page.goto("/api/v1/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 5
    assert page.locator(".opblock-summary-path").first.inner_text().startswith("/api/v1/")
    assert errors == []


def test_redoc_renders_operations_under_the_csp(page, login, users):
    login("pm")
    errors = _csp_errors(page)
    page.goto("/api/v1/redoc/")
    page.locator("[data-section-id^='tag/']").first.wait_for(timeout=20_000)
    assert page.get_by_text("mops API").first.is_visible()
    assert errors == []
