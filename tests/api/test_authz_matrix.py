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
    "outbox/": {AD},
    "notifications/": EVERYONE,
    "audit/": STAFF_AND_LEADERS,
    "services/": EVERYONE,
    "sla-policies/": EVERYONE,
    "calendars/": EVERYONE,
    "templates/": EVERYONE,
    "rfcs/": STAFF_AND_LEADERS | {AP},
    "approval-policies/": STAFF_AND_LEADERS | {AP},
    "taxonomy/": EVERYONE,
    "taxonomy/versions/": EVERYONE,
    "campaigns/": EVERYONE,
    "datasets/": STAFF_AND_LEADERS,
    "check-runs/": STAFF_AND_LEADERS,
    "monitors/": STAFF_AND_LEADERS,
    "incidents/": STAFF_AND_LEADERS,
    "rotations/": STAFF_AND_LEADERS,
    "runbooks/": STAFF_AND_LEADERS,
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
    # intake: requesters list their team's requests (object visibility is tested in
    # tests/intake); scoring models are for MOPS staff and leadership.
    "requests/": EVERYONE,
    "scoring-models/": STAFF_AND_LEADERS,
    # metrics: leadership dashboards and BI pulls; requesters and approvers have none.
    "metrics/": STAFF_AND_LEADERS,
    "metrics/accepted/": STAFF_AND_LEADERS,
    "metrics/attribution_coverage/": STAFF_AND_LEADERS,
    "metrics/backlog_aging/": STAFF_AND_LEADERS,
    "metrics/checklist/": STAFF_AND_LEADERS,
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
    "notifications/mark-read/",
    "utm/validate/",
    "utm/validate-csv/",
    "utm/build/",
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
