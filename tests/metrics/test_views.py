"""Dashboard, drill-down, CSV export and checklist pages over the hand-built history."""

import csv
import io

import pytest

from intake.models import Request
from metrics.facts import request_facts_rebuild

pytestmark = pytest.mark.django_db

RANGE = "period=week&from=2025-06-30&to=2025-07-13"


def test_dashboard_shows_headline_figures_definitions_and_charts(history, client_for):
    response = client_for("leadership").get(f"/metrics/?{RANGE}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Time to campaign" in html and "Delivery SLA adherence" in html
    assert "paused" not in html or "needs info" in html
    assert "business days are counted on the service" in html.lower() or "business days" in html
    assert html.count("<svg") >= 6 and "Table view" in html
    assert "/metrics/requests/?" in html and "metric=delivery_breached" in html
    assert "No heartbeat monitor is set up" in html  # uptime until governance has monitors
    assert "Experiments concluded" in html and "0 concluded in the range" in html


def test_dashboard_is_for_leadership_pm_engineer_admin_only(history, client_for):
    assert client_for("requester").get("/metrics/").status_code == 403
    for role in ("pm", "engineer", "admin"):
        assert client_for(role).get("/metrics/").status_code == 200


def test_bad_filters_are_shown_not_a_500(history, client_for):
    response = client_for("leadership").get("/metrics/?period=year&from=2025-13-01&class=x")
    assert response.status_code == 200
    assert "period" in response.content.decode()
    response = client_for("leadership").get("/metrics/?from=2025-07-01&to=2025-06-01")
    assert "must not be after" in response.content.decode()


def test_dashboard_query_count_is_constant_in_the_number_of_requests(
    history, catalog, users, client_for, django_assert_max_num_queries
):
    from tests.metrics.conftest import HISTORY, build_request

    client = client_for("leadership")
    client.get(f"/metrics/?{RANGE}")  # warm caches (session, calendar)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(f"/metrics/?{RANGE}")
    for _ in range(3):
        for row in HISTORY:
            build_request(catalog, users, *row)
    request_facts_rebuild()
    assert Request.objects.count() == 40
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/metrics/?{RANGE}")
    # 20, + one for the experiment register, + one since TTC medians (facts) and the
    # live counts (rollup) are separate queries, + one for the business-impact panel, + nine
    # for the enablement panel (a fixed set: metrics/enablement/figures.py), + nine for the
    # tech-stack panel (one per figure group, two for golden-path share: metrics/stack/figures.py),
    # + one for backlog aging's `SET LOCAL jit = off` (metrics/selectors/backlog.py), − one
    # since duplicates and attribution coverage share one statement (data_health_figures)
    assert len(small.captured_queries) <= 41


def test_drill_down_lists_breached_requests_and_exports_csv(history, client_for):
    client = client_for("leadership")
    response = client.get(f"/metrics/requests/?metric=delivery_breached&{RANGE}")
    assert response.status_code == 200
    html = response.content.decode()
    # title cells, not bare substrings: a CSRF token can contain "R1"
    assert "<td>R2</td>" in html and "<td>R1</td>" not in html
    response = client.get(f"/metrics/requests/?metric=delivery_breached&{RANGE}&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Request" and [r[1] for r in rows[1:]] == ["R2"]
    assert rows[1][-1] == "breached"


def test_drill_down_rejects_an_unknown_metric(history, client_for):
    response = client_for("leadership").get("/metrics/requests/?metric=nope")
    assert response.status_code == 400 and "metric" in response.content.decode()


def test_drill_down_query_count_is_bounded(history, client_for, django_assert_max_num_queries):
    client = client_for("pm")
    client.get(f"/metrics/requests/?metric=submitted&{RANGE}")
    with django_assert_max_num_queries(12):
        client.get(f"/metrics/requests/?metric=submitted&{RANGE}")


def test_every_table_exports_as_csv_with_formula_escaping(history, client_for, catalog):
    from catalog.models import Service

    Service.objects.filter(pk=catalog["launch"].pk).update(name="=HYPERLINK(1)")
    client = client_for("leadership")
    for panel in ("headline", "sla", "ttc", "ttc_distribution", "backlog", "throughput",
                  "adoption", "reliability", "data_health"):  # fmt: skip
        response = client.get(f"/metrics/export/{panel}.csv?{RANGE}")
        assert response.status_code == 200, panel
        assert response["Content-Type"].startswith("text/csv")
        assert len(list(csv.reader(io.StringIO(response.content.decode())))) >= 2
    response = client.get(f"/metrics/export/sla.csv?{RANGE}")
    assert "Delivery · Simple" in response.content.decode()
    drill = client.get(f"/metrics/requests/?metric=submitted&{RANGE}&format=csv").content.decode()
    assert "'=HYPERLINK(1)" in drill and "\n=HYPERLINK" not in drill and ",=HYPERLINK" not in drill
    assert client.get(f"/metrics/export/nope.csv?{RANGE}").status_code == 404
    assert client.get("/metrics/export/sla.csv?period=decade").status_code == 400


def test_checklist_page_shows_six_items_with_evidence(history, client_for):
    response = client_for("leadership").get("/metrics/health/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('id="check-') == 6
    assert "Attribution coverage" in html and "No attribution-coverage check result" in html
    csv_response = client_for("leadership").get("/metrics/health/?format=csv")
    assert len(list(csv.reader(io.StringIO(csv_response.content.decode())))) == 7
