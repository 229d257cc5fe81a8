"""Every link and form a page shows a role leads to something that role may do, and
pages show words, not status codes.

Crawls breadth-first from the home page as each demo role, over the demo data: every
same-origin link is fetched as that role (no 403, no 500 behind a visible link), and every
POST form is checked against the role declaration of the view it posts to (no button a
role would be refused).
"""

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from mops.accounts.permissions import roles_for
from mops.accounts.roles import has_role

MAX_URLS_PER_ROLE = 200
MAX_PER_SHAPE = 2  # /requests/1/ and /requests/2/ are one shape: two of them are enough
SKIP = re.compile(r"^/(logout/|static/|media/|admin/|api/v1/(?!docs/$|redoc/$))|/feeds/|\.ics$")
DEMO_ROLES = ["requester", "pm", "engineer", "approver", "leader", "admin"]


# Status and state codes that must reach a person as words ("In QA", "On track").
RAW_CODES = re.compile(
    r"\b(on_track|at_risk|needs_info|in_progress|in_qa|in_review|rolled_back|"
    r"changes_requested|boarding_closed)\b"
)
NOT_PROSE = {"code", "pre", "script", "style", "textarea", "kbd", "samp"}


class _Controls(HTMLParser):
    """The hrefs of links, (method, action, [action button values]) of forms, and the
    visible text outside code blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self.text: list[str] = []
        self._not_prose = 0

    def handle_data(self, data: str) -> None:
        if not self._not_prose:
            self.text.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in NOT_PROSE:
            self._not_prose += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "form":
            self._form = {
                "method": (a.get("method") or "get").upper(),
                "action": a.get("action") or "",
                "actions": [],
                "submits": 0,
            }
            self.forms.append(self._form)
        elif tag in {"button", "input"} and self._form is not None:
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if kind in {"submit", "image"}:
                self._form["submits"] += 1  # a form without one offers nothing to press
                if a.get("name") == "action" and a.get("value"):
                    self._form["actions"].append(a["value"])
        elif tag == "option" and self._form is not None and self._form.get("in_action_select"):
            if a.get("value"):
                self._form["actions"].append(a["value"])
        if tag == "select" and self._form is not None:
            self._form["in_action_select"] = a.get("name") == "action"

    def handle_endtag(self, tag: str) -> None:
        if tag in NOT_PROSE and self._not_prose:
            self._not_prose -= 1
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None:
            self._form["in_action_select"] = False


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/N", path)


def _crawl(client: Client, user) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """(problems, the addresses fetched)."""
    problems: list[str] = []
    fetched_urls: list[str] = []
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    fetched = 0
    while queue and fetched < MAX_URLS_PER_ROLE:
        url, source = queue.popleft()
        path = urlsplit(url).path
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        shape = _shape(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        if shapes[shape] > MAX_PER_SHAPE:
            continue
        response = client.get(url)
        fetched += 1
        fetched_urls.append(url)
        if response.status_code in (403, 500) or response.status_code >= 500:
            problems.append(f"{response.status_code} GET {url} (linked from {source})")
            continue
        if response.status_code in (301, 302):
            queue.append((response["Location"], url))
            continue
        if "text/html" not in response.get("Content-Type", "") or path.startswith("/api/"):
            continue
        parser = _Controls()
        parser.feed(response.content.decode())
        codes = sorted(set(RAW_CODES.findall(" ".join(parser.text))))
        if codes:
            problems.append(f"{url} shows raw codes {codes}")
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.scheme in ("", "http") and parts.netloc in ("", "testserver"):
                queue.append((parts.path + (f"?{parts.query}" if parts.query else ""), url))
        for form in parser.forms:
            action = urljoin(url, form["action"]) if form["action"] else url
            action_path = urlsplit(action).path
            if form["method"] == "GET":
                if not SKIP.search(action_path):
                    queue.append((action_path, url))
                continue
            if SKIP.search(action_path) or not form["submits"]:
                continue
            try:
                view = getattr(resolve(action_path).func, "view_class", None)
            except Resolver404:
                problems.append(f"form on {url} posts to unknown {action_path}")
                continue
            if view is None or not hasattr(view, "read_roles"):
                continue
            for name in form["actions"] or [None]:
                if not has_role(user, roles_for(view, "POST", name)):
                    problems.append(f"form on {url} offers POST {action_path} action={name}")
    return problems, fetched_urls


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_no_visible_link_or_form_leads_to_a_refusal(demo, username):
    from mops.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    problems, fetched = _crawl(client, user)
    assert problems == [], "\n".join(problems)
    assert len(fetched) >= 15  # the crawl walked the product, not one page
