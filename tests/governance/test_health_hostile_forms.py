"""Junk posted to every data-health form (#13): empty, too long, the wrong type, a stale
version, what the service refuses. Each is said as a field error or a message on a
200/400/412 page (the service refusals through `call_service`), never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from governance.health.services import incident_open, incident_resolve
from governance.health.views.datasets import contract_yaml

Data = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]

LONG = "x" * 300

# (page, posted data, follow the redirect, expected status, what the person reads)
CASES: list[tuple[str, Data, bool, int, str]] = [
    ("{leads}/contract/", {}, False, 400, "This field is required."),
    ("{leads}/contract/", {"yaml": "a" * 200_001}, False, 400, "at most 200000 characters"),
    ("{leads}/contract/", {"yaml": "x", "version": "abc"}, False, 400, "Enter a whole number."),
    ("{leads}/contract/", {"yaml": "schema: [\n", "version": "1"}, False, 400, "line "),
    (
        "{leads}/contract/",
        lambda c: {"yaml": contract_yaml(c["leads"]), "version": "99"},
        False,
        412,
        "changed by someone else",
    ),
    (
        "{leads}/contract/",
        lambda c: {"yaml": contract_yaml(c["other"]), "version": "1"},
        False,
        400,
        "The contract must describe",
    ),
    ("new/", {}, False, 400, "This field is required."),
    (
        "new/",
        {"warehouse": "abc", "schema": LONG, "table": "t"},
        False,
        400,
        "Select a valid choice.",
    ),
    (
        "new/",
        lambda c: {"warehouse": c["warehouse"], "schema": "s", "table": "t", "schedule": "daily"},
        False,
        400,
        "five fields",
    ),
    ("{leads}/", {"mode": "sideways"}, True, 200, "Unknown mode"),
    ("/governance/warehouses/", {}, False, 400, "This field is required."),
    (
        "/governance/warehouses/",
        {"name": "W", "dsn": "", "statement_timeout_ms": "soon"},
        False,
        400,
        "Enter a whole number.",
    ),
    (
        "/governance/warehouses/",
        {"name": LONG, "dsn": "mysql://x", "statement_timeout_ms": "5"},
        False,
        400,
        "at most 100 characters",
    ),
    (
        "/governance/warehouses/",
        {"name": "W", "dsn": "mysql://x", "statement_timeout_ms": "1000"},
        False,
        400,
        "Use a PostgreSQL URL",
    ),
    ("/governance/warehouses/", {"action": "import-dbt"}, False, 400, "This field is required."),
    ("/governance/monitors/new/", {}, False, 400, "This field is required."),
    (
        "/governance/monitors/new/",
        {"name": LONG, "period_minutes": "0", "grace_minutes": "often"},
        False,
        400,
        "greater than or equal to 1",
    ),
    ("/governance/runbooks/new/", {}, False, 400, "This field is required."),
    (
        "/governance/runbooks/new/",
        {"slug": "Not a slug!", "title": "T", "body": "b", "version": "v2"},
        False,
        400,
        "Enter a whole number.",
    ),
    (
        "/governance/runbooks/new/",
        {"slug": "broken-utms", "title": "T", "body": "b"},
        False,
        400,
        "already exists",
    ),
    (
        "/governance/runbooks/broken-utms/edit/",
        {"slug": "broken-utms", "title": "T", "body": "b", "version": "99"},
        False,
        412,
        "changed by someone else",
    ),
    ("/governance/incidents/{incident}/", {"transition": "explode"}, True, 200, "Unknown action."),
    (
        "/governance/incidents/{incident}/",
        {"transition": "acknowledge"},
        True,
        200,
        "Cannot acknowledge from state",
    ),
]


@pytest.fixture
def pages(health: dict[str, Any]) -> dict[str, Any]:
    datasets = health["datasets"]
    leads = datasets["leads"]
    incident, _ = incident_open(
        source_key="hostile", source="check", title="Hostile", dataset=leads
    )
    incident_resolve(incident=incident)
    return {
        "leads": leads,
        "other": next(d for d in datasets.values() if d != leads),
        "warehouse": health["warehouse"].pk,
        "incident": incident.pk,
    }


@pytest.mark.parametrize(("page", "data", "follow", "status", "text"), CASES)
def test_junk_on_every_health_form_is_said_never_a_500(
    pages: dict[str, Any],
    client_for: Callable[[str], Client],
    page: str,
    data: Data,
    follow: bool,
    status: int,
    text: str,
) -> None:
    path = page.format(leads=pages["leads"].pk, incident=pages["incident"])
    path = path if path.startswith("/") else f"/governance/datasets/{path}"
    posted = data(pages) if callable(data) else data
    response = client_for("admin").post(path, posted, follow=follow)
    assert response.status_code == status, (path, posted, response.status_code)
    assert text in response.content.decode(), (path, text)
