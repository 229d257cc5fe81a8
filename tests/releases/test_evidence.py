"""QA evidence files: type checked on content when uploaded, downloadable only by those who
can see the request, and served as an inert attachment (page and API)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from releases.qa import services
from releases.qa.models import ItemResult

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>fetch('/api/v1/tokens/',{method:'POST'})</script></svg>"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def file_result(users, make_request):
    services.checklist_template_create(
        actor=users["admin"],
        name="Proofs",
        slug="proofs",
        channel="email",
        items=[{"text": "Proof of seed test", "evidence": "file"}],
    )
    request = make_request()
    services.checklists_instantiate(request=request)
    return ItemResult.objects.get(run__request=request, item__text="Proof of seed test")


def _tick_on_page(client, result, upload):
    return client.post(
        reverse("releases:request_qa", args=[result.run.request_id]),
        {
            "action": "tick",
            "result": result.pk,
            "state": "passed",
            "version": result.version,
            "evidence_file": upload,
        },
        follow=True,
    )


def test_an_svg_with_a_script_is_refused_on_the_page_and_the_api(client_for, api_for, file_result):
    response = _tick_on_page(
        client_for("engineer"), file_result, SimpleUploadedFile("proof.png", SVG, "image/png")
    )
    assert response.status_code == 200
    assert "This file type is not accepted" in response.content.decode()
    file_result.refresh_from_db()
    assert not file_result.evidence_file and file_result.state == "pending"

    api = api_for("engineer")
    response = api.post(
        f"/api/v1/checklist-results/{file_result.pk}/record/",
        {"state": "passed", "evidence_file": SimpleUploadedFile("proof.svg", SVG, "image/svg+xml")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "evidence_file"
    file_result.refresh_from_db()
    assert not file_result.evidence_file


def test_evidence_is_downloaded_as_an_inert_attachment(client_for, file_result):
    name = 'Seed test "final"\r\nSet-Cookie: x=1 é.png'
    response = _tick_on_page(client_for("engineer"), file_result, SimpleUploadedFile(name, PNG))
    assert "Checklist item recorded." in response.content.decode()
    file_result.refresh_from_db()
    assert file_result.evidence_file.name.startswith("releases/evidence/")
    assert "Seed" not in file_result.evidence_file.name
    download = reverse("releases:evidence_download", args=[file_result.pk])
    assert download in response.content.decode()  # the page links the route, not MEDIA_URL
    assert "/media/" not in response.content.decode()

    response = client_for("pm").get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "\r" not in disposition and "\n" not in disposition
    assert "filename*=UTF-8''Seed%20test%20final" in disposition
    assert "Set-Cookie" not in {k for k, _ in response.items()}


def test_download_follows_the_visibility_of_the_request(client_for, api_for, users, file_result):
    services.item_result_record(
        result=file_result,
        actor=users["engineer"],
        state="passed",
        evidence_file=SimpleUploadedFile("seed.png", PNG),
    )
    page = reverse("releases:evidence_download", args=[file_result.pk])
    api = f"/api/v1/checklist-results/{file_result.pk}/evidence/"
    # The requester's own team and staff/leadership see the request: they may download.
    for role in ("requester", "engineer", "leadership", "admin"):
        assert client_for(role).get(page).status_code == 200, role
        response = api_for(role).get(api)
        assert response.status_code == 200, role
        assert response["Content-Disposition"].startswith("attachment; ")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    # Another team's requester cannot see the request: the file does not exist for them.
    assert client_for("other_requester").get(page).status_code == 404
    assert api_for("other_requester").get(api).status_code == 404
    # Anonymous users are sent to log in (page) or refused (API).
    assert Client().get(page).status_code == 302
    assert APIClient().get(api).status_code in (401, 403)


def test_the_api_points_at_the_download_route_and_a_result_without_a_file_is_404(
    api_for, users, file_result
):
    api = api_for("engineer")
    assert api.get(f"/api/v1/checklist-results/{file_result.pk}/evidence/").status_code == 404
    api.post(
        f"/api/v1/checklist-results/{file_result.pk}/record/",
        {"state": "passed", "evidence_file": SimpleUploadedFile("seed.png", PNG)},
        format="multipart",
    )
    body = api.get(f"/api/v1/checklist-results/{file_result.pk}/").json()
    assert body["evidence_file"].endswith(f"/api/v1/checklist-results/{file_result.pk}/evidence/")
    assert body["evidence_filename"] == "seed.png"


def test_a_file_over_the_upload_limit_is_refused_by_size_without_being_kept(
    client_for, api_for, settings, file_result
):
    settings.UPLOAD_MAX_BYTES = 1000
    big = PNG + b"\x00" * 5000
    response = _tick_on_page(client_for("engineer"), file_result, SimpleUploadedFile("a.png", big))
    assert "Files up to 1000 bytes." in response.content.decode()
    response = api_for("engineer").post(
        f"/api/v1/checklist-results/{file_result.pk}/record/",
        {"state": "passed", "evidence_file": SimpleUploadedFile("a.png", big)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "evidence_file",
        "code": "invalid",
        "message": "Files up to 1000 bytes.",
    }
    file_result.refresh_from_db()
    assert not file_result.evidence_file
    assert not (settings.MEDIA_ROOT / "releases").exists()
