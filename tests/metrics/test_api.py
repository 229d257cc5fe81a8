"""The figures over /api/v1/metrics/…: same filters, JSON, 400 with field errors."""

import pytest

from metrics.definitions import METRICS

pytestmark = pytest.mark.django_db

RANGE = "period=week&from=2025-06-30&to=2025-07-13"


def test_list_names_every_figure_with_its_definition(history, api_for):
    response = api_for("leadership").get("/api/v1/metrics/")
    assert response.status_code == 200
    keys = {m["key"] for m in response.json()}
    assert keys == set(METRICS)
    assert all(m["definition"] for m in response.json())


def test_a_figure_by_week_with_trend(history, api_for):
    data = api_for("leadership").get(f"/api/v1/metrics/delivery_sla/?{RANGE}").json()
    assert data["key"] == "delivery_sla" and data["unit"] == "%"
    assert data["from"] == "2025-06-30" and data["to"] == "2025-07-13"
    points = data["series"][0]["points"]
    assert [(p["period_start"], p["value"]) for p in points] == [
        ("2025-06-30", 50.0),
        ("2025-07-07", 100.0),
    ]
    assert data["current"]["change"] == 50.0 and data["trend"] == "up"


def test_group_by_class_and_filters(history, api_for):
    client = api_for("pm")
    data = client.get(f"/api/v1/metrics/ttc/?{RANGE}&group_by=class").json()
    assert {s["key"] for s in data["series"]} == {"simple", "standard", "complex"}
    data = client.get(f"/api/v1/metrics/shipped/?{RANGE}&service=utm").json()
    assert [p["value"] for p in data["series"][0]["points"]] == [1, 0]


def test_nps_by_group(history, api_for):
    data = api_for("pm").get(f"/api/v1/metrics/nps/?{RANGE}&group_by=group").json()
    assert data["series"] == []


@pytest.mark.parametrize(
    "query,field",
    [
        ("period=year", "period"),
        ("from=2025-02-30", "from"),
        ("from=2025-07-01&to=2025-06-01", "from"),
        ("class=huge", "class"),
        ("service=nope", "service"),
        ("team=nope", "team"),
        ("group_by=planet", "group_by"),
        ("group_by=group", "group_by"),
        ("from=1990-01-01&period=week", "from"),
    ],
)
def test_bad_filters_are_400_with_the_field_named(history, api_for, query, field):
    response = api_for("leadership").get(f"/api/v1/metrics/ttc/?{query}")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


def test_untracked_figure_answers_with_tracked_false(history, api_for):
    data = api_for("leadership").get("/api/v1/metrics/uptime/").json()
    assert data["tracked"] is False and data["series"] == []


def test_drill_down_api_is_paginated_and_validated(history, api_for, django_assert_max_num_queries):
    client = api_for("leadership")
    response = client.get(f"/api/v1/metrics/requests/?metric=triage_breached&{RANGE}")
    assert response.status_code == 200
    titles = sorted(r["title"] for r in response.json()["results"])
    assert titles == ["R2", "R6"]
    with django_assert_max_num_queries(8):
        client.get(f"/api/v1/metrics/requests/?metric=submitted&{RANGE}")
    bad = client.get("/api/v1/metrics/requests/?metric=nope&ttc_bin=99")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"metric", "ttc_bin"}


def test_checklist_api(history, api_for):
    data = api_for("leadership").get("/api/v1/metrics/checklist/").json()
    assert len(data["items"]) == 6
    assert {i["status"] for i in data["items"]} <= {"met", "partial", "missing"}


def test_requesters_cannot_read_metrics(history, api_for):
    assert api_for("requester").get("/api/v1/metrics/ttc/").status_code == 403


def test_every_figure_answers(history, api_for):
    client = api_for("admin")
    for key in METRICS:
        assert client.get(f"/api/v1/metrics/{key}/?{RANGE}").status_code == 200, key
