from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.stack import selectors, services
from governance.stack.models import Contract, RenewalAlert, Tool
from mops.core.concurrency import StaleVersion
from mops.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_tool_cannot_be_approved_without_owner_sso_and_data_contract(users):
    with pytest.raises(ValidationError) as caught:
        services.tool_create(
            actor=users["pm"],
            name="Braze",
            layer="map",
            status="approved",
            holds_personal_data=True,
        )
    assert set(caught.value.message_dict) == {"owner", "sso", "data_contract"}
    assert not Tool.objects.exists()


def test_approving_an_existing_tool_rechecks_the_rule_and_records_why(users, data_contract):
    tool = services.tool_create(actor=users["pm"], name="Braze", layer="map")
    with pytest.raises(ValidationError) as caught:
        services.tool_update(tool=tool, actor=users["pm"], status="approved", sso=True)
    assert set(caught.value.message_dict) == {"owner"}
    tool.refresh_from_db()
    assert tool.status == "tolerated" and tool.version == 1
    tool = services.tool_update(
        tool=tool,
        actor=users["pm"],
        expected_version=1,
        status="approved",
        sso=True,
        owner=users["engineer"],
        holds_personal_data=True,
        data_contract=data_contract,
    )
    assert tool.status == "approved" and tool.version == 2
    assert tool.history.first().history_change_reason == "approved by pm"


def test_retiring_needs_a_reason_and_a_stale_version_is_refused(users):
    tool = services.tool_create(actor=users["pm"], name="Old CMS", layer="bi")
    with pytest.raises(ValidationError) as caught:
        services.tool_update(tool=tool, actor=users["pm"], status="retiring")
    assert "status_reason" in caught.value.message_dict
    services.tool_update(tool=tool, actor=users["pm"], purpose="dashboards")
    with pytest.raises(StaleVersion):
        services.tool_update(tool=tool, actor=users["pm"], expected_version=1, purpose="x")


def test_leadership_and_requesters_cannot_edit_the_stack(users):
    for role in ("leadership", "requester", "approver"):
        with pytest.raises(PermissionDenied):
            services.tool_create(actor=users[role], name="X", layer="crm")


CSV_BAD = (
    "name,layer,owner,status,sso,personal_data\n"
    "Salesforce,crm,admin,approved,yes,no\n"
    "Gizmo,spaceship,,tolerated,no,no\n"
    "Braze,map,nobody,approved,maybe,yes\n"
    "Salesforce,crm,,,no,no\n"
)


def test_import_names_each_error_by_line_and_column_and_writes_nothing(users):
    rows = services.tools_import_csv(actor=users["pm"], text=CSV_BAD, commit=True)
    errors = {r.line: r.errors for r in rows}
    assert errors[2] == []
    assert any(e.startswith("layer: 'spaceship' is not one of crm") for e in errors[3])
    assert "owner: no active person 'nobody' (username or e-mail)." in errors[4]
    assert "sso: 'maybe' is not yes or no." in errors[4]
    assert errors[5] == ["name: 'Salesforce' appears twice in the file."]
    assert not Tool.objects.exists()


def test_import_applies_the_approval_rule_per_line(users):
    rows = services.tools_import_csv(
        actor=users["pm"], text="name,layer,status\nBraze,map,approved\n", commit=True
    )
    assert "owner: An approved tool needs an owner." in rows[0].errors
    assert not Tool.objects.exists()


def test_import_previews_then_creates_and_updates_by_name(users):
    Tool.objects.create(name="Looker", layer="bi")
    text = "name,layer,owner,team,sso\nLooker,BI / self-serve,pm,marketing-ops,yes\nDBT,transformation,,,no\n"
    preview = services.tools_import_csv(actor=users["pm"], text=text, commit=False)
    assert [(r.line, r.action, r.errors) for r in preview] == [(2, "update", []), (3, "create", [])]
    assert Tool.objects.count() == 1
    services.tools_import_csv(actor=users["pm"], text=text, commit=True)
    looker = Tool.objects.get(name="Looker")
    assert looker.sso and looker.owner == users["pm"] and looker.team.slug == "marketing-ops"
    assert Tool.objects.filter(name="DBT", layer="transformation").exists()


def test_import_without_the_required_columns_is_a_file_error(users):
    with pytest.raises(ValidationError) as caught:
        services.tools_import_csv(actor=users["pm"], text="title\nx\n", commit=False)
    assert "Line 1" in caught.value.message_dict["file"][0]


def _contract(users, tool, *, ends_on, notice_days=30):
    return services.contract_create(
        actor=users["pm"],
        tool=tool,
        vendor="V",
        starts_on=date(2026, 1, 1),
        ends_on=ends_on,
        annual_cost=Decimal("1000"),
        notice_days=notice_days,
    )


def test_renewal_alerts_go_once_per_threshold_across_runs(users):
    tool = Tool.objects.create(name="Marketo", layer="map", owner=users["engineer"])
    contract = _contract(users, tool, ends_on=date(2026, 12, 31), notice_days=31)  # deadline Nov 30
    at = datetime(2026, 1, 1, 12, tzinfo=__import__("zoneinfo").ZoneInfo("UTC"))
    assert services.renewal_alerts_send(today=date(2026, 8, 1), now=at) == 0  # 121 days out
    assert services.renewal_alerts_send(today=date(2026, 9, 1), now=at) == 1  # 90
    # a second beat, or a worker restarted from scratch, sends nothing again
    assert services.renewal_alerts_send(today=date(2026, 9, 1), now=at) == 0
    assert services.renewal_alerts_send(today=date(2026, 9, 20), now=at) == 0
    assert services.renewal_alerts_send(today=date(2026, 10, 5), now=at) == 1  # 56 days: 60
    assert services.renewal_alerts_send(today=date(2026, 11, 10), now=at) == 1  # 20 days: 30
    assert services.renewal_alerts_send(today=date(2026, 11, 11), now=at) == 0
    sent = sorted(
        RenewalAlert.objects.filter(contract=contract).values_list("days_before", flat=True)
    )
    assert sent == [30, 60, 90]
    mails = OutboxMessage.objects.filter(idempotency_key__startswith="stack-renewal:")
    assert mails.count() == 3 and set(mails.values_list("target", flat=True)) == {
        users["engineer"].email
    }


def test_a_new_term_gets_its_own_alerts(users):
    tool = Tool.objects.create(name="Marketo", layer="map", owner=users["engineer"])
    contract = _contract(users, tool, ends_on=date(2026, 12, 31))
    services.renewal_alerts_send(today=date(2026, 11, 20))
    services.contract_update(contract=contract, actor=users["pm"], ends_on=date(2027, 12, 31))
    assert services.renewal_alerts_send(today=date(2027, 11, 20)) == 1
    assert RenewalAlert.objects.filter(contract=contract).count() == 2


def test_renewal_decision_needs_a_reason(users, stack):
    with pytest.raises(ValidationError) as caught:
        services.renewal_decide(
            contract=stack["contract"], actor=users["pm"], decision="cancel", reason=" "
        )
    assert "reason" in caught.value.message_dict
    record = services.renewal_decide(
        contract=stack["contract"], actor=users["pm"], decision="renegotiate", reason="3 seats idle"
    )
    assert record.decided_by == users["pm"]


def test_contract_term_must_end_after_it_starts(users, stack):
    with pytest.raises(ValidationError) as caught:
        _contract(users, stack["map"], ends_on=date(2025, 1, 1))
    assert "ends_on" in caught.value.message_dict
    assert Contract.objects.count() == 1


def test_dependents_list_flows_monitors_and_contracts(stack, data_contract):
    found = selectors.tool_dependents(stack["map"])
    assert {f.pk for f in found.flows} == {stack["synced"].pk, stack["custom"].pk}
    assert [m.name for m in found.monitors] == ["CRM sync"]
    assert found.data_contracts == [data_contract]
    assert found.contracts == [stack["contract"]]


def test_golden_path_counts_approved_tools_and_patterns(stack):
    assert selectors.golden_path_summary() == {"total": 2, "golden": 1}


def test_map_marks_the_edge_of_a_failing_flow(stack):
    drawing = selectors.integration_map()
    css = {e.flow_id: e.css for e in drawing.edges}
    assert css[stack["synced"].pk] == "down"
    assert css[stack["custom"].pk] == "unmonitored offpath"
    assert [e.flow_id for e in selectors.integration_map(golden_only=True).edges] == [
        stack["synced"].pk
    ]


def test_seat_export_errors_by_line_change_nothing(users, stack):
    services.seats_import(
        tool=stack["map"], actor=users["pm"], text="email,last_active\nann@x.com,2026-05-30\n"
    )
    lines = services.seats_import(
        tool=stack["map"],
        actor=users["pm"],
        text="email,last_active\nbob@x.com,yesterday\nnot-an-email,\nbob@x.com,\n",
    )
    errors = {line.line: line.errors for line in lines}
    assert errors[2] == ["last_active: 'yesterday' is not a date (YYYY-MM-DD)."]
    assert errors[3] == ["email: 'not-an-email' is not an e-mail address."]
    assert errors[4] == ["email: bob@x.com appears twice in the file."]
    assert list(stack["map"].seats.values_list("email", flat=True)) == ["ann@x.com"]


def test_utilisation_counts_active_seats_and_prices_the_unused(users, stack):
    today = date(2026, 6, 1)
    rows = ["email,permission_level,last_active"]
    rows += [f"a{i}@x.com,user,2026-05-20" for i in range(5)]  # active in 30 days
    rows += [f"b{i}@x.com,user,2026-04-01" for i in range(2)]  # active in 90 days only
    rows += ["c@x.com,admin,"]  # never
    services.seats_import(tool=stack["map"], actor=users["pm"], text="\n".join(rows))
    contract = stack["contract"]
    contract.seats_bought, contract.annual_cost = 10, Decimal("1000")
    contract.save()
    row = selectors.utilisation(today=today).get(pk=stack["map"].pk)
    assert (row.bought, row.assigned, row.active_30, row.active_90) == (10, 8, 5, 7)
    assert row.utilisation == 50.0 and row.unused == 5
    assert row.unused_cost == Decimal("500.00") and row.below is True


def test_utilisation_threshold_is_a_setting(users, stack, settings):
    services.seats_import(
        tool=stack["map"],
        actor=users["pm"],
        text="email,last_active\n" + "\n".join(f"a{i}@x.com,2026-05-20" for i in range(20)),
    )
    settings.STACK_UTILISATION_THRESHOLD = 70  # 20 of 25 seats active: 80%
    assert not selectors.utilisation(today=date(2026, 6, 1)).get(pk=stack["map"].pk).below
    settings.STACK_UTILISATION_THRESHOLD = 90
    assert selectors.utilisation(today=date(2026, 6, 1)).get(pk=stack["map"].pk).below


def _review(users, stack, emails=("a@x.com", "b@x.com")):
    services.seats_import(
        tool=stack["map"],
        actor=users["pm"],
        text="email,permission_level\n" + "\n".join(f"{e},admin" for e in emails),
    )
    return services.access_review_start(
        tool=stack["map"], actor=users["pm"], due_on=date(2099, 1, 1)
    )


def test_access_review_completes_when_the_owner_attested_every_holder(users, stack):
    review = _review(users, stack)
    first, second = review.items.order_by("email")
    with pytest.raises(PermissionDenied):  # the PM is not Marketo's owner
        services.access_review_attest(item=first, actor=users["pm"], decision="keep")
    with pytest.raises(ValidationError) as caught:
        services.access_review_attest(item=first, actor=users["engineer"], decision="remove")
    assert "reason" in caught.value.message_dict
    services.access_review_attest(item=first, actor=users["engineer"], decision="keep")
    row = selectors.access_reviews().get(pk=review.pk)
    assert (row.holders, row.decided, row.completion, row.completed_at) == (2, 1, 50.0, None)
    services.access_review_attest(
        item=second, actor=users["engineer"], decision="reduce", reason="Needs user, not admin"
    )
    review.refresh_from_db()
    assert review.completed_at is not None
    with pytest.raises(ValidationError):
        services.access_review_attest(item=second, actor=users["engineer"], decision="keep")


def test_one_open_review_per_tool_and_reminders_once_a_day(users, stack):
    review = _review(users, stack)
    with pytest.raises(ValidationError):
        services.access_review_start(tool=stack["map"], actor=users["pm"], due_on=date(2099, 1, 1))
    day = date(2098, 12, 25)  # 7 days before
    assert services.access_review_reminders_send(today=day) == 1
    services.access_review_reminders_send(today=day)
    assert OutboxMessage.objects.filter(idempotency_key__startswith="stack-review:").count() == 1
    assert services.access_review_reminders_send(today=date(2098, 12, 26)) == 0
    assert review.pk


def test_map_svg_escapes_tool_names(stack):
    stack["point"].name = '<script>alert("x")</script>'
    stack["point"].save()
    svg = selectors.integration_map_svg(selectors.integration_map())
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert f'href="/governance/stack/flows/{stack["synced"].pk}/"' in svg
