"""Navigation grouped by job, per role, with exactly one current entry."""

import re

import pytest

pytestmark = pytest.mark.django_db

GROUP_RE = re.compile(r'<details class="navgroup[^"]*" data-navgroup>\s*<summary>([^<]+)</summary>')


def _nav(html: str) -> str:
    return html.split('<nav aria-label="Main"', 1)[1].split("</nav>", 1)[0]


def test_pm_sees_menus_grouped_by_job_not_a_row_of_seventeen_links(client_for):
    nav = _nav(client_for("pm").get("/").content.decode())
    assert GROUP_RE.findall(nav) == [
        "Work",
        "Releases",
        "Governance",
        "Data health",
        "Insights",
        "Admin",
    ]
    assert "Backlog review" in nav and "Trains" in nav


def test_leadership_gets_no_ops_pages(client_for):
    nav = _nav(client_for("leadership").get("/").content.decode())
    assert "Dashboard" in nav
    for ops in (
        "Trains",
        "Checklists",
        "UTM builder",
        "Monitors",
        "Runbooks",
        "Templates",
        "Audit log",
    ):
        assert ops not in nav, ops
    assert "Admin" not in GROUP_RE.findall(nav)


def test_requester_sees_only_work_and_self_serve_tools(client_for):
    nav = _nav(client_for("requester").get("/").content.decode())
    assert GROUP_RE.findall(nav) == ["Work", "Governance"]
    assert "Dashboard" not in nav and "Backlog review" not in nav


@pytest.mark.parametrize(
    ("path", "current"),
    [("/", "Home"), ("/requests/", "Requests"), ("/requests/review/", "Backlog review")],
)
def test_exactly_one_entry_is_current(client_for, path, current):
    nav = _nav(client_for("pm").get(path).content.decode())
    marked = re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', nav)
    assert marked == [current]
