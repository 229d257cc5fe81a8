"""Attribution models, run as SQL in the fixture warehouse on generated opportunities:
linear credits of an opportunity sum to its amount; first and last touch pick the earliest
and latest touch, ties on time going to the campaign name that sorts first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.impact.statements import Table, attribution_statement

from .conftest import OPP_COLUMNS, SCHEMA, TOUCH_COLUMNS, admin_conninfo

T0 = datetime(2025, 7, 1, 12, tzinfo=UTC)
STATEMENT = attribution_statement(
    Table(SCHEMA, "prop_opps", OPP_COLUMNS), Table(SCHEMA, "prop_touches", TOUCH_COLUMNS)
)
touches = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(["b", "a", "c"]), st.sampled_from(["x", "y"])),
    min_size=1,
    max_size=6,
)


@pytest.fixture(scope="module")
def warehouse_conn(impact_warehouse):
    with psycopg.connect(admin_conninfo()) as conn:
        yield conn


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(touches=touches, cents=st.integers(1, 10**9))
def test_models_credit_the_right_touches(warehouse_conn, touches, cents):
    amount = cents / 100
    closed = T0 + timedelta(days=1)
    conn = warehouse_conn
    try:
        conn.execute(
            "INSERT INTO impact_fixture.prop_opps VALUES (1, %s, NULL, 'Won', %s, %s, true)",
            [T0 - timedelta(days=9), amount, closed],
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO impact_fixture.prop_touches VALUES (1, %s, %s, %s)",
                [(c, T0 + timedelta(hours=h), ch) for h, c, ch in touches],
            )
        rows = conn.execute(
            STATEMENT,
            {"campaigns": ["a", "b", "c"], "start": T0, "end": T0 + timedelta(days=2)},
        ).fetchall()
    finally:
        conn.rollback()
    per_campaign = {r[1]: r for r in rows if r[0] == "campaign"}
    linear_total = sum(r[6] for r in per_campaign.values())
    assert linear_total == pytest.approx(amount, rel=1e-9)
    first = min(touches, key=lambda t: (t[0], t[1]))[1]
    latest = max(t[0] for t in touches)
    last = min(c for h, c, _ in touches if h == latest)
    assert per_campaign[first][4] == pytest.approx(amount)
    assert per_campaign[last][5] == pytest.approx(amount)
    assert sum(r[4] for r in per_campaign.values()) == pytest.approx(amount)
    assert sum(r[5] for r in per_campaign.values()) == pytest.approx(amount)
    for campaign in {c for _, c, _ in touches}:
        share = sum(1 for t in touches if t[1] == campaign) / len(touches)
        assert per_campaign[campaign][6] == pytest.approx(amount * share, rel=1e-9)
