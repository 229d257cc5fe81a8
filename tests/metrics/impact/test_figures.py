"""Every business-impact figure against values worked out by hand on the fixture warehouse
(tests/metrics/impact/conftest.py), July 2025 in New York time.

Rates (opportunities created in July: 1–5; 5 has no touch):
  all          5 opps, 3 SQL, 3 closed, 2 won (1, 4), 2 open, pipeline 10 500, won 5 000,
               cycle 10 + 10 days
  coverage     opps with a counted touch 1–4: 10 000 / 10 500 = 95.238…%
  c-met-1      opps 1, 4: 2 SQL, 2 closed, 2 won, pipeline 5 000
  c-late       opps 1, 2 (its touch of 4 came after 4 closed): 2 SQL, 2 closed, 1 won
  c-met-3      opp 3: open, no SQL
  within SLA   c-met-1 + c-met-3 → opps 1, 3, 4: 3 opps, 2 SQL, 2/2 won, 1 open
               velocity = 1 open × 1.0 × 2 500 ÷ 10 days = 250 / day
  late         c-late → opps 1, 2: 2/2 SQL, 1/2 won, 0 open → velocity 0, lift undefined
Attribution (won and closed in July: 1 = 1 000, 4 = 4 000, 6 = 10 000):
  1: c-met-1 (07-05), c-late (07-08)   first c-met-1, last c-late, linear 500 + 500
  4: c-met-1 ×2 (c-late after close)   first = last = c-met-1, linear 4 000 to c-met-1
  6: c-late (06-01), c-other (07-10)    first c-late, last c-other, linear 5 000 + 5 000
  MOPS campaigns: first 15 000, last 5 000, linear 10 000; influenced 15 000
  c-met-1: first 5 000, last 4 000, linear 4 500; c-late: 10 000, 1 000, 5 500
Cost: team 5 000 (July) → ROI first 3.0, last 1.0, linear 2.0.
Identities: 0.95, 0.8, 0.79, 0.5 with threshold 0.8 → 2 of 4 = 50%.
"""

from __future__ import annotations

from datetime import date

import pytest
from psycopg.conninfo import make_conninfo

from metrics.impact.models import ImpactSnapshot
from metrics.impact.services import snapshot_compute, team_cost_save

pytestmark = pytest.mark.django_db(transaction=False)

JULY = date(2025, 7, 1)


@pytest.fixture
def snapshot(mapped, launched, users):
    team_cost_save(month="2025-07", amount="5000", actor=users["admin"])
    return snapshot_compute(period="month", start=JULY)


def test_rates_per_campaign_and_all(snapshot):
    f = snapshot.figures
    assert (f["all"]["opportunities"], f["all"]["sqls"], f["all"]["closed"], f["all"]["won"]) == (
        5,
        3,
        3,
        2,
    )
    assert f["all"]["pipeline"] == 10500 and f["all"]["won_amount"] == 5000
    assert f["all"]["cycle_days"] == pytest.approx(20)
    campaigns = {c["campaign"]: c for c in f["campaigns"]}
    assert set(campaigns) == {"c-met-1", "c-late", "c-met-3"}
    assert campaigns["c-met-1"]["sql_rate"] == 1.0 and campaigns["c-met-1"]["win_rate"] == 1.0
    assert campaigns["c-late"]["opportunities"] == 2 and campaigns["c-late"]["win_rate"] == 0.5
    assert campaigns["c-met-3"]["sql_rate"] == 0.0 and campaigns["c-met-3"]["win_rate"] is None
    assert campaigns["c-late"]["within_sla"] is False and campaigns["c-met-1"]["template"] is True


def test_cohorts_velocity_and_small_sample_rule(snapshot):
    within = snapshot.figures["cohorts"]["within_sla"]
    assert (within["yes"]["opportunities"], within["yes"]["sqls"], within["yes"]["open"]) == (
        3,
        2,
        1,
    )
    assert within["yes"]["velocity"] == pytest.approx(250.0)
    assert within["no"]["velocity"] == 0.0 and within["velocity_lift"] is None
    assert within["campaigns_yes"] == 4 and within["campaigns_no"] == 1
    assert within["win_rate"]["difference"] is None
    assert within["win_rate"]["note"].startswith("sample too small")
    train = snapshot.figures["cohorts"]["train"]
    assert train["yes"]["opportunities"] == 0 and train["no"]["opportunities"] == 4


def test_attribution_models_and_roi(snapshot):
    a = snapshot.figures["attribution"]
    assert a["revenue"] == 15000 and a["won_opportunities"] == 3
    assert (a["mops"]["first_touch"], a["mops"]["last_touch"], a["mops"]["linear"]) == (
        15000,
        5000,
        10000,
    )
    assert a["mops"]["influenced"] == 15000
    assert (a["all"]["first_touch"], a["all"]["last_touch"], a["all"]["linear"]) == (
        15000,
        15000,
        15000,
    )
    assert a["campaigns"]["c-met-1"]["linear"] == pytest.approx(4500)
    assert (a["campaigns"]["c-late"]["first_touch"], a["campaigns"]["c-late"]["last_touch"]) == (
        10000,
        1000,
    )
    assert a["roi"] == {"first_touch": 3.0, "last_touch": 1.0, "linear": 2.0}
    assert a["default_model"] == "linear"
    assert snapshot.figures["cost"]["total"] == 5000.0


def test_coverage_identity_certification_and_reproducibility(snapshot, mapped):
    assert snapshot.coverage == pytest.approx(100 * 10000 / 10500)
    assert snapshot.figures["identities"]["confidence"] == 50.0
    assert snapshot.certified and snapshot.certification_reasons == []
    assert {s["name"] for s in snapshot.statements} == {"rates", "attribution", "identities"}
    assert "unnest" in snapshot.statements[0]["sql"]
    assert "LATERAL" in snapshot.statements[0]["sql"]  # touches.opp_id is indexed
    assert snapshot.inputs["launches"][0]["campaign"] == "c-late"
    assert set(snapshot.contract_versions) == {"opportunities", "campaign_touches", "identities"}


def test_failing_contract_checks_uncertify_and_say_why(mapped, launched):
    from governance.models import CheckRun, RunStatus

    CheckRun.objects.create(dataset=mapped["datasets"]["campaign_touches"], status=RunStatus.FAIL)
    snapshot = snapshot_compute(period="month", start=JULY)
    assert not snapshot.certified
    assert snapshot.certification_reasons == [
        f"{mapped['datasets']['campaign_touches']}: its latest contract check run is fail."
    ]


def test_warehouse_down_keeps_last_snapshot_marked_stale(snapshot, mapped):
    figures = snapshot.figures
    mapped["warehouse"].dsn = make_conninfo(mapped["warehouse"].dsn, port="1")  # nobody there
    mapped["warehouse"].save()
    again = snapshot_compute(period="month", start=JULY)
    assert again.pk == snapshot.pk and again.stale
    assert again.stale_reason.startswith("Warehouse unavailable")
    stored = ImpactSnapshot.objects.get(pk=snapshot.pk)
    assert stored.figures == figures and stored.stale and stored.stale_since is not None
