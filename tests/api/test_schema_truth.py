"""The schema declares the values the API really returns (issue 12, finding 10).

Each assertion is a shape schemathesis found returned outside the schema: a blank
`from_status`, null relations declared as plain strings, a local time declared as RFC 3339
`format: time`, and a plain list declared as a page.
"""

import re

import pytest


@pytest.fixture
def openapi(client_for) -> dict:
    response = client_for("admin").get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_blank_and_null_values_are_declared(openapi):
    components = openapi["components"]["schemas"]
    from_status = components["Event"]["properties"]["from_status"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in from_status["oneOf"]
    assert components["BlankEnum"]["enum"] == [""]
    for name, field in [
        ("Incident", "assignee"),
        ("Incident", "runbook"),
        ("TaxonomyVersion", "created_by"),
    ]:
        assert components[name]["properties"][field]["nullable"] is True, (name, field)


def test_local_times_are_described_as_sent(openapi):
    assert '"format": "time"' not in str(openapi).replace("'", '"')
    start_time = openapi["components"]["schemas"]["Train"]["properties"]["start_time"]
    assert re.fullmatch(start_time["pattern"], "10:00:00")
    assert re.fullmatch(start_time["pattern"], "10:00")
    assert not re.fullmatch(start_time["pattern"], "25:00")


def test_dataset_checks_is_a_list(openapi):
    ok = openapi["paths"]["/api/v1/datasets/{id}/checks/"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["type"] == "array"
