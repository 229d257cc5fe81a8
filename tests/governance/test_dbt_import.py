"""dbt import: a manifest's models and schema tests → datasets and contract rules."""

import json
from pathlib import Path

import pytest

from governance.health.contracts.spec import spec_from_dict
from governance.health.dbt_import import ManifestError, import_manifest

MANIFEST = (Path(__file__).parent / "fixtures" / "dbt_manifest.json").read_text()


def test_models_become_contracts_and_schema_tests_their_rules():
    result = import_manifest(MANIFEST)
    leads = next(m for m in result.models if m.table == "leads")
    spec = spec_from_dict(leads.spec)
    fields = {f.name: f for f in spec.fields}
    assert fields["id"].required and fields["id"].unique
    assert fields["email"].required and fields["email"].type == "text"
    assert fields["lifecycle_stage"].allowed_values == (
        "Lead",
        "MQL",
        "SQL",
        "Opportunity",
        "Customer",
    )
    assert "type" not in next(f for f in leads.spec["fields"] if f["name"] == "id")  # no guess
    (ref,) = spec.references
    assert (ref.column, ref.target_table, ref.target_column) == ("campaign_id", "campaigns", "id")
    assert leads.description == "Leads from the MAP"
    assert {m.table for m in result.models} == {"leads", "campaigns"}
    assert any(
        "expression_is_true" in n and "test.marketing.expression_is_true_leads.7a" in n
        for n in result.notes
    )
    assert any("assert_no_future_leads" in n and "singular" in n for n in result.notes)


def test_a_json_error_names_its_line_and_column():
    broken = MANIFEST.replace('"alias": "campaigns",', '"alias": "campaigns"', 1)
    with pytest.raises(ManifestError) as exc:
        import_manifest(broken)
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if '"alias": "campaigns"' in t)
    assert exc.value.errors[0].startswith(f"line {line}, column ")


def test_content_errors_name_the_dbt_node():
    data = json.loads(MANIFEST)
    nodes = data["nodes"]
    nodes["test.marketing.relationships_leads_campaign_id__id__ref_campaigns_.5e"]["test_metadata"][
        "kwargs"
    ]["to"] = "ref('nowhere')"
    nodes["test.marketing.orphan.9"] = {
        "resource_type": "test",
        "attached_node": "model.marketing.gone",
        "test_metadata": {"name": "not_null", "kwargs": {"column_name": "x"}},
    }
    with pytest.raises(ManifestError) as exc:
        import_manifest(json.dumps(data))
    assert any(
        e.startswith("test.marketing.relationships_leads_campaign_id") for e in exc.value.errors
    )
    assert any(
        e.startswith("test.marketing.orphan.9: its model 'model.marketing.gone'")
        for e in exc.value.errors
    )
    with pytest.raises(ManifestError, match=r'line 1: not a dbt manifest \(no "nodes" object\)'):
        import_manifest("[]")


@pytest.mark.django_db
def test_admin_imports_a_manifest_over_the_api_into_datasets_with_contracts(health, api_for):
    from governance.models import Dataset

    warehouse = health["warehouse"]
    url = f"/api/v1/warehouses/{warehouse.pk}/import-dbt/"
    assert api_for("engineer").post(url, {"manifest": MANIFEST}, format="json").status_code == 403
    before = Dataset.objects.count()
    response = api_for("admin").post(url, {"manifest": MANIFEST}, format="json")
    assert response.status_code == 201, response.json()
    assert {d["table"] for d in response.json()["datasets"]} == {"leads", "campaigns"}
    assert Dataset.objects.count() == before + 1  # campaigns is new; leads was there: updated
    leads = Dataset.objects.get(warehouse=warehouse, table="leads")
    fields = {f["name"]: f for f in leads.contract.spec["fields"]}
    assert fields["id"]["type"] == "integer"  # read from the table, not guessed
    assert fields["lifecycle_stage"]["allowed_values"][0] == "Lead"
    assert leads.schedule == "0 2 * * *"
    bad = api_for("admin").post(url, {"manifest": "{\n  nodes: 1\n}"}, format="json")
    assert bad.status_code == 400
    error = bad.json()["errors"][0]
    assert error["field"] == "manifest" and error["message"].startswith("line 2, column 3")


@pytest.mark.django_db
def test_admin_imports_a_manifest_from_the_warehouses_page(health, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.models import Dataset

    admin = client_for("admin")
    page = admin.get("/governance/warehouses/").content.decode()
    assert "Import a dbt project" in page and 'enctype="multipart/form-data"' in page

    def upload(text: str):
        return admin.post(
            "/governance/warehouses/",
            {
                "action": "import-dbt",
                "dbt-warehouse": health["warehouse"].pk,
                "dbt-manifest": SimpleUploadedFile("manifest.json", text.encode()),
            },
            follow=True,
        )

    done = upload(MANIFEST)
    assert done.status_code == 200 and "Imported 2 datasets from dbt" in done.content.decode()
    assert "expression_is_true" in done.content.decode()  # the note, shown
    assert Dataset.objects.filter(table="campaigns").exists()
    bad = upload(
        MANIFEST.replace(
            '"resource_type": "test", "attached_node": "model.marketing.leads", "column_name": "id",',
            '"resource_type": "test", "attached_node": "model.marketing.nope", "column_name": "id",',
            1,
        )
    )
    assert bad.status_code == 400
    assert "test.marketing.not_null_leads_id.1a: its model" in bad.content.decode()
    assert client_for("engineer").get("/governance/warehouses/").status_code == 403
