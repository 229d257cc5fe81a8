"""Walk every page of a running mops as each demo role, the way an outside prober would:
follow the links, GET each page with junk query strings, POST each form with junk fields
(and once with no CSRF token). Reports a 5xx, a traceback, or a page loading anything from
another host; with --phone, also walks the pages in Chromium at 390 px and reports any
page wider than the screen.

    .venv/bin/python bench/hostile_pages.py http://127.0.0.1:8788 --roles requester pm admin
    .venv/bin/python bench/hostile_pages.py http://127.0.0.1:8788 --phone

It writes (junk forms save what they accept), so run it against a demo database of your
own, never a real one. Only loopback addresses are accepted. Exit status 1 on findings.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import sys
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import requests

ROLES = ["requester", "field", "pm", "engineer", "approver", "leader", "admin"]
PASSWORD = "mops-demo"
SKIP = ("/logout", "/admin/", "/static/", "/media/", "/api/", "/login", "/password-reset")
JUNK_QUERIES = ["?page=-1", "?page=0", "?page=99999999999999999999", "?page_size=0&page=abc",
                "?q=%00", "?q=" + "x" * 20000, "?ordering=password", "?ordering=-__class__",
                "?date_from=2026-13-45&date_to=junk", "?status=%27%22%3C", "?team=abc&service=-1",
                "?id=9223372036854775808", "?range=junk&group=junk&period=junk"]  # fmt: skip
JUNK_VALUES = ["", "x" * 5000, "-1", "9223372036854775808", "2026-13-45", "\x00", "<script>"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PHONE_JS = "document.documentElement.scrollWidth"


def login(base: str, role: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(base + "/login/").text)
    assert token, "no CSRF token on the login page"
    data = {"csrfmiddlewaretoken": token.group(1), "username": role, "password": PASSWORD}
    response = session.post(
        base + "/login/", data=data, headers={"Referer": base + "/login/"}, allow_redirects=False
    )
    assert response.status_code == 302, (role, response.status_code)
    return session


def same_site_links(base: str, text: str, url: str) -> set[str]:
    host = urlsplit(base).netloc
    found = set()
    for href in re.findall(r'href="([^"#]+)"', text):
        parts = urlsplit(urljoin(url, html.unescape(href)))
        if parts.netloc == host and not parts.path.startswith(SKIP):
            found.add(parts.path + ("?" + parts.query if parts.query else ""))
    return found


def post_forms(text: str) -> Iterator[tuple[str | None, list[str]]]:
    for match in re.finditer(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", text, re.S | re.I):
        tag = match.group(0)[: match.group(0).index(">") + 1]
        action = re.search(r'action="([^"]*)"', tag)
        fields = re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', match.group(1))
        yield (html.unescape(action.group(1)) if action else None), fields


def problems(base: str, response: requests.Response) -> list[str]:
    found = []
    if response.status_code >= 500:
        found.append(f"HTTP {response.status_code}")
    if "html" in response.headers.get("content-type", ""):
        if "Traceback" in response.text:
            found.append("traceback")
        own = urlsplit(base).netloc
        for m in re.finditer(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//([^"/]+)', response.text):  # fmt: skip
            if m.group(1) != own:
                found.append(f"loads from {m.group(1)}")
    return found


def walk(base: str, role: str, limit: int) -> tuple[list[str], list[str]]:
    """The pages a role reaches (at most `limit`, three of each URL shape) and the findings."""
    session = login(base, role)
    seen: list[str] = []
    shapes: dict[str, int] = {}
    queue, queued, findings = ["/"], {"/"}, []
    while queue and len(seen) < limit:
        path = queue.pop()
        if path in seen:
            continue
        seen.append(path)
        url = base + path
        page = session.get(url, timeout=60)
        findings += [f"[{role}] GET {path}: {p}" for p in problems(base, page)]
        if "html" not in page.headers.get("content-type", ""):
            continue
        for link in same_site_links(base, page.text, url):
            shape = re.sub(r"\d+", "N", link.split("?")[0])
            if link not in queued and shapes.get(shape, 0) < 3:
                shapes[shape] = shapes.get(shape, 0) + 1
                queued.add(link)
                queue.append(link)
        bare = path.split("?")[0]
        for query in random.sample(JUNK_QUERIES, 4):
            junk = session.get(base + bare + query, timeout=60)
            findings += [f"[{role}] GET {bare}{query[:40]}: {p}" for p in problems(base, junk)]
        token = CSRF.search(page.text)
        for action, fields in post_forms(page.text):
            target = urljoin(url, action) if action else url
            if urlsplit(target).path.startswith(SKIP):  # the log-out form ends the walk
                continue
            data = {f: random.choice(JUNK_VALUES) for f in fields if f != "csrfmiddlewaretoken"}
            for with_token in (True, False):
                if with_token and token:
                    data["csrfmiddlewaretoken"] = token.group(1)
                else:
                    data.pop("csrfmiddlewaretoken", None)
                sent = session.post(target, data=data, headers={"Referer": url}, timeout=60,
                                    allow_redirects=False)  # fmt: skip
                findings += [f"[{role}] POST {target}: {p}" for p in problems(base, sent)]
    return seen, findings


def is_page(status: int, content_type: str) -> bool:
    """A page to measure at phone width: an HTML answer that is not an error.

    The walk's junk posts rotate feed links and retire services, so a link gathered earlier
    can 404 by the time Chromium opens it; under DEBUG that is Django's own 404 report, wider
    than a phone and no page of mops.
    """
    return status < 400 and "html" in content_type


def phone_widths(base: str, role: str, paths: list[str]) -> list[str]:
    """Pages wider than a 390 px phone, walked in Chromium (Debian's /usr/bin/chromium)."""
    from playwright.sync_api import sync_playwright

    findings = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(base + "/login/")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", PASSWORD)
        page.click("form [type=submit]")
        page.wait_for_load_state()
        for path in paths:
            try:
                response = page.goto(base + path)
            except Exception:  # a download (.ics, .csv) is not a page
                continue
            if response and is_page(response.status, response.headers.get("content-type", "")):
                width = page.evaluate(PHONE_JS)
                if width > 390:
                    findings.append(f"[{role}] {path}: {width} px wide at 390 px")
        browser.close()
    return findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:8788 (loopback only)")
    parser.add_argument("--roles", nargs="+", default=ROLES)
    parser.add_argument("--limit", type=int, default=400, help="pages a role walks at most")
    parser.add_argument("--phone", action="store_true", help="also check 390 px widths")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    if urlsplit(base).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("only a loopback address: this tool writes junk")
    random.seed(8)
    findings = []
    for role in args.roles:
        seen, found = walk(base, role, args.limit)
        if args.phone:
            found += phone_widths(base, role, seen)
        print(f"{role}: {len(seen)} pages, {len(found)} findings", flush=True)
        findings += found
    print("\n".join(findings))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
