"""The OpenAPI schema is generated once per process and served again from memory: both docs
pages fetch it, and generating it walks every view (seconds on a small machine)."""

from drf_spectacular.generators import SchemaGenerator

from mops.core import schema


def test_the_schema_is_generated_once_and_served_in_each_format(client_for, monkeypatch):
    monkeypatch.setattr(schema, "_built", {})
    calls = []
    generate = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    client = client_for("pm")
    as_json = client.get("/api/v1/schema/?format=json")
    as_yaml = client.get("/api/v1/schema/")
    again = client_for("requester").get("/api/v1/schema/?format=json")
    assert as_json.status_code == as_yaml.status_code == again.status_code == 200
    assert calls == [1]
    assert as_json.json() == again.json()
    assert as_json.json()["paths"]["/api/v1/requests/"]
    assert b"/api/v1/requests/:" in as_yaml.content
