"""API parity (#21): every object an admin manages on pages is manageable over the API.

Derived from the URL conf, not from a list someone remembers to extend: every page route whose
view accepts a write (a class view with post/put/patch/delete) and every model registered in
the Django admin must appear in a table below, either mapped to the API route names that
manage the same object, or set aside with the reason it is not an admin object. A new write
page (or admin registration) that is in neither table fails `test_every_page_write_is_mapped`;
a mapped API route that does not exist fails `test_mapped_api_routes_exist`.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# page URL name -> API URL names (without the api namespace) that manage the same object.
PAGE_TO_API: dict[str, tuple[str, ...]] = {
    # accounts
    "people": ("user-list",),
    "person": ("user-detail", "user-deactivate"),
    "teams": ("team-list",),
    "team": ("team-detail",),
    # catalog
    "catalog:service_create": ("service-list",),
    "catalog:service_edit": ("service-detail",),
    "catalog:service_transition": ("service-complete", "service-publish", "service-retire"),
    "catalog:policy_create": ("sla-policy-list",),
    "catalog:policy_edit": ("sla-policy-detail",),
    "catalog:calendar_create": ("calendar-list",),
    "catalog:calendar_edit": ("calendar-detail",),
    "catalog:template_create": ("template-list",),
    "catalog:template_edit": ("template-detail",),
    "catalog:template_publish": ("template-publish",),
    "catalog:template_rollback": ("template-rollback",),
    # governance (health objects are W2-G's: warehouses with a write-only DSN)
    "governance:rfc_create": ("rfc-list",),
    "governance:rfc_edit": ("rfc-detail",),
    "governance:rfc_detail": ("rfc-approve", "rfc-reject", "rfc-request-changes", "rfc-transition"),
    "governance:taxonomy": ("taxonomy",),
    "governance:approval_policies": ("approval-policy-list", "approval-policy-detail"),
    "governance:dataset_create": ("dataset-list",),
    "governance:dataset_edit": ("dataset-detail",),
    "governance:dataset_detail": ("dataset-run",),
    "governance:contract_edit": ("dataset-contract",),
    "governance:warehouse_list": ("warehouse-list", "warehouse-detail"),
    "governance:incident_detail": ("incident-acknowledge", "incident-resolve"),
    "governance:monitor_create": ("monitor-list",),
    "governance:monitor_edit": ("monitor-detail",),
    "governance:runbook_create": ("runbook-list",),
    "governance:runbook_edit": ("runbook-detail",),
    "governance:utm_builder": ("utm-build",),
    "governance:utm_validator": ("utm-validate", "utm-validate-csv"),
    # enablement (#16)
    "enablement:playbook_create": ("playbook-list",),
    "enablement:playbook_edit": ("playbook-detail",),
    "enablement:playbook_restore": ("playbook-restore",),
    "enablement:course_create": ("course-list",),
    "enablement:course_edit": ("course-detail",),
    "enablement:module_create": ("course-modules",),
    "enablement:module_edit": ("course-module",),
    "enablement:office_hours_create": ("office-hours-list",),
    "enablement:office_hours_edit": ("office-hours-detail",),
    "enablement:session_attendance": ("office-hours-session-attendance",),
    "enablement:session_cancel": ("office-hours-session-cancel",),
    # the tech stack (#14)
    "stack:tool_create": ("stack-tool-list",),
    "stack:tool_edit": ("stack-tool-detail",),
    "stack:tool_import": ("stack-tool-import-csv",),
    "stack:flow_create": ("stack-flow-list",),
    "stack:flow_edit": ("stack-flow-detail",),
    "stack:contract_create": ("stack-contract-list",),
    "stack:contract_edit": ("stack-contract-detail",),
    "stack:contract_detail": ("stack-contract-decide",),
    "stack:seat_upload": ("stack-tool-seats",),
    "stack:review_start": ("stack-access-review-list",),
    "stack:review_detail": ("stack-access-review-attest",),
    "stack:instrument_create": ("stack-instrument-list",),
    "stack:instrument_edit": ("stack-instrument-detail",),
    "stack:instrument_import": ("stack-instrument-import-csv",),
    # intake
    "intake:request_create": ("request-list",),
    "intake:request_edit": ("request-detail",),
    "intake:request_transition": ("request-transition",),
    "intake:request_triage": ("request-detail",),
    "intake:request_comment": ("request-comments",),
    "intake:attachment_upload": ("request-attachments",),
    "intake:scoring": ("scoring-model-list", "scoring-model-detail"),
    "intake:import_list": ("request-import-list",),
    "intake:import_detail": ("request-import-run",),
    # releases
    "releases:train_create": ("train-list",),
    "releases:train_edit": ("train-detail",),
    "releases:departure_detail": ("departure-transition",),
    "releases:request_board": ("departure-board", "boarding-move", "boarding-remove"),
    "releases:request_qa": ("checklist-result-record", "checklist-result-evidence"),
    "releases:template_create": ("checklist-template-list",),
    "releases:template_detail": ("checklist-template-detail", "checklist-template-publish"),
    "releases:freeze_create": ("freeze-list",),
    "releases:freeze_edit": ("freeze-detail",),
    "releases:experiment_create": ("experiment-list",),
    "releases:experiment_edit": ("experiment-detail",),
    "releases:experiment_detail": ("experiment-transition",),
    # notify
    "notify:dead_letters": ("outboxmessage-replay",),
    # metrics
    "metrics:nps_answer": ("metrics-nps-answer",),
    "metrics:impact": ("metrics-impact-refresh",),
    "metrics:impact_roles": ("metrics-impact-roles",),
    "metrics:impact_costs": ("metrics-impact-costs",),
    "metrics:impact_review": ("metrics-impact-review-acknowledge",),
}

# Write pages that manage no admin object, with the reason.
NOT_ADMIN_OBJECTS: dict[str, str] = {
    "login": "session sign-in (the API authenticates with tokens)",
    "logout": "session sign-out",
    "password_reset": "password reset by e-mail",
    "password_reset_confirm": "password reset by e-mail",
    "accept_invite": "an invited person sets their own password",
    "profile": "the user's own profile (read over /api/v1/me/)",
    "people_import": "bulk CSV import of people (#21 import work), users API creates one by one",
    "catalog:service_preview": "renders a draft's request form; stores nothing",
    "catalog:starters": "one-click set-up starters copy demo services; each result is a service",
    "catalog:service_copy": "copy = read a service, POST it as a new one (service-list)",
    "catalog:service_selfserve": "a requester's self-serve completion, not admin configuration",
    "enablement:playbook_feedback": 'a person\'s own "did this help?" (playbook-feedback)',
    "enablement:office_hours": "a person replacing their own office-hours feed address (a secret)",
    "enablement:course_detail": "enrolling oneself in a course (course-enrol)",
    "enablement:module": "answering a quiz oneself (course-submit)",
    "enablement:session_book": "booking oneself a seat (office-hours-session-book)",
    "enablement:session_unbook": "giving back one's own seat (office-hours-session-unbook)",
    "governance:selfserve_field": "HTMX validation of one self-serve field; stores nothing",
    "intake:bulk": "bulk edit of requests = PATCH request-detail per request",
    "intake:saved_views": "a person's own saved filters (their UI state), not an admin object",
    "intake:request_watch": "a person's own watch toggle",
    "releases:calendar": "calendar page's filter form; stores nothing",
    "releases:train_copy": "copy = read a train, POST it as a new one (train-list)",
    "releases:template_copy": "copy = read a checklist template, POST it (checklist-template-list)",
    "releases:rfc_board": "boarding an RFC = departure-board",
    "metrics:nps": "the leadership NPS survey send-out page (surveys are sent by the beat task)",
    # sign-in (#18): allauth's pages, each about the signed-in person's own account
    "account_login": "redirect to the one log-in page",
    "account_logout": "redirect to log-out",
    "account_signup": "local sign-up is closed (redirect to log-in)",
    "account_change_password": "redirect to the profile",
    "account_email": "redirect to the profile",
    "account_reauthenticate": "confirm one's own password before changing one's second factor",
    "mfa_activate_totp": "a person's own second factor",
    "mfa_deactivate_totp": "a person's own second factor",
    "mfa_add_webauthn": "a person's own second factor",
    "mfa_edit_webauthn": "a person's own second factor",
    "mfa_remove_webauthn": "a person's own second factor",
    "mfa_generate_recovery_codes": "a person's own recovery codes",
    "mfa_authenticate": "the second step of a log-in",
    "mfa_reauthenticate": "confirm one's own second factor",
    "mfa_reauthenticate_webauthn": "confirm one's own second factor",
    "socialaccount_connections": "a person's own link to their IdP identity",
    "socialaccount_signup": "first SSO sign-in when the IdP sent no usable name",
    "scim:users": "SCIM 2.0 itself: the IdP's provisioning API (/scim/v2/), not a page",
    "scim:groups": "SCIM 2.0 itself: the IdP's provisioning API (/scim/v2/), not a page",
    "scim:search": "SCIM 2.0 itself: the IdP's provisioning API (/scim/v2/), not a page",
    "scim:users-search": "SCIM 2.0 itself: the IdP's provisioning API (/scim/v2/), not a page",
    "scim:groups-search": "SCIM 2.0 itself: the IdP's provisioning API (/scim/v2/), not a page",
}

# Models registered in the Django admin (/admin/) -> API route names, or a reason.
ADMIN_MODEL_TO_API: dict[str, tuple[str, ...] | str] = {
    "accounts.apitoken": ("token-list", "token-revoke"),
    "accounts.team": ("team-list", "team-detail"),
    "accounts.user": ("user-list", "user-detail"),
    "accounts.idpgroupmapping": ("idp-group-mapping-list", "idp-group-mapping-detail"),
    "accounts.idpgroup": "pushed by the IdP over SCIM (/scim/v2/Groups); read-only in the admin",
    "account.emailaddress": "allauth's record of a person's sign-in address (users API shows it)",
    "mfa.authenticator": "a person's own second factors, enrolled by themselves",
    "socialaccount.socialaccount": "the link of a person to their IdP identity, made at sign-in",
    "socialaccount.socialapp": "SSO providers: SSO_OIDC_PROVIDERS / SSO_SAML_PROVIDERS (config as "
    "code) or this admin form; client secrets are never served over the API",
    "socialaccount.socialtoken": "not stored (SOCIALACCOUNT_STORE_TOKENS is off)",
    "auth.group": "Django permission groups are not used; roles live on the user",
    "axes.accessattempt": "lock-out bookkeeping of django-axes, read-only",
    "axes.accessfailurelog": "lock-out bookkeeping of django-axes, read-only",
    "axes.accesslog": "lock-out bookkeeping of django-axes, read-only",
    "catalog.calendar": ("calendar-list", "calendar-detail"),
    "catalog.service": ("service-list", "service-detail"),
    "catalog.serviceversion": ("service-versions",),
    "catalog.slapolicy": ("sla-policy-list", "sla-policy-detail"),
    "catalog.template": ("template-list", "template-detail"),
    "catalog.templateversion": ("template-versions",),
    "django_celery_beat.clockedschedule": "task schedules are code (CELERY_BEAT_SCHEDULE)",
    "django_celery_beat.crontabschedule": "task schedules are code (CELERY_BEAT_SCHEDULE)",
    "django_celery_beat.intervalschedule": "task schedules are code (CELERY_BEAT_SCHEDULE)",
    "django_celery_beat.periodictask": "task schedules are code (CELERY_BEAT_SCHEDULE)",
    "django_celery_beat.solarschedule": "task schedules are code (CELERY_BEAT_SCHEDULE)",
    "enablement.course": ("course-list", "course-detail", "course-modules"),
    "enablement.playbook": ("playbook-list", "playbook-detail", "playbook-versions"),
    "governance.approval": ("rfc-approvals", "rfc-approve"),
    "governance.approvalpolicy": ("approval-policy-list", "approval-policy-detail"),
    "governance.campaign": ("campaign-list", "campaign-detail"),
    "governance.dataset": ("dataset-list", "dataset-detail"),
    "governance.incident": ("incident-list", "incident-detail"),
    "governance.monitor": ("monitor-list", "monitor-detail"),
    "governance.rfc": ("rfc-list", "rfc-detail"),
    "governance.rfcevent": ("rfc-revisions",),
    "governance.rotation": ("rotation-list", "rotation-detail"),
    "governance.runbook": ("runbook-list", "runbook-detail"),
    "governance.taxonomyversion": ("taxonomy", "taxonomy-versions"),
    "governance.warehouse": ("warehouse-list", "warehouse-detail"),
    "metrics.npsresponse": ("metrics-nps",),
    "metrics.npssurvey": ("metrics-nps",),
    "notify.channel": ("notification-channel-list", "notification-channel-detail"),
    "notify.notification": ("notification-list",),
    "notify.outboxmessage": ("outboxmessage-list", "outboxmessage-replay"),
}

WRITE_METHODS = ("post", "put", "patch", "delete")


def _page_write_routes() -> dict[str, str]:
    """Named non-API, non-admin routes whose class view accepts a write -> their path."""
    found: dict[str, str] = {}

    def walk(patterns: list, prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                full = prefix + str(p.pattern)
                if full.startswith(("api/", "admin/")) or not p.name:
                    continue
                view_class = getattr(p.callback, "view_class", None)
                if view_class is None:
                    continue
                if any(hasattr(view_class, m) for m in WRITE_METHODS):
                    found[f"{namespace}:{p.name}" if namespace else p.name] = full

    walk(get_resolver().url_patterns, "", "")
    return found


def _api_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and prefix.startswith("api/") and p.name:
                names.add(p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_page_write_is_mapped():
    """A page that writes is either mapped to its API routes or set aside with a reason."""
    pages = set(_page_write_routes())
    unmapped = pages - set(PAGE_TO_API) - set(NOT_ADMIN_OBJECTS)
    assert sorted(unmapped) == [], "write pages with no API mapping (add the API, then map it)"
    stale = (set(PAGE_TO_API) | set(NOT_ADMIN_OBJECTS)) - pages
    assert sorted(stale) == [], "table entries for pages that no longer write"
    assert set(PAGE_TO_API).isdisjoint(NOT_ADMIN_OBJECTS)


def test_every_admin_registered_model_is_mapped():
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert sorted(registered - set(ADMIN_MODEL_TO_API)) == []
    assert sorted(set(ADMIN_MODEL_TO_API) - registered) == []


def _expected_api_names() -> list[str]:
    names = {n for names in PAGE_TO_API.values() for n in names}
    names |= {n for v in ADMIN_MODEL_TO_API.values() if isinstance(v, tuple) for n in v}
    return sorted(names)


@pytest.mark.parametrize("api_name", _expected_api_names())
def test_mapped_api_routes_exist(api_name):
    assert api_name in _api_route_names(), f"no API route named {api_name!r}"


def test_api_routes_are_in_the_schema(api_for):
    """Every mapped list route is documented in the OpenAPI schema."""
    schema = api_for("admin").get("/api/v1/schema/?format=json").json()
    paths = set(schema["paths"])
    for name in _expected_api_names():
        if not name.endswith("-list"):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue  # unrouted: test_mapped_api_routes_exist fails on it
        assert url in paths, name


# --- a write through the API works for an admin, and is refused to a PM ------------------------
HOURS = {"0": [["09:00", "17:00"]]}


def _calendar(client) -> int:
    body = {
        "name": "Parity cal",
        "slug": "parity-cal",
        "time_zone": "Europe/Paris",
        "working_hours": HOURS,
    }
    response = client.post("/api/v1/calendars/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


WRITES: dict[str, tuple[str, object]] = {
    "team": ("/api/v1/teams/", lambda c: {"name": "Parity team"}),
    "calendar": (
        "/api/v1/calendars/",
        lambda c: {"name": "Parity", "slug": "parity", "time_zone": "UTC", "working_hours": HOURS},
    ),
    "sla-policy": (
        "/api/v1/sla-policies/",
        lambda c: {"name": "Parity", "slug": "parity", "calendar": _calendar(c)},
    ),
    "freeze": (
        "/api/v1/freezes/",
        lambda c: {
            "name": "Parity freeze",
            "kind": "one_off",
            "starts_at": "2026-12-20T00:00:00Z",
            "ends_at": "2027-01-04T00:00:00Z",
        },
    ),
    "notification-channel": (
        "/api/v1/notification-channels/",
        lambda c: {"name": "Ops mail", "kind": "email", "target": "ops@example.com"},
    ),
}


@pytest.mark.parametrize("obj", sorted(WRITES))
def test_admin_writes_through_the_api(obj, api_for):
    path, make_body = WRITES[obj]
    admin_api = api_for("admin")
    body = make_body(admin_api)  # type: ignore[operator]
    assert api_for("pm").post(path, body, format="json").status_code == 403
    response = admin_api.post(path, body, format="json")
    assert response.status_code == 201, response.json()
