"""Catalog pages: browse/search, detail, the service editor with preview, calendars,
policies and templates; role checks and clear errors."""

import json
import re
from html import unescape

import pytest

from catalog.models import Calendar, Service, SlaPolicy, Template

from .conftest import DEFINITION

pytestmark = pytest.mark.django_db


def editor_data(policy, fields, **overrides):
    """POST data for the service editor: the service form plus the definition formset."""
    data = {
        "name": "Webinar promo",
        "slug": "",
        "description": "Promote a webinar.",
        "channels": ["email", "webinar"],
        "change_type": "new_campaign",
        "default_complexity": "simple",
        "sla_policy": str(policy.pk),
        "changelog": "First cut",
        "self_serve_tool": "guide",  # the editor always posts its select
        "fields-TOTAL_FORMS": str(len(fields)),
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "1000",
    }
    for i, field in enumerate(fields):
        row = {"type": "text", "ORDER": str(i + 1), "cond_join": "all"} | field
        for name, value in row.items():
            data[f"fields-{i}-{name}"] = value
    data.update(overrides)
    return data


CONDITIONAL_FIELDS = [
    {"key": "format", "label": "Format", "type": "choice", "choices": "Live\nOn demand"},
    {
        "key": "live_date",
        "label": "Live date",
        "type": "date",
        "required": "on",
        "cond_field_1": "format",
        "cond_op_1": "eq",
        "cond_value_1": "Live",
    },
]


def no_inline_scripts(html: str) -> bool:
    return not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


# --- browsing -----------------------------------------------------------------------------


def test_requesters_browse_active_services_only(client_for, service, draft_service):
    html = client_for("requester").get("/catalog/").content.decode()
    assert "Launch a campaign" in html and "simple: 2 business days" in html
    assert "Secret draft" not in html
    assert (
        client_for("requester").get("/catalog/?status=draft").content.decode().count("Secret draft")
        == 0
    )
    assert client_for("requester").get("/catalog/secret-draft/").status_code == 404
    assert "Secret draft" in client_for("pm").get("/catalog/").content.decode()
    assert client_for("pm").get("/catalog/secret-draft/").status_code == 200


@pytest.mark.parametrize(
    "query,found",
    [
        ({"q": "launch"}, True),
        ({"q": "PLAN AND"}, True),  # description, any case
        ({"q": "nurture"}, False),
        ({"channel": "paid_social"}, True),
        ({"channel": "sms"}, False),
        ({"self_serve": "true"}, False),
        ({"self_serve": "false"}, True),
    ],
)
def test_search_and_filters(client_for, service, query, found):
    html = client_for("requester").get("/catalog/", query).content.decode()
    assert ("Launch a campaign" in html) is found


def test_catalog_list_query_count_is_constant(
    client_for, demo_catalog, django_assert_max_num_queries
):
    client = client_for("requester")
    client.get("/catalog/")  # warm-up (session, roles)
    with django_assert_max_num_queries(12):
        response = client.get("/catalog/")
    assert response.content.decode().count("<tr>") >= 8


def test_detail_shows_what_it_needs_and_how_long(client_for, service):
    response = client_for("requester").get("/catalog/launch-a-campaign/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "simple: 2 business days" in html
    assert "standard: 5 business days" in html and "complex: 15 business days" in html
    assert "triage within 4 business hours" in html
    assert "Audience size" in html and "only when Channel is E-mail" in html
    conditions = re.findall(r'data-condition="([^"]+)"', html)
    assert [json.loads(unescape(c)) for c in conditions] == [
        {"field": "channel", "op": "eq", "value": "E-mail"}
    ]
    assert "catalog/conditions.js" in html and no_inline_scripts(html)
    assert "Edit" not in re.sub(r"<[^>]+>", " ", html).split()  # no edit for requesters


# --- the editor ---------------------------------------------------------------------------


def test_only_admins_and_pms_open_the_editor(client_for, service):
    for role, code in [("requester", 403), ("engineer", 403), ("leadership", 403)]:
        assert client_for(role).get("/catalog/services/new/").status_code == code
    for role in ("admin", "pm"):
        html = client_for(role).get("/catalog/launch-a-campaign/edit/").content.decode()
        # The condition's field is a pick-list of the form's other fields (issue 20), not a
        # typed key: the saved condition's field is the selected option.
        select = re.search(r'<select name="fields-1-cond_field_1"[^>]*>(.*?)</select>', html, re.S)
        assert select and '<option value="channel" selected>' in select.group(1)
        assert '<option value="audience_size"' not in select.group(1)  # not itself
        assert no_inline_scripts(html)


def test_admin_creates_a_service_with_a_conditional_field(client_for, policy):
    response = client_for("admin").post(
        "/catalog/services/new/", editor_data(policy, CONDITIONAL_FIELDS, intent="publish")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    service = Service.objects.get(slug="webinar-promo")
    assert service.status == "active"
    assert service.channels == ["email", "webinar"]
    assert service.input_definition == [
        {"key": "format", "label": "Format", "type": "choice", "choices": ["Live", "On demand"]},
        {
            "key": "live_date",
            "label": "Live date",
            "type": "date",
            "required": True,
            "condition": {"field": "format", "op": "eq", "value": "Live"},
        },
    ]
    assert service.current_version.number == 1
    assert service.current_version.changelog == "First cut"


def test_editor_reorders_deletes_and_combines_conditions(client_for, policy):
    fields = [
        {
            "key": "c",
            "label": "C",
            "ORDER": "3",
            "cond_join": "any",
            "cond_field_1": "a",
            "cond_op_1": "set",
            "cond_field_2": "b",
            "cond_op_2": "in",
            "cond_value_2": "x, y",
        },
        {"key": "a", "label": "A", "ORDER": "1"},
        {"key": "gone", "label": "Gone", "ORDER": "2", "DELETE": "on"},
        {"key": "b", "label": "B", "ORDER": "2"},
    ]
    response = client_for("pm").post("/catalog/services/new/", editor_data(policy, fields))
    assert response.status_code == 302
    definition = Service.objects.get(slug="webinar-promo").input_definition
    assert [f["key"] for f in definition] == ["a", "b", "c"]
    assert definition[2]["condition"] == {
        "any": [{"field": "a", "op": "set"}, {"field": "b", "op": "in", "value": ["x", "y"]}]
    }


@pytest.mark.parametrize(
    "fields,message",
    [
        (
            [
                {"key": "a", "label": "A", "cond_field_1": "b", "cond_op_1": "set"},
                {"key": "b", "label": "B"},
            ],
            "Field 1 (a): the condition refers to &#x27;b&#x27;, which comes later",
        ),
        (
            [{"key": "a", "label": "A"}, {"key": "a", "label": "Again"}],
            "Field 2 (a): duplicate key &#x27;a&#x27;.",
        ),
        (
            [{"key": "a", "label": "A", "type": "choice", "choices": ""}],
            "Field 1 (a): a choice field needs choices.",
        ),
        (
            [{"key": "a", "label": "A", "cond_field_1": "ghost", "cond_op_1": "set"}],
            "which is not a field",
        ),
        (
            [{"key": "a", "label": "A", "type": "number", "min": "9", "max": "1"}],
            "max (1) is below min (9)",
        ),
        ([{"key": "a", "label": "A", "cond_field_1": "x"}], "needs both a field and an operator"),
        ([{"key": "a", "label": "A", "condition_json": "{oops"}], "Not valid JSON"),
        ([], "Add at least one field."),
    ],
)
def test_bad_definitions_get_clear_errors_next_to_the_field(client_for, policy, fields, message):
    response = client_for("admin").post("/catalog/services/new/", editor_data(policy, fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Service.objects.filter(slug="webinar-promo").exists()


def test_editing_keeps_old_versions_and_refuses_stale_forms(client_for, service, policy):
    client = client_for("admin")
    fields = [
        {"key": "channel", "label": "Channel", "type": "choice", "choices": "E-mail\nPaid social"},
        {"key": "budget", "label": "Budget", "type": "number", "min": "0"},
    ]
    data = editor_data(
        policy,
        fields,
        name=service.name,
        slug=service.slug,
        revision=str(service.revision),
        changelog="Budget instead of size",
    )
    assert client.post("/catalog/launch-a-campaign/edit/", data).status_code == 302
    service.refresh_from_db()
    assert service.current_version.number == 2
    assert service.versions.get(number=1).input_definition == DEFINITION
    stale = client.post("/catalog/launch-a-campaign/edit/", data)  # the old revision again
    assert stale.status_code == 412
    assert "changed by someone else" in stale.content.decode()


def test_preview_renders_the_request_form_with_conditions(client_for, policy):
    response = client_for("admin").post(
        "/catalog/services/preview/",
        editor_data(policy, CONDITIONAL_FIELDS),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview: the request form" in html
    assert '<select name="format"' in html and 'type="date"' in html
    assert (
        'data-condition="{&quot;field&quot;:&quot;format&quot;,&quot;op&quot;:&quot;eq&quot;'
        in html
    )
    assert "Asked only when Format is Live." in html
    bad = client_for("admin").post(
        "/catalog/services/preview/",
        editor_data(policy, [{"key": "a", "label": "A", "type": "choice"}]),
    )
    assert "a choice field needs choices" in bad.content.decode()


def test_publish_and_retire_buttons(client_for, draft_service):
    client = client_for("pm")
    assert client.post("/catalog/secret-draft/publish/").status_code == 302
    assert Service.objects.get(slug="secret-draft").status == "active"
    client.post("/catalog/secret-draft/retire/")
    assert Service.objects.get(slug="secret-draft").status == "retired"
    assert client_for("requester").post("/catalog/secret-draft/publish/").status_code == 403


# --- answers form -------------------------------------------------------------------------


def test_build_answers_form_validates_like_inputdef():
    from catalog.forms import build_answers_form

    form = build_answers_form(DEFINITION, data={"channel": "Paid social", "audience_size": "x"})
    assert form.is_valid(), form.errors
    assert form.answers == {"channel": "Paid social"}  # the hidden field's value is dropped
    form = build_answers_form(DEFINITION, data={"channel": "E-mail"})
    assert not form.is_valid()
    assert form.errors == {"audience_size": ["This field is required."]}
    form = build_answers_form(DEFINITION, data={"channel": "Fax"})
    assert not form.is_valid() and "is not one of the choices" in form.errors["channel"][0]


# --- calendars and policies ---------------------------------------------------------------


def calendar_data(**overrides):
    data = {
        "name": "Sydney",
        "slug": "",
        "time_zone": "Australia/Sydney",
        "holiday_country": "AU",
        "holiday_subdivision": "NSW",
        "closed_days": "2025-12-24 Christmas Eve\n2025-12-31",
    }
    data |= {f"day_{d}": "08:30-12:00, 13:00-17:00" for d in range(5)}
    return data | overrides


def test_admin_creates_a_calendar(client_for):
    response = client_for("admin").post("/catalog/sla/calendars/new/", calendar_data())
    assert response.status_code == 302
    calendar = Calendar.objects.get(slug="sydney")
    assert calendar.working_hours["0"] == [["08:30", "12:00"], ["13:00", "17:00"]]
    assert calendar.holiday_regions == ["AU-NSW"]
    assert [c.name for c in calendar.closed_days.all()] == ["Christmas Eve", "Company closed day"]
    detail = client_for("pm").get("/catalog/sla/calendars/sydney/").content.decode()
    assert "08:30–12:00, 13:00–17:00" in detail and "a business day is 7.5 hours" in detail


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"day_1": "09:00-13:00, 12:00-17:00"}, "Tuesday: 09:00–13:00 overlaps 12:00–17:00"),
        ({"day_2": "17:00-09:00"}, "Wednesday: 17:00–09:00 ends before it starts"),
        ({"day_3": "09:00-25:00"}, "Thursday: &#x27;25:00&#x27; is not a time of day"),
        ({"day_4": "all day"}, "&#x27;all day&#x27; is not an interval like 09:00-17:00"),
        ({"holiday_country": "Narnia"}, "&#x27;Narnia&#x27; is not a country"),
        ({"holiday_country": "US", "holiday_subdivision": "%"}, "&#x27;%&#x27; is not a region"),
        ({"closed_days": "24.12.2025 Eve"}, "Line 1: &#x27;24.12.2025&#x27; is not a date"),
        ({f"day_{d}": "" for d in range(5)}, "Open at least one interval"),
    ],
)
def test_calendar_form_errors_are_clear(client_for, overrides, message):
    response = client_for("admin").post("/catalog/sla/calendars/new/", calendar_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()


def test_calendars_and_policies_are_for_admins_to_edit(client_for, policy):
    assert client_for("pm").get("/catalog/sla/calendars/new/").status_code == 403
    assert client_for("pm").get("/catalog/sla/policies/new/").status_code == 403
    html = client_for("pm").get("/catalog/sla/").content.decode()
    assert "Standard" in html and "simple: 2 business days" in html


def test_admin_edits_a_policy(client_for, policy):
    data = {
        "name": "Standard",
        "slug": "standard",
        "description": "",
        "calendar": str(policy.calendar_id),
        "triage_hours_simple": "4",
        "triage_hours_standard": "4",
        "triage_hours_complex": "8",
        "delivery_hours_simple": "24",
        "delivery_hours_standard": "40",
        "delivery_hours_complex": "120",
        "at_risk_percent": "80",
    }
    assert client_for("admin").post("/catalog/sla/policies/standard/edit/", data).status_code == 302
    policy.refresh_from_db()
    assert policy.describe_hours(policy.delivery_hours("simple")) == "3 business days"
    assert policy.at_risk_ratio == 0.8
    bad = client_for("admin").post(
        "/catalog/sla/policies/standard/edit/", data | {"at_risk_percent": "120"}
    )
    assert bad.status_code == 400
    assert SlaPolicy.objects.get(pk=policy.pk).at_risk_percent == 80


# --- templates ----------------------------------------------------------------------------


def test_templates_publish_and_rollback_pages(client_for, template):
    client = client_for("pm")
    response = client.post(
        "/catalog/templates/nurture/publish/",
        {"content": "Every 10 days", "spec": '{"cadence_days": 10}', "changelog": "Slower"},
    )
    assert response.status_code == 302
    assert (
        client.post("/catalog/templates/nurture/rollback/", {"to_number": "1"}).status_code == 302
    )
    template.refresh_from_db()
    assert template.current_version.number == 3
    assert template.current_version.spec == {"cadence_days": 7}
    html = client.get("/catalog/templates/nurture/").content.decode()
    assert "restored from v1" in html


def test_template_rollback_to_a_missing_version_is_a_clear_error(client_for, template):
    response = client_for("admin").post("/catalog/templates/nurture/rollback/", {"to_number": "9"})
    assert response.status_code == 400
    assert "Nurture has no version 9 (versions: v1)." in response.content.decode()
    assert Template.objects.get(pk=template.pk).versions.count() == 1


def test_template_spec_must_be_a_json_object(client_for, template):
    response = client_for("admin").post(
        "/catalog/templates/nurture/publish/", {"spec": "[1, 2]", "changelog": "x"}
    )
    assert response.status_code == 400
    assert "The spec must be a JSON object" in response.content.decode()


def test_admin_creates_a_template_with_version_1(client_for):
    response = client_for("admin").post(
        "/catalog/templates/new/",
        {
            "name": "Event follow-up",
            "slug": "event-follow-up",
            "kind": "other",
            "channel": "email",
            "content": "Thank-you e-mail the next morning.",
            "spec": "",
            "changelog": "First version.",
        },
    )
    assert response.status_code == 302
    assert Template.objects.get(slug="event-follow-up").current_version.number == 1


def test_every_catalog_page_renders_for_staff(client_for, demo_catalog):
    client = client_for("admin")
    for url in [
        "/catalog/",
        "/catalog/services/new/",
        "/catalog/build-a-nurture/",
        "/catalog/build-a-nurture/edit/",
        "/catalog/sla/",
        "/catalog/sla/calendars/berlin/",
        "/catalog/sla/calendars/berlin/edit/",
        "/catalog/sla/policies/standard/edit/",
        "/catalog/sla/policies/new/",
        "/catalog/templates/",
        "/catalog/templates/nurture/",
        "/catalog/templates/nurture/edit/",
        "/catalog/templates/nurture/publish/",
        "/catalog/templates/new/",
        "/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_inline_scripts(response.content.decode()), url


def test_detail_links_to_the_request_form_and_drafts_show_on_the_pm_home(
    client_for, service, draft_service
):
    html = client_for("requester").get("/catalog/launch-a-campaign/").content.decode()
    assert 'href="/requests/new/launch-a-campaign/"' in html
    staff = client_for("pm").get("/catalog/secret-draft/").content.decode()
    assert "/requests/new/secret-draft/" not in staff  # drafts cannot be requested
    home = client_for("pm").get("/").content.decode()
    assert "Draft services" in home and "Secret draft" in home
    assert "Draft services" not in client_for("requester").get("/").content.decode()
