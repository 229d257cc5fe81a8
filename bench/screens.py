"""Screens of the main pages for docs/screens/ (README, "What it looks like").

Run beside a server with the demo data (`make run`, or `manage.py runserver` on a database
after `seed_demo`):

    .venv/bin/python bench/screens.py [base_url]        (default http://127.0.0.1:8000)

Logs in as each demo role through the log-in form and saves, per page, the first screenful
at 1366 × 800 (`<name>.png`) and on a phone at 390 × 844 (`<name>-phone.png`), in
Debian's Chromium (CHROMIUM_PATH or /usr/bin/chromium; nothing is downloaded).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mops.accounts.demo_logins import PASSWORD  # noqa: E402  (importable without Django)

OUT = ROOT / "docs" / "screens"
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_BYTES = 200_000

# (file name, role, how to get there from the role's home: a path, or a link to follow)
SCREENS: list[tuple[str, str, str]] = [
    ("home-requester", "requester", "/"),
    ("catalog", "requester", "/catalog/"),
    ("request-form", "requester", "/requests/new/launch-a-campaign/"),
    ("backlog", "pm", "/requests/"),
    ("request", "pm", "first-request"),
    ("weekly-review", "pm", "/requests/review/"),
    ("release-calendar", "engineer", "/releases/"),
    ("qa-checklist", "engineer", "first-qa"),
    ("dashboard", "leader", "/metrics/"),
    ("data-health", "engineer", "/governance/datasets/"),
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    base = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/")
    chromium = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
            contexts: dict[str, object] = {}
            for name, role, target in SCREENS:
                if role not in contexts:
                    context = browser.new_context(base_url=base, viewport=viewport)
                    page = context.new_page()
                    page.goto("/login/")
                    page.get_by_label("Username").fill(role)
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_url(lambda url: "/login/" not in url)
                    contexts[role] = page
                page = contexts[role]
                page.goto(_resolve(page, target))
                page.wait_for_load_state("networkidle")
                path = OUT / f"{name}{suffix}.png"
                page.screenshot(path=str(path), full_page=False)
                size = path.stat().st_size
                print(f"{path.relative_to(ROOT)}  {size // 1000} kB")
                if size > MAX_BYTES:
                    print(f"  larger than {MAX_BYTES // 1000} kB", file=sys.stderr)
        browser.close()


def _resolve(page, target: str) -> str:  # type: ignore[no-untyped-def]
    """A path, or the first request / QA page linked from the backlog."""
    if target.startswith("/"):
        return target
    page.goto("/requests/?status=in_qa")
    href = page.locator("#backlog-rows a[href^='/requests/']").first.get_attribute("href")
    if target == "first-qa":
        number = re.search(r"/requests/(\d+)/", href or "")
        return f"/releases/requests/{number.group(1)}/qa/" if number else "/releases/"
    return href or "/requests/"


if __name__ == "__main__":
    main()
