"""Tech-stack figures against hand-worked values (day: Fri 15 May 2026, quarter 2026-Q2 =
1 Apr – 30 Jun, America/New_York).

Tools (in use = approved + tolerated + retiring):
    CRM  Salesforce approved, HubSpot tolerated            → 2 in use, sprawl
    MAP  Marketo approved, Webinar Buddy tolerated,
         Old MAP retiring                                  → 3 in use, sprawl
    CDP  Segment approved, Clearbit under evaluation       → 1 in use (1 evaluating)
    BI   Tableau rejected                                  → 0 in use
    6 tools in use, 2 layers with sprawl.

Contracts (in force on the day: start ≤ day ≤ end):
    Salesforce 2026-01-01…2026-12-31  120,000 USD  10 seats   in force
    Marketo    2025-06-01…2026-05-31   95,000 USD  20 seats   in force, ends in Q2
    Marketo    2026-06-01…2027-05-31   99,000 USD  20 seats   signed renewal, not yet in force
    Webinar B. 2026-04-01…2026-06-30    6,000 EUR  10 seats   in force, ends in Q2, decided
    HubSpot    2025-01-01…2025-12-31   20,000 USD             expired
    Segment    2026-03-01…2027-02-28   50,000 USD   0 seats   in force
    Spend: CRM 120,000 USD; MAP 95,000 USD + 6,000 EUR; CDP 50,000 USD.

Seats (active = last active after 2026-04-15):
    Salesforce 6 active of 10 bought → 4 unused × 120,000 / 10 = 48,000.00 USD
    Marketo    5 active of 20 (largest current contract: 99,000) → 15 × 99,000 / 20
               = 74,250.00 USD
    Webinar B. 1 active of 10 → 9 × 6,000 / 10 = 5,400.00 EUR
    Utilisation 12 / 40 = 30.0 %; 28 unused; 122,250.00 USD + 5,400.00 EUR.

Renewals this quarter: Marketo (95,000 USD, undecided), Webinar Buddy (6,000 EUR,
decided) → 2, 1 undecided.

Access reviews due in Q2: Salesforce (4 holders, 3 attested, open), Marketo (2 of 2,
complete) → 5 / 6 = 83.3 %, 1 of 2 complete; Webinar Buddy due 20 Mar, open → 1 overdue.

Golden path: flow F1 Salesforce → Marketo native (golden), F2 Webinar Buddy → Marketo
custom code (off path). "launch" runs through F1; "utm" through F1 and F2; "field" none.
Went live in Q2 (New York): L1 launch 10 Apr, L2 launch 30 Jun 23:30 (03:30 UTC on 1 Jul),
U1 utm 1 May, N1 field 2 May → 4 live, 3 mapped, 2 golden = 66.7 %. Not counted: launch
31 Mar 23:00 (Q1 in New York although 1 Apr in UTC), launch 1 Jul 00:30, a launch not live.
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalog.services import service_create, service_publish
from governance.stack.models import (
    AccessReview,
    AccessReviewItem,
    Contract,
    Flow,
    RenewalDecision,
    Seat,
    Tool,
)
from intake.models import Request
from metrics.stack.figures import stack_figures
from tests.metrics.conftest import WHAT

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
DAY = date(2026, 5, 15)


def _contract(tool, start, end, cost, seats=0, currency="USD"):
    return Contract.objects.create(
        tool=tool,
        vendor=tool.name,
        starts_on=date.fromisoformat(start),
        ends_on=date.fromisoformat(end),
        annual_cost=Decimal(cost),
        currency=currency,
        seats_bought=seats,
    )


def _seats(tool, active, idle):
    now = datetime(2026, 5, 15, tzinfo=NY)
    rows = [Seat(tool=tool, email=f"a{i}@x.com", last_active_on=date(2026, 5, 10), imported_at=now)
            for i in range(active)]  # fmt: skip
    rows += [
        Seat(tool=tool, email="edge@x.com", last_active_on=date(2026, 4, 15), imported_at=now),
        Seat(tool=tool, email="never@x.com", imported_at=now),
    ][:idle]
    Seat.objects.bulk_create(rows)


def _review(tool, due, holders, attested, complete=False):
    review = AccessReview.objects.create(
        tool=tool,
        due_on=date.fromisoformat(due),
        completed_at=datetime(2026, 5, 1, tzinfo=NY) if complete else None,
    )
    for i in range(holders):
        AccessReviewItem.objects.create(
            review=review, email=f"h{i}@x.com", decision="keep" if i < attested else ""
        )


def _live(service, users, at):
    return Request.objects.create(
        title="r",
        service=service,
        service_version=service.current_version,
        requester=users["requester"],
        team=users["requester"].team,
        status="live" if at else "in_progress",
        complexity="standard",
        live_at=at,
    )


@pytest.fixture
def stack(users):
    owner = users["admin"]

    def tool(name, layer, status, **kw):
        reason = {"status_reason": "why"} if status in ("retiring", "rejected") else {}
        return Tool.objects.create(name=name, layer=layer, status=status, owner=owner, sso=True,
                                   **reason, **kw)  # fmt: skip

    t = {
        "sf": tool("Salesforce", "crm", "approved"),
        "hubspot": tool("HubSpot", "crm", "tolerated"),
        "marketo": tool("Marketo", "map", "approved"),
        "webinar": tool("Webinar Buddy", "map", "tolerated"),
        "oldmap": tool("Old MAP", "map", "retiring"),
        "segment": tool("Segment", "cdp", "approved"),
        "clearbit": tool("Clearbit", "cdp", "evaluating"),
        "tableau": tool("Tableau", "bi", "rejected"),
    }
    _contract(t["sf"], "2026-01-01", "2026-12-31", "120000", 10)
    _contract(t["marketo"], "2025-06-01", "2026-05-31", "95000", 20)
    _contract(t["marketo"], "2026-06-01", "2027-05-31", "99000", 20)
    webinar = _contract(t["webinar"], "2026-04-01", "2026-06-30", "6000", 10, "EUR")
    RenewalDecision.objects.create(
        contract=webinar, decision="cancel", reason="unused", decided_by=owner,
        decided_at=datetime(2026, 5, 1, tzinfo=NY),
    )  # fmt: skip
    _contract(t["hubspot"], "2025-01-01", "2025-12-31", "20000", 5)
    _contract(t["segment"], "2026-03-01", "2027-02-28", "50000", 0)
    _seats(t["sf"], 6, 2)
    _seats(t["marketo"], 5, 0)
    _seats(t["webinar"], 1, 1)
    _review(t["sf"], "2026-05-20", 4, 3)
    _review(t["marketo"], "2026-06-10", 2, 2, complete=True)
    _review(t["webinar"], "2026-03-20", 1, 0)
    return t


@pytest.fixture
def live_requests(stack, catalog, users):
    field = service_publish(
        service=service_create(
            actor=users["admin"], name="Field event", slug="field",
            sla_policy=catalog["launch"].sla_policy, input_definition=WHAT,
        ),
        actor=users["admin"],
    )  # fmt: skip
    golden = Flow.objects.create(source=stack["sf"], target=stack["marketo"],
                                 objects_synced="leads", pattern="native")  # fmt: skip
    custom = Flow.objects.create(source=stack["webinar"], target=stack["marketo"],
                                 objects_synced="registrants", pattern="custom")  # fmt: skip
    golden.services.set([catalog["launch"], catalog["utm"]])
    custom.services.set([catalog["utm"]])
    launch, utm = catalog["launch"], catalog["utm"]
    for service, at in [
        (launch, datetime(2026, 4, 10, 12, tzinfo=NY)),
        (launch, datetime(2026, 6, 30, 23, 30, tzinfo=NY)),
        (utm, datetime(2026, 5, 1, 12, tzinfo=NY)),
        (field, datetime(2026, 5, 2, 12, tzinfo=NY)),
        (launch, datetime(2026, 3, 31, 23, tzinfo=NY)),
        (launch, datetime(2026, 7, 1, 0, 30, tzinfo=NY)),
        (launch, None),
    ]:
        _live(service, users, at)


@pytest.fixture(autouse=True)
def _new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def test_tools_per_layer_count_tools_in_use_and_flag_sprawl(stack):
    f = stack_figures(day=DAY)
    by_layer = {r.layer: (r.in_use, r.approved, r.tolerated, r.retiring, r.evaluating)
                for r in f.layers}  # fmt: skip
    assert by_layer["crm"] == (2, 1, 1, 0, 0)
    assert by_layer["map"] == (3, 1, 1, 1, 0)
    assert by_layer["cdp"] == (1, 1, 0, 0, 1)
    assert by_layer["bi"] == (0, 0, 0, 0, 0)
    assert len(f.layers) == 10 and by_layer["warehouse"] == (0, 0, 0, 0, 0)
    assert (f.tools_in_use, f.sprawl_layers) == (6, 2)


def test_spend_per_layer_counts_contracts_in_force_per_currency(stack):
    f = stack_figures(day=DAY)
    assert [(r["layer"], r["currency"], r["amount"]) for r in f.spend] == [
        ("crm", "USD", Decimal("120000.00")),
        ("map", "EUR", Decimal("6000.00")),
        ("map", "USD", Decimal("95000.00")),
        ("cdp", "USD", Decimal("50000.00")),
    ]


def test_licence_utilisation_and_unused_seat_cost(stack):
    f = stack_figures(day=DAY)
    assert (f.seats_bought, f.seats_active, f.seats_unused) == (40, 12, 28)
    assert f.utilisation == 30.0
    assert f.unused_cost == [("EUR", Decimal("5400.00")), ("USD", Decimal("122250.00"))]


def test_renewals_due_this_quarter(stack):
    f = stack_figures(day=DAY)
    assert (f.quarter, f.renewals, f.renewals_undecided) == ("2026-Q2", 2, 1)
    assert f.renewals_cost == [("EUR", Decimal("6000.00")), ("USD", Decimal("95000.00"))]


def test_access_review_completion_of_reviews_due_this_quarter(stack):
    f = stack_figures(day=DAY)
    assert (f.reviews, f.reviews_complete, f.review_holders, f.review_attested) == (2, 1, 6, 5)
    assert f.review_completion == 83.3
    assert f.reviews_overdue == 1


def test_golden_path_share_of_requests_live_this_quarter(live_requests):
    f = stack_figures(day=DAY)
    assert (f.live_requests, f.mapped_requests, f.golden_requests) == (4, 3, 2)
    assert (f.unmapped_requests, f.golden_path_share) == (1, 66.7)


def test_empty_stack_has_no_percentages(db):
    f = stack_figures(day=DAY)
    assert (f.utilisation, f.review_completion, f.golden_path_share) == (None, None, None)
    assert f.unused_cost == [] and f.spend == [] and f.tools_in_use == 0


def test_api_returns_the_same_figures_with_definitions(live_requests, api_for):
    body = api_for("leadership").get("/api/v1/metrics/stack/?day=2026-05-15").json()
    assert body["quarter"] == "2026-Q2"
    assert body["licence_utilisation"] == 30.0
    assert body["unused_seat_cost"] == [
        {"currency": "EUR", "amount": "5400.00"},
        {"currency": "USD", "amount": "122250.00"},
    ]
    assert body["golden_path_share"] == 66.7 and body["access_review_completion"] == 83.3
    assert {d["key"] for d in body["definitions"]} >= {"golden_path_share", "spend_per_layer"}
    bad = api_for("leadership").get("/api/v1/metrics/stack/?day=15/05/2026")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "day"
    assert api_for("requester").get("/api/v1/metrics/stack/").status_code == 403


def test_page_and_dashboard_panel(stack, client_for):
    page = client_for("leadership").get("/metrics/stack/")
    assert page.status_code == 200 and b"Tools per layer" in page.content
    dashboard = client_for("leadership").get("/metrics/")
    assert b'id="tech-stack"' in dashboard.content


def test_the_30_60_90_plan_reads_the_golden_path_share(live_requests):
    from metrics.stack.figures import golden_path_share
    from metrics.standup import PARTIAL, StandupEvidence, standup_plan

    assert golden_path_share(day=DAY) == 66.7
    evidence = StandupEvidence(golden_path_share=66.7)
    goals = {g.key: g for p in standup_plan(evidence, started=DAY, today=DAY) for g in p.goals}
    assert goals["golden_path"].status == PARTIAL
    assert "66.7% of the requests live this quarter" in goals["golden_path"].evidence[0]
