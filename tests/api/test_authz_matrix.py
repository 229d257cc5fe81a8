"""Authorization matrix: every role × every API list endpoint → allowed or 403; anonymous → 401.

The expected table is written out by hand (not derived from the views), and every
endpoint the router knows must appear in it, so a new endpoint cannot ship unclassified.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

R, PM, EN, AP, LE, AD = "requester", "pm", "engineer", "approver", "leadership", "admin"
EVERYONE = {R, PM, EN, AP, LE, AD}
STAFF_AND_LEADERS = {PM, EN, LE, AD}

# path → roles that may GET it. Paths are relative to /api/v1/.
EXPECTED: dict[str, set[str]] = {
    "me/": EVERYONE,
    "teams/": EVERYONE,
    "users/": STAFF_AND_LEADERS,
    "tokens/": EVERYONE,
    "idp-group-mappings/": {AD},
    "outbox/": {AD},
    "notification-channels/": {AD},
    "notifications/": EVERYONE,
    "audit/": STAFF_AND_LEADERS,
    "services/": EVERYONE,
    "sla-policies/": EVERYONE,
    "calendars/": EVERYONE,
    "templates/": EVERYONE,
    # self-serve completions: a requester lists their team's (visibility tested in
    # tests/catalog/test_selfserve.py)
    "self-serve-completions/": EVERYONE,
    "rfcs/": STAFF_AND_LEADERS | {AP},
    "approval-policies/": STAFF_AND_LEADERS | {AP},
    "taxonomy/": EVERYONE,
    "taxonomy/versions/": EVERYONE,
    "campaigns/": EVERYONE,
    "warehouses/": {AD},
    "datasets/": STAFF_AND_LEADERS,
    "check-runs/": STAFF_AND_LEADERS,
    "monitors/": STAFF_AND_LEADERS,
    "incidents/": STAFF_AND_LEADERS,
    "rotations/": STAFF_AND_LEADERS,
    "runbooks/": STAFF_AND_LEADERS,
    # enablement (#16): the playbook library and training are for everyone signed in;
    # enrolments list a learner's own (staff and leadership see all).
    "playbook-categories/": EVERYONE,
    "playbooks/": EVERYONE,
    "courses/": EVERYONE,
    "enrolments/": EVERYONE,
    # office hours: everyone signed in sees the sessions (booking is LEARNERS, tested in
    # tests/enablement/test_office_hours_api.py)
    "office-hours/": EVERYONE,
    "office-hours-sessions/": EVERYONE,
    # releases: the calendar side (trains, departures, manifests, freezes) is also read by
    # approvers (CAB checks change windows); QA checklists and pre-flight runs by staff and
    # leadership only. Requesters see their requests' launch dates on intake's pages.
    "trains/": STAFF_AND_LEADERS | {AP},
    "departures/": STAFF_AND_LEADERS | {AP},
    "boardings/": STAFF_AND_LEADERS | {AP},
    "freezes/": STAFF_AND_LEADERS | {AP},
    "checklist-templates/": STAFF_AND_LEADERS,
    "checklist-runs/": STAFF_AND_LEADERS,
    "preflight-runs/": STAFF_AND_LEADERS,
    # the experiment register: like the release pages, MOPS staff and leadership read it
    # (MOPS staff write); approvers and requesters have no use for it.
    "experiments/": STAFF_AND_LEADERS,
    # the tech stack (#14): MOPS staff and leadership read it; MOPS staff write.
    "stack/tools/": STAFF_AND_LEADERS,
    "stack/flows/": STAFF_AND_LEADERS,
    "stack/contracts/": STAFF_AND_LEADERS,
    "stack/utilisation/": STAFF_AND_LEADERS,
    "stack/access-reviews/": STAFF_AND_LEADERS,
    "stack/instruments/": STAFF_AND_LEADERS,
    "stack/instrumentation-coverage/": STAFF_AND_LEADERS,
    # intake: requesters list their team's requests (object visibility is tested in
    # tests/intake); scoring models are for MOPS staff and leadership.
    "requests/": EVERYONE,
    "scoring-models/": STAFF_AND_LEADERS,
    # request imports (#21): MOPS PMs and admins only (tested in tests/intake/test_import.py)
    "request-imports/": {PM, AD},
    # metrics: leadership dashboards and BI pulls; requesters and approvers have none.
    "metrics/": STAFF_AND_LEADERS,
    "metrics/accepted/": STAFF_AND_LEADERS,
    "metrics/attribution_coverage/": STAFF_AND_LEADERS,
    "metrics/backlog_aging/": STAFF_AND_LEADERS,
    "metrics/checklist/": STAFF_AND_LEADERS,
    "metrics/enablement/": STAFF_AND_LEADERS,
    "metrics/impact/": STAFF_AND_LEADERS,
    "metrics/impact/costs/": STAFF_AND_LEADERS,
    "metrics/impact/reviews/": STAFF_AND_LEADERS,
    "metrics/impact/roles/": STAFF_AND_LEADERS,
    "metrics/data_accuracy/": STAFF_AND_LEADERS,
    "metrics/data_completeness/": STAFF_AND_LEADERS,
    "metrics/delivery_sla/": STAFF_AND_LEADERS,
    "metrics/duplicates_per_1k/": STAFF_AND_LEADERS,
    "metrics/experiments/": STAFF_AND_LEADERS,
    "metrics/mttr/": STAFF_AND_LEADERS,
    "metrics/nps/": STAFF_AND_LEADERS,
    "metrics/requests/": STAFF_AND_LEADERS,
    "metrics/self_serve_share/": STAFF_AND_LEADERS,
    "metrics/shipped/": STAFF_AND_LEADERS,
    "metrics/stack/": STAFF_AND_LEADERS,
    "metrics/standup/": STAFF_AND_LEADERS,
    "metrics/submitted/": STAFF_AND_LEADERS,
    "metrics/template_reuse/": STAFF_AND_LEADERS,
    "metrics/triage_sla/": STAFF_AND_LEADERS,
    "metrics/ttc/": STAFF_AND_LEADERS,
    "metrics/uptime/": STAFF_AND_LEADERS,
}
# Endpoints that need a query parameter to answer 200.
QUERY: dict[str, str] = {"metrics/requests/": "?metric=submitted"}
# Collection-level actions that only accept POST; their role rules are tested with the
# feature, here they must merely be listed so nothing ships unclassified.
POST_ONLY: set[str] = {
    "metrics/impact/refresh/",
    "notifications/mark-read/",
    "utm/validate/",
    "utm/validate-csv/",
    "utm/build/",
    "stack/tools/import/",
    "stack/instruments/import/",
}


def _list_endpoints() -> list[str]:
    """API paths without path parameters (list/collection endpoints), from the URL conf."""
    found: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                full = prefix + route
                if "<" in full or "(?P" in full or "\\." in full:
                    continue
                found.append(full.replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns, "")
    api = sorted({f[len("api/v1/") :] for f in found if f.startswith("api/v1/")})
    return [a for a in api if a not in {"schema/", "docs/", "redoc/"} and a]


def test_every_api_endpoint_is_classified():
    assert sorted(set(_list_endpoints()) - set(EXPECTED) - POST_ONLY) == []


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_role_matrix(path, users, api_for):
    for role_key, role in [
        ("requester", R),
        ("pm", PM),
        ("engineer", EN),
        ("approver", AP),
        ("leadership", LE),
        ("admin", AD),
    ]:
        response = api_for(role_key).get(f"/api/v1/{path}{QUERY.get(path, '')}")
        expected = 200 if role in EXPECTED[path] else 403
        assert response.status_code == expected, (path, role, response.status_code)
        if expected == 403:
            assert set(response.json()) == {"errors"}  # no data leaks with the refusal
    anonymous = APIClient().get(f"/api/v1/{path}")
    assert anonymous.status_code in (401, 403)
    assert set(anonymous.json()) == {"errors"}


# --- every route, every method, every role (#12 finding 7) -----------------------------------
# Generated from the URL conf (API and pages) and cross-checked with the OpenAPI schema, so a
# new endpoint is walked without anyone listing it. Each role is refused (403, errors only)
# exactly where the view's declaration says so; leadership is read-only: a write route open
# to leadership must be listed below with why, or the test fails.

SAFE = {"get", "head", "options"}
ROLE_USERS = {
    R: "requester",
    PM: "pm",
    EN: "engineer",
    AP: "approver",
    LE: "leadership",
    AD: "admin",
}
# Writes leadership may make: their own, affecting nobody else, notifying nobody.
LEADERSHIP_WRITES: dict[tuple[str, str], str] = {
    ("/api/v1/tokens/", "post"): "their own API token",
    ("/api/v1/tokens/<pk>/revoke/", "post"): "revoking their own token",
    ("/api/v1/notifications/mark-read/", "post"): "their own inbox",
    ("/api/v1/utm/validate/", "post"): "computes only",
    ("/api/v1/utm/validate-csv/", "post"): "computes only",
    ("/api/v1/utm/build/", "post"): "self-serve: a campaign they own (documented exception)",
    ("/api/v1/campaigns/<pk>/", "patch"): "campaign_update: owner or MOPS staff only",
    ("/api/v1/metrics/nps/<token>/answer/", "post"): "their own survey answer",
    ("/governance/utm/builder/", "post"): "self-serve: a campaign they own",
    ("/governance/utm/validate/", "post"): "computes only",
    ("/requests/views/", "post"): "their own saved views",
    ("/requests/<pk>/watch/", "post"): "watching: their own notifications",
    ("/releases/", "post"): "rotating their own calendar feed token",
    ("/enablement/office-hours/", "post"): "replacing their own office-hours feed address",
    ("/metrics/nps/<token>/", "post"): "their own survey answer",
    ("/api/v1/metrics/impact/reviews/<month>/acknowledge/", "post"): (
        "their own sign-off of the monthly impact review (audited)"
    ),
    ("/metrics/impact/reviews/<month>/", "post"): "their own sign-off of the monthly impact review",
}
# Declared open to every role; the service refuses leadership on the object (proved in
# tests/intake/test_leadership_read_only.py).
LEADERSHIP_REFUSED_BY_SERVICE: dict[tuple[str, str], str] = {
    ("/api/v1/requests/<pk>/comments/", "post"): "COMMENTERS",
    ("/api/v1/requests/<pk>/transition/", "post"): "no lifecycle transition names leadership",
    ("/api/v1/requests/<pk>/attachments/", "post"): "intake.services.can_attach",
    ("/requests/<pk>/transition/", "post"): "no lifecycle transition names leadership",
    ("/requests/<pk>/attachments/", "post"): "intake.services.can_attach",
}


def _routes() -> list[tuple[str, str, str, type, str | None, dict]]:
    """(display path, concrete path, method, view class, action, initkwargs) for every
    route with a role declaration: API viewsets/APIViews and pages alike."""
    import re

    out: list[tuple[str, str, str, type, str | None, dict]] = []

    def concrete(route: str) -> tuple[str, str]:
        route = re.sub(r"(^|/)\^", r"\1", route).removesuffix("$")
        shown = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
        shown = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", shown)
        real = re.sub(r"<(\w+)>", lambda m: "low" if m.group(1) == "risk" else "1", shown)
        return "/" + shown, "/" + real

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
                continue
            if "format" in route or route.startswith(("admin/", "static/")):
                continue
            callback = p.callback
            cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
            if cls is None or not hasattr(cls, "read_roles"):
                continue
            shown, real = concrete(route)
            actions = getattr(callback, "actions", None)
            if actions:
                for method, action in actions.items():
                    out.append((shown, real, method, cls, action, callback.initkwargs))
            else:
                for method in ("get", "post", "put", "patch", "delete"):
                    if hasattr(cls, method):
                        out.append((shown, real, method, cls, None, {}))

    walk(get_resolver().url_patterns, "")
    return out


def _declared(cls: type, method: str, action: str | None, initkwargs: dict) -> set[str]:
    from mops.accounts.permissions import roles_for

    view = cls(**initkwargs) if initkwargs else cls()
    view.action = action
    return set(roles_for(view, method.upper(), action))


def test_every_schema_operation_is_a_walked_route(api_for):
    import json
    import re

    schema = json.loads(api_for("admin").get("/api/v1/schema/?format=json").content)
    walked = {(re.sub(r"<\w+>", "<>", shown), method) for shown, _, method, *_ in _routes()}
    missing = []
    for path, item in schema["paths"].items():
        shown = re.sub(r"\{(\w+)\}", "<>", path)
        for method in item:
            if (
                method in {"get", "post", "put", "patch", "delete"}
                and (shown, method) not in walked
            ):
                missing.append((shown, method))
    assert missing == []


def test_leadership_writes_are_listed_with_a_reason():
    open_to_leadership = {
        (shown, method)
        for shown, _, method, cls, action, initkwargs in _routes()
        if method not in SAFE and LE in _declared(cls, method, action, initkwargs)
    }
    unlisted = open_to_leadership - set(LEADERSHIP_WRITES) - set(LEADERSHIP_REFUSED_BY_SERVICE)
    assert sorted(unlisted) == []
    assert sorted(set(LEADERSHIP_WRITES) - open_to_leadership) == []  # no stale entries


def test_every_route_refuses_exactly_the_roles_its_declaration_refuses(users):
    """Every role × every route and method (detail routes, actions, writes, pages): a
    refused role gets 403 before any object is looked up, and the API says nothing else."""
    from django.test import Client

    clients = {}
    for role, key in ROLE_USERS.items():
        client = Client()
        client.force_login(users[key])
        clients[role] = client
    checked = 0
    wrong = []
    for shown, real, method, cls, action, initkwargs in _routes():
        if method in ("head", "options"):
            continue
        allowed = _declared(cls, method, action, initkwargs)
        for role, client in clients.items():
            if role in allowed:
                continue
            response = getattr(client, method)(real, content_type="application/json")
            checked += 1
            if response.status_code != 403:
                wrong.append((shown, method, role, response.status_code))
            elif shown.startswith("/api/"):
                assert set(response.json()) == {"errors"}
    assert checked > 300
    assert wrong == []
