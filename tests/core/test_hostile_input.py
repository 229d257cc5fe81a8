"""Any input → 4xx, never 500 (#12 finding 6), refused in one place (mops.core.inputguard).

Each hostile value goes to every query parameter of every API list endpoint (read from the
OpenAPI schema, so a new endpoint or parameter is covered) and to every filter parameter of
every page without path arguments (read from the FilterSets and the URL conf); JSON bodies
nested 1,000 deep or carrying NUL go to every JSON write; NUL goes into form fields.
"""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from catalog.models import ServiceStatus
from catalog.services import service_create
from mops.core import filters as core_filters
from mops.notify.models import Notification
from mops.notify.services import notification_create
from tests.factories import SlaPolicyFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    "\x00",
    "a\x00b",
    "2026-01-01T00:00:00-20:30",
    "2026-01-01T00:00:00+16:00",
    "2026-01-01 00:00-2359",
    "99999999999999999999999",
    "-99999999999999999999999",
]
DEEP_JSON = "[" * 1000 + "]" * 1000  # 2 KB
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


@pytest.fixture
def schema(api_for) -> dict:
    response = api_for("admin").get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def _list_operations(schema: dict) -> list[tuple[str, list[str]]]:
    """(path, query parameter names) of every GET without path parameters."""
    out = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if not operation or "{" in path:
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        out.append((path.removeprefix("/api/v1"), names))
    return out


def test_every_query_parameter_of_every_api_list_endpoint_refuses_hostile_values(schema, api_for):
    client = api_for("admin")
    operations = _list_operations(schema)
    assert len(operations) > 30
    server_errors = []
    sent = 0
    for path, names in operations:
        for name in [*names, "q", "search", "user"]:
            for value in HOSTILE:
                response = client.get(f"/api/v1{path}", {name: value})
                sent += 1
                if response.status_code >= 500:
                    server_errors.append((path, name, value, response.status_code))
                elif "\x00" in value or "-20:30" in value or "+16:00" in value:
                    assert response.status_code == 400, (path, name, value)
                    assert response.json()["errors"][0]["field"] in (name, None)
    assert sent > 500
    assert server_errors == []


def _filter_names() -> set[str]:
    names: set[str] = {"q", "page", "sort", "user", "model", "starts_before", "after"}
    stack = list(core_filters.FilterSet.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(cls.base_filters)
    return names


def _pages() -> list[str]:
    """Every page without path arguments (not the API, not static, not log-out)."""
    found: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and "<" not in route and "(?P" not in route:
                found.append("/" + route.replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns, "")
    skip = ("/api/", "/static/", "/media/", "/accounts/logout", "/admin/", "/__", "/readyz")
    return sorted({p for p in found if not p.startswith(skip)})


def test_every_page_filter_parameter_refuses_hostile_values(client_for):
    client = client_for("admin")
    pages = _pages()
    names = sorted(_filter_names())
    assert len(pages) > 20 and len(names) > 20
    server_errors = []
    for page in pages:
        for value in HOSTILE:
            # every filter parameter at once: whichever the page reads, it reads this value
            response = client.get(page, dict.fromkeys(names, value))
            if response.status_code >= 500:
                server_errors.append((page, value, response.status_code))
    assert server_errors == []


def test_a_nul_in_a_query_names_the_parameter(api_for, client_for):
    response = api_for("admin").get("/api/v1/audit/", {"user": "\x00"})
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "user",
        "code": "nul_character",
        "message": "user: NUL characters are not allowed.",
    }
    page = client_for("admin").get("/audit/", {"user": "\x00"})
    assert page.status_code == 400
    assert b"user" in page.content


def test_an_offset_postgresql_cannot_store_is_a_400(api_for):
    response = api_for("admin").get(
        "/api/v1/freezes/", {"starts_before": "2026-01-01T00:00:00-20:30"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "offset_out_of_range"
    # an offset PostgreSQL can hold still works
    ok = api_for("admin").get("/api/v1/freezes/", {"starts_before": "2026-01-01T00:00:00-05:30"})
    assert ok.status_code == 200


def _json_writes(schema: dict) -> list[tuple[str, str]]:
    out = []
    for path, item in schema["paths"].items():
        for method in ("post", "put", "patch"):
            operation = item.get(method)
            if not operation:
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                concrete = path.removeprefix("/api/v1")
                for param in operation.get("parameters", []):
                    if param["in"] == "path":
                        concrete = concrete.replace("{" + param["name"] + "}", "1")
                out.append((method, concrete))
    return out


def test_deep_or_nul_json_to_every_json_write_is_a_400(schema, api_for):
    client = api_for("admin")
    writes = _json_writes(schema)
    assert len(writes) > 20
    for method, path in writes:
        for body in (DEEP_JSON, DEEP_OBJECT, '{"title": "a\\u0000b"}', '{"a\\u0000": 1}'):
            response = getattr(client, method)(
                f"/api/v1{path}", body, content_type="application/json"
            )
            assert response.status_code == 400, (method, path, body[:20], response.status_code)
            assert set(response.json()) == {"errors"}


def test_an_escaped_backslash_before_u0000_is_ordinary_text(api_for):
    """`"\\\\u0000"` is the six characters backslash-u-0-0-0-0, not a NUL: accepted."""
    from mops.core.inputguard import _JSON_NUL, json_depth_exceeds

    assert not _JSON_NUL.search(b'{"a": "\\\\u0000"}')
    assert _JSON_NUL.search(b'{"a": "\\\\\\u0000"}')
    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')


def test_nul_in_a_form_field_is_a_400(client_for, users):
    response = client_for("admin").post("/requests/1/comments/", {"body": "hi\x00there"})
    assert response.status_code == 400


def test_a_body_over_djangos_limits_is_a_400_in_the_error_format(api_for, client_for, settings):
    """`make run` has DEBUG on: Django's debug report (HTML, a traceback) answered instead."""
    settings.DEBUG = True
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    urls = {"urls": ["https://example.com/?utm_source=x"] * 100}
    response = api_for("admin").post("/api/v1/utm/validate/", urls, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": None, "code": "too_large", "message": "The request is larger than allowed."}
    ]
    page = client_for("admin").post("/requests/1/comments/", {f"f{i}": "x" for i in range(10)})
    assert page.status_code == 400
    assert b"Traceback" not in page.content


def test_malformed_json_to_a_bodyless_action_is_a_400_and_nothing_is_done(api_for, users):
    """DRF parses lazily: an action that never reads its body would ignore `{"a":` and act."""
    what = [{"key": "what", "label": "What", "type": "text"}]
    service = service_create(
        actor=users["admin"],
        name="Draft",
        slug="draft",
        sla_policy=SlaPolicyFactory(),
        input_definition=what,
    )
    unread = notification_create(user=users["pm"], text="REQ-1", url="/requests/", email=False)
    client = api_for("pm")
    for path in (f"/api/v1/services/{service.pk}/publish/", "/api/v1/notifications/mark-read/"):
        response = client.post(path, '{"a":', content_type="application/json")
        assert response.status_code == 400, path
        [error] = response.json()["errors"]
        assert (error["field"], error["code"]) == (None, "parse_error")
        assert error["message"].startswith("JSON parse error - ")
    service.refresh_from_db()
    assert service.status == ServiceStatus.DRAFT
    assert Notification.objects.get(pk=unread.pk).read_at is None
    empty = client.post("/api/v1/notifications/mark-read/", "", content_type="application/json")
    assert empty.json() == {"marked": 1}
    assert client.post(f"/api/v1/services/{service.pk}/publish/").json()["status"] == "active"
