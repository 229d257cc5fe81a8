"""A data contract drafted from the table, refined by its owner (issue #20, item 7)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from governance.health.contracts.codec import contract_from_yaml
from governance.health.contracts.draft import (
    Column,
    build_draft,
    observed_format,
)
from governance.health.services import (
    contract_draft,
    contract_import_yaml,
    dataset_run_checks,
    dataset_save,
)


def _fields(draft):
    return {f["name"]: f for f in draft["spec"]["fields"]}


def test_the_draft_has_types_nullability_keys_and_observed_formats(health, users):
    draft = contract_draft(dataset=health["datasets"]["leads"], actor=users["admin"])
    fields = _fields(draft)
    assert fields["id"]["type"] == "integer" and fields["id"].get("required")
    assert fields["id"].get("unique")
    assert fields["email"].get("email") and fields["email"].get("pii")
    assert not fields["email"].get("required")  # the column is nullable
    assert fields["created_at"]["type"] == "timestamp" and fields["created_at"].get("required")
    assert fields["sql_date"]["type"] == "date"
    assert fields["score"]["type"] == "integer"
    assert draft["spec"]["primary_key"] == ["id"]
    assert draft["spec"]["timestamp_column"] == "updated_at"
    assert draft["formats"] == {"email": "email"}
    assert "logicalType: timestamp" in draft["yaml"] or "format: date-time" in draft["yaml"]


def test_the_drafted_yaml_saves_and_runs_without_schema_findings(health, users):
    contacts = health["datasets"]["contacts"]
    draft = contract_draft(dataset=contacts, actor=users["admin"])
    contract_import_yaml(dataset=contacts, actor=users["admin"], text=draft["yaml"])
    run = dataset_run_checks(dataset_id=contacts.pk)
    keys = {r.key: r for r in run.results.all()}
    assert keys["email:email"].count == 6  # the planted malformed addresses, found
    assert all(r.count in (0, None) for k, r in keys.items() if k.startswith("schema"))


def test_logical_type_timestamp_is_accepted_and_date_fits_a_timestamptz_column(health, users):
    leads = health["datasets"]["leads"]
    text = """
apiVersion: v3.0.0
kind: DataContract
id: leads
name: demo_warehouse.leads
version: 1.0.0
status: draft
schema:
  - name: leads
    physicalName: demo_warehouse.leads
    properties:
      - {name: id, logicalType: integer, required: true, primaryKey: true}
      - {name: created_at, logicalType: timestamp, required: true}
      - {name: updated_at, logicalType: date}
      - {name: sql_date, logicalType: date}
"""
    parsed = contract_from_yaml(text)
    types = {f["name"]: f["type"] for f in parsed["spec"]["fields"]}
    assert types == {
        "id": "integer",
        "created_at": "timestamp",
        "updated_at": "date",
        "sql_date": "date",
    }
    contract_import_yaml(dataset=leads, actor=users["admin"], text=text)
    run = dataset_run_checks(dataset_id=leads.pk)
    retyped = run.results.get(key="schema:retyped")
    assert retyped.status == "pass" and not retyped.count, retyped.detail


def test_an_unknown_logical_type_names_the_line_and_the_fix(health, users):
    text = (
        "apiVersion: v3.0.0\nkind: DataContract\nschema:\n  - name: leads\n"
        "    physicalName: demo_warehouse.leads\n    properties:\n"
        "      - {name: id, logicalType: datetime}\n"
    )
    with pytest.raises(ValidationError) as exc:
        contract_import_yaml(dataset=health["datasets"]["leads"], actor=users["admin"], text=text)
    message = exc.value.message_dict["yaml"][0]
    assert "line 7" in message and "timestamp" in message


def test_drafting_a_missing_table_names_the_field(health, users):
    ds = dataset_save(
        actor=users["admin"], warehouse=health["warehouse"], schema="demo_warehouse", table="gone"
    )
    with pytest.raises(ValidationError) as exc:
        contract_draft(dataset=ds, actor=users["admin"])
    assert "table" in exc.value.message_dict


def test_draft_from_table_on_the_page_and_the_api(health, client_for, api_for):
    leads = health["datasets"]["leads"]
    page = client_for("admin").get(f"/governance/datasets/{leads.pk}/contract/?draft=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Drafted from the table" in html and "email = email" in html
    assert "physicalName: demo_warehouse.leads" in html
    detail = client_for("admin").get(f"/governance/datasets/{leads.pk}/").content.decode()
    assert "Draft from table" in detail
    assert (
        client_for("pm").get(f"/governance/datasets/{leads.pk}/contract/?draft=1").status_code
        == 403
    )
    body = api_for("admin").get(f"/api/v1/datasets/{leads.pk}/contract-draft/")
    assert body.status_code == 200 and body.json()["formats"] == {"email": "email"}
    assert api_for("pm").get(f"/api/v1/datasets/{leads.pk}/contract-draft/").status_code == 403


def test_formats_seen_in_a_sample():
    uuids = ["3f2504e0-4f89-11d3-9a0c-0305e82c3301"] * 9 + ["nope"]
    assert observed_format(uuids) == "uuid"
    assert observed_format([f"2026-01-0{d}" for d in range(1, 9)]) == "date"
    assert observed_format(["a@b.io", "c@d.io"]) is None  # too few to say
    assert observed_format(["x", "y", "z", "w", "v", "u"]) is None


def test_columns_without_a_contract_type_are_left_out_with_a_note():
    typed = [
        (Column("id", "bigint", True, True, False), "integer"),
        (Column("tags", "text[]", False, False, False), None),
        (Column("ref", "text", False, False, True), "text"),
    ]
    draft = build_draft(
        schema="s",
        table="t",
        typed=typed,
        samples={"ref": ["3f2504e0-4f89-11d3-9a0c-0305e82c3301"] * 6},
    )
    assert [f.name for f in draft.spec.fields] == ["id", "ref"]
    assert draft.notes == ["tags (text[]) has no contract type; left out."]
    ref = draft.spec.fields[1]
    assert ref.unique and ref.pattern and draft.formats == {"ref": "uuid"}


def test_the_example_contract_in_the_docs_imports(health, users):
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "data-health.md"
    example = re.search(
        r"Example — the demo leads, refined:\n\n```yaml\n(.*?)```", docs.read_text(), re.S
    )
    assert example is not None
    contract = contract_import_yaml(
        dataset=health["datasets"]["leads"], actor=users["admin"], text=example[1]
    )
    assert contract.build_spec().primary_key == ("id",)


def test_an_impossible_date_in_contract_yaml_is_a_yaml_error_not_a_500():
    """yaml.safe_load turns a date-shaped value into a date; 2026-13-45 raised ValueError."""
    from governance.health.contracts.codec import ContractYamlError, contract_from_yaml

    with pytest.raises(ContractYamlError) as exc:
        contract_from_yaml("kind: DataContract\nreviewed: 2026-13-45\n")
    assert [(path, "not a valid value" in message) for _, path, message in exc.value.errors] == [
        ("yaml", True)
    ]
