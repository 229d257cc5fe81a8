"""Junk posted to every taxonomy form (#13): the taxonomy editor, the UTM builder, the
validator, the self-serve field request. Empty, too long, the wrong type, a stale version,
what the service refuses: each is said as a field error or a message, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.catalog.published import self_serve_service
from tests.governance.utm_forms import BUILD, taxonomy_post

pytestmark = pytest.mark.django_db

Data = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]

TAXONOMY = "/governance/taxonomy/"
BUILDER = "/governance/utm/builder/"
VALIDATOR = "/governance/utm/validate/"
FIELD = "/governance/self-serve/field/"
FIELD_REQUEST = {
    "object_name": "Lead",
    "field_label": "Event region",
    "field_type": "text",
    "purpose": "Route event leads",
}

# (role, page, posted data, expected status, what the person reads)
CASES: list[tuple[str, str, Data, int, str]] = [
    ("admin", TAXONOMY, {}, 400, "This field is required."),
    ("admin", TAXONOMY, lambda c: c["taxonomy"] | {"version": "abc"}, 400, "Enter a whole number."),
    ("admin", TAXONOMY, lambda c: c["taxonomy"] | {"version": "99"}, 412, "changed by someone"),
    ("admin", TAXONOMY, lambda c: c["taxonomy"] | {"note": "n" * 201}, 400, "at most 200"),
    ("admin", TAXONOMY, lambda c: c["taxonomy"] | {"delimiter": "----"}, 400, "at most 3"),
    ("admin", TAXONOMY, lambda c: c["taxonomy"] | {"case": "shouting"}, 400, "valid choice"),
    ("admin", TAXONOMY, {"action": "restore", "number": "abc"}, 404, ""),
    ("requester", BUILDER, {}, 400, "This field is required."),
    ("requester", BUILDER, BUILD | {"start_date": "tomorrow"}, 400, "Enter a valid date."),
    ("requester", BUILDER, BUILD | {"content": "c" * 201}, 400, "at most 200"),
    ("requester", BUILDER, BUILD | {"source": "carrier-pigeon"}, 400, "valid choice"),
    ("requester", BUILDER, BUILD | {"token_fy": "2026"}, 400, "fy"),
    ("requester", VALIDATOR, {}, 400, "Give a URL or a campaign name."),
    ("requester", VALIDATOR, {"url": "u" * 8001}, 400, "at most 8000"),
    ("requester", VALIDATOR, {"action": "csv"}, 400, "This field is required."),
    ("requester", FIELD, lambda c: {"service": c["service"]}, 400, "This field is required."),
    (
        "requester",
        FIELD,
        lambda c: FIELD_REQUEST | {"service": c["service"], "field_label": "f" * 81},
        400,
        "at most 80",
    ),
    (
        "requester",
        FIELD,
        lambda c: FIELD_REQUEST | {"service": c["service"], "field_type": "blob"},
        400,
        "valid choice",
    ),
    (
        "requester",
        FIELD,
        lambda c: FIELD_REQUEST | {"service": c["service"], "field_type": "picklist"},
        400,
        "A picklist needs its values",
    ),
    ("requester", FIELD, FIELD_REQUEST | {"service": "nope"}, 404, ""),
]


@pytest.fixture
def pages(users: dict[str, Any], policy: Any, client_for: Callable[[str], Client]) -> dict:
    service = self_serve_service(
        users["admin"],
        policy,
        slug="add-a-field",
        tool="field_rfc",
        instructions="1. Describe the field.",
    )
    editor = client_for("admin").get(TAXONOMY).context
    return {"taxonomy": taxonomy_post(editor), "service": service.slug}


@pytest.mark.parametrize(("role", "page", "data", "status", "text"), CASES)
def test_junk_on_every_taxonomy_form_is_said_never_a_500(
    pages: dict[str, Any],
    client_for: Callable[[str], Client],
    role: str,
    page: str,
    data: Data,
    status: int,
    text: str,
) -> None:
    posted = data(pages) if callable(data) else data
    response = client_for(role).post(page, posted)
    assert response.status_code == status, (page, posted, response.status_code)
    assert text in response.content.decode(), (page, text)
