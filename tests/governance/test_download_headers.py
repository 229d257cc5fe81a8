"""Downloads named after user data build their Content-Disposition in one place
(`mops.core.uploads.content_disposition`): no quote or line break from the name gets into
the header."""

from governance.models import Dataset


def test_the_contract_download_header_cannot_be_broken_by_the_table_name(health, client_for):
    leads = health["datasets"]["leads"]
    Dataset.objects.filter(pk=leads.pk).update(table='leads"\r\nSet-Cookie: x=1')
    response = client_for("admin").get(f"/governance/datasets/{leads.pk}/contract.yaml")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="leads')
    assert "\r" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''leadsSet-Cookie%20x%3D1.odcs.yaml" in disposition
    assert "Set-Cookie" not in dict(response.items())
