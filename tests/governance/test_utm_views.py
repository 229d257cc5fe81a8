"""UTM builder and validator pages and API; campaigns; RFC pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance import taxonomy as tx
from governance.models import Campaign, Rfc

from .utm_forms import BUILD, TOKENS, taxonomy_post

pytestmark = pytest.mark.django_db

GOOD = "https://example.com/p?utm_source=linkedin&utm_medium=paid_social&utm_campaign=fy26q3_na_social_ebook_launch-guide"
SYNONYM = "https://example.com/p?utm_source=fb&utm_medium=paid_social&utm_campaign=fy26q3_na_social_ebook_launch-guide"
TYPO = "https://example.com/p?utm_source=linkedin&utm_medium=emial&utm_campaign=fy26q3_na_email_ebook_x"
UPPER = "https://example.com/p?utm_source=LinkedIn&utm_medium=paid_social&utm_campaign=fy26q3_na_social_ebook_x"


# --- validate API ---------------------------------------------------------------------------


def test_validate_one_url(api_for):
    response = api_for("requester").post("/api/v1/utm/validate/", {"url": SYNONYM}, format="json")
    assert response.status_code == 200
    result = response.json()["results"][0]
    finding = next(f for f in result["findings"] if f["rule"] == "synonym")
    assert (finding["param"], finding["suggestion"]) == ("utm_source", "facebook")
    assert result["channel"] == "Paid Social"
    assert "utm_source=facebook" in result["fixed_url"]


def test_validate_batch_reports_each_problem_and_no_false_alarm(api_for):
    response = api_for("requester").post(
        "/api/v1/utm/validate/", {"urls": [GOOD, TYPO, UPPER]}, format="json"
    )
    body = response.json()
    assert body["count"] == 3 and body["invalid"] == 2
    good, typo, upper = body["results"]
    assert good["valid"] and good["findings"] == []
    typo_f = next(f for f in typo["findings"] if f["param"] == "utm_medium")
    assert (typo_f["rule"], typo_f["suggestion"]) == ("unknown_value", "email")
    upper_f = next(f for f in upper["findings"] if f["param"] == "utm_source")
    assert (upper_f["rule"], upper_f["suggestion"]) == ("case", "linkedin")


def test_validate_campaign_name(api_for):
    response = api_for("requester").post(
        "/api/v1/utm/validate/", {"campaign_name": "FY26Q3_NA_email_ebook_x"}, format="json"
    )
    result = response.json()["results"][0]
    assert result["fixed"] == "fy26q3_na_email_ebook_x"
    assert result["findings"][0]["rule"] == "case"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"url": GOOD, "urls": [GOOD]},
        {"urls": "nope"},
        {"url": ["x"]},
        {"campaign_names": [1, None]},
    ],
)
def test_validate_bad_bodies_are_400(api_for, payload):
    response = api_for("requester").post("/api/v1/utm/validate/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]


# --- CSV ------------------------------------------------------------------------------------


def _csv(rows: list[str], header: str = "url") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header, "note"])
    for row in rows:
        writer.writerow([row, "x"])
    return out.getvalue().encode()


def test_csv_upload_json_summary(api_for):
    upload = SimpleUploadedFile("urls.csv", _csv([GOOD, SYNONYM, TYPO]), content_type="text/csv")
    response = api_for("requester").post(
        "/api/v1/utm/validate-csv/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["rows"], body["invalid"]) == (3, 2)
    assert body["findings_by_rule"]["synonym"] == 1
    assert [r["line"] for r in body["results"]] == [3, 4]


def test_csv_download_escapes_formulas(api_for):
    evil = '=HYPERLINK("http://evil")'
    upload = SimpleUploadedFile("urls.csv", _csv([GOOD, evil]), content_type="text/csv")
    response = api_for("requester").post(
        "/api/v1/utm/validate-csv/", {"file": upload, "output": "csv"}, format="multipart"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["line", "url", "valid"]
    assert rows[2][1].startswith("'=")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("url,note\nhttps://exämple.com/,x\n".encode("latin-1"), "not UTF-8"),
        (b"link,note\nhttps://example.com/,x\n", "no 'url' column"),
        (b"", "empty"),
        (b"url\n", "no rows"),
    ],
)
def test_bad_csvs_are_clear_400s(api_for, content, expected):
    upload = SimpleUploadedFile("bad.csv", content, content_type="text/csv")
    response = api_for("requester").post(
        "/api/v1/utm/validate-csv/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "file" and expected in error["message"]


def test_oversized_csv_is_refused(api_for, settings):
    big = b"url\n" + (GOOD.encode() + b"\n") * (tx.MAX_CSV_BYTES // len(GOOD) + 10)
    upload = SimpleUploadedFile("big.csv", big, content_type="text/csv")
    response = api_for("requester").post(
        "/api/v1/utm/validate-csv/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert "limit" in response.json()["errors"][0]["message"]


def test_csv_past_the_site_upload_cap_names_the_cap_not_an_empty_file(
    api_for, client_for, settings
):
    """The upload handler keeps no bytes past UPLOAD_MAX_BYTES (below the CSV's own 20 MB):
    such a file is refused by its size on the API and the page, never read as empty."""
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = b"url\n" + (GOOD.encode() + b"\n") * (2 * 1024 * 1024 // len(GOOD))
    response = api_for("requester").post(
        "/api/v1/utm/validate-csv/",
        {"file": SimpleUploadedFile("big.csv", big, content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.json()["errors"][0]["message"]
    page = client_for("requester").post(
        "/governance/utm/validate/",
        {"action": "csv", "file": SimpleUploadedFile("big.csv", big, content_type="text/csv")},
    )
    assert page.status_code == 400 and "the limit is 1 MB" in page.content.decode()


def test_csv_upload_without_a_file_is_400(api_for):
    response = api_for("requester").post("/api/v1/utm/validate-csv/", {}, format="multipart")
    assert response.status_code == 400


# --- build and campaigns ---------------------------------------------------------------------


def test_build_from_tokens_without_registering(api_for):
    response = api_for("requester").post(
        "/api/v1/utm/build/",
        {
            "base_url": "https://example.com/lp",
            "source": "fb",
            "medium": "paid_social",
            "tokens": TOKENS,
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["campaign"] == "fy26q3_na_email_ebook_launch-guide"
    assert body["source"] == "facebook"
    assert body["registered_campaign"] is None
    assert not Campaign.objects.exists()


def test_build_and_register_a_campaign(api_for, users):
    api = api_for("requester")
    response = api.post(
        "/api/v1/utm/build/",
        {
            "base_url": "https://example.com/lp",
            "source": "newsletter",
            "medium": "email",
            "tokens": TOKENS,
            "register": True,
            "start_date": "2026-01-05",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    campaign = Campaign.objects.get(pk=response.json()["registered_campaign"])
    assert (campaign.owner, campaign.team, campaign.channel) == (
        users["requester"],
        users["requester"].team,
        "Email",
    )
    assert campaign.links.count() == 1
    listed = api.get("/api/v1/campaigns/").json()
    assert (
        listed["count"] == 1 and listed["results"][0]["links"][0]["url"] == response.json()["url"]
    )
    # Another team's requester neither sees it nor can take the name.
    other = api_for("other_requester")
    assert other.get("/api/v1/campaigns/").json()["count"] == 0
    taken = other.post(
        "/api/v1/utm/build/",
        {
            "base_url": "https://example.com/x",
            "source": "google",
            "medium": "cpc",
            "tokens": TOKENS,
            "register": True,
        },
        format="json",
    )
    assert taken.status_code == 400
    assert taken.json()["errors"][0]["field"] == "campaign"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {
                "base_url": "example.com/x",
                "source": "google",
                "medium": "cpc",
                "campaign": "fy26q3_na_email_ebook_x",
            },
            "base_url",
        ),
        (
            {
                "base_url": "https://e.com/",
                "source": "gogle-x",
                "medium": "cpc",
                "campaign": "fy26q3_na_email_ebook_x",
            },
            "source",
        ),
        (
            {
                "base_url": "https://e.com/",
                "source": "google",
                "medium": "cpc",
                "tokens": {"fy": "26"},
            },
            "tokens.fy",
        ),
        ({"base_url": "https://e.com/", "source": "google", "medium": "cpc"}, "campaign"),
    ],
)
def test_build_errors_name_the_field(api_for, payload, field):
    response = api_for("requester").post("/api/v1/utm/build/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


def test_campaign_list_constant_queries(api_for, users, django_assert_max_num_queries):
    from governance.taxonomy.services import campaign_register

    for i in range(5):
        campaign_register(
            actor=users["requester"],
            base_url=f"https://example.com/{i}",
            source="google",
            medium="cpc",
            tokens={**TOKENS, "name": f"c{i}"},
            start_date=__import__("datetime").date(2026, 1, 1),
        )
    api = api_for("pm")
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/campaigns/")
    assert response.json()["count"] == 5


# --- pages -------------------------------------------------------------------------------------


def test_builder_page_preview_and_register(client_for):
    client = client_for("requester")
    assert client.get("/governance/utm/builder/").status_code == 200
    form = {**BUILD, "start_date": "2026-02-01"}
    preview = client.post("/governance/utm/builder/", form, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
    assert b"fy26q3_na_email_ebook_launch-guide" in preview.content
    assert not Campaign.objects.exists()
    registered = client.post("/governance/utm/builder/", form)
    assert registered.status_code == 200
    assert Campaign.objects.get().name == "fy26q3_na_email_ebook_launch-guide"
    bad = client.post("/governance/utm/builder/", {**form, "token_fy": "2026"})
    assert bad.status_code == 400 and b"fy" in bad.content


def test_validator_page_single_and_csv(client_for):
    client = client_for("requester")
    assert client.get("/governance/utm/validate/").status_code == 200
    page = client.post("/governance/utm/validate/", {"url": TYPO})
    assert page.status_code == 200 and b"unknown_value" in page.content and b"email" in page.content
    upload = SimpleUploadedFile("u.csv", _csv([GOOD, SYNONYM]), content_type="text/csv")
    page = client.post("/governance/utm/validate/", {"action": "csv", "file": upload})
    assert page.status_code == 200 and b"2 rows checked" in page.content
    upload = SimpleUploadedFile("u.csv", _csv([GOOD, SYNONYM]), content_type="text/csv")
    download = client.post(
        "/governance/utm/validate/", {"action": "csv", "file": upload, "download": "1"}
    )
    assert download["Content-Disposition"].startswith("attachment")
    bad = SimpleUploadedFile("u.csv", b"\xff\xfeu\x00r\x00l\x00", content_type="text/csv")
    page = client.post("/governance/utm/validate/", {"action": "csv", "file": bad})
    assert page.status_code == 400 and b"not UTF-8" in page.content


def test_taxonomy_page_read_for_all_edit_for_admins(client_for):
    page = client_for("requester").get("/governance/taxonomy/")
    assert page.status_code == 200 and b"Save as a new version" not in page.content
    assert client_for("requester").post("/governance/taxonomy/", {}).status_code == 403
    admin = client_for("admin")
    page = admin.get("/governance/taxonomy/")
    assert b"Save as a new version" in page.content
    data = taxonomy_post(page.context, note="add sms")
    data["mediums"] += "\nsms: text"
    response = admin.post("/governance/taxonomy/", data)
    assert response.status_code == 302
    mediums = {m["value"] for m in admin.get("/api/v1/taxonomy/").json()["mediums"]}
    assert "sms" in mediums
    # Rules and naming are rows of a form now (issue 20), not raw JSON: a bad pattern in a
    # row is refused naming the row and the field.
    page = admin.get("/governance/taxonomy/")
    bad = taxonomy_post(page.context)
    bad["tokens-0-pattern"] = "fy[0-9"
    bad["tokens-0-allowed_values"] = ""
    response = admin.post("/governance/taxonomy/", bad)
    assert response.status_code == 400
    assert b"Token 1: token &#x27;fy&#x27;: bad pattern" in response.content


def test_a_stale_taxonomy_save_is_a_412_with_the_form_kept_not_a_500(client_for):
    """Two admins open the editor; the second save was read before the first landed."""
    admin = client_for("admin")
    first = taxonomy_post(admin.get("/governance/taxonomy/").context, note="first")
    second = dict(first, note="second")
    first["mediums"] += "\nsms: text"
    assert admin.post("/governance/taxonomy/", first).status_code == 302
    second["mediums"] += "\nfax: fax"
    response = admin.post("/governance/taxonomy/", second)
    assert response.status_code == 412
    assert b"changed by someone else" in response.content
    mediums = {m["value"] for m in admin.get("/api/v1/taxonomy/").json()["mediums"]}
    assert "sms" in mediums and "fax" not in mediums  # the first save is kept


def test_taxonomy_rule_rows_add_reorder_and_remove(client_for):
    admin = client_for("admin")
    data = taxonomy_post(admin.get("/governance/taxonomy/").context)
    count = int(data["rules-TOTAL_FORMS"])
    first_channel = data["rules-0-channel"]
    new = count - 2  # the first blank extra row
    data[f"rules-{new}-channel"] = "Partners"
    data[f"rules-{new}-source_values"] = "partner_a, partner_b"
    data[f"rules-{new}-ORDER"] = "0"  # before every other rule
    data["rules-0-DELETE"] = "on"
    assert admin.post("/governance/taxonomy/", data).status_code == 302
    rules = admin.get("/api/v1/taxonomy/").json()["channel_rules"]
    assert rules[0]["channel"] == "Partners"
    assert sorted(rules[0]["source_values"]) == ["partner_a", "partner_b"]
    assert first_channel not in [r["channel"] for r in rules]


def test_rfc_pages(client_for, make_rfc, users, django_assert_max_num_queries):
    rfcs = [make_rfc(title=f"Change {i}") for i in range(5)]
    pm = client_for("pm")
    with django_assert_max_num_queries(12):
        page = pm.get("/governance/rfcs/")
    assert page.status_code == 200 and b"Change 4" in page.content
    assert client_for("requester").get("/governance/rfcs/").status_code == 403
    detail = client_for("approver").get(f"/governance/rfcs/{rfcs[0].pk}/")
    assert b"Approve v1" in detail.content
    own = client_for("engineer").get(f"/governance/rfcs/{rfcs[0].pk}/")
    assert b"Approve v1" not in own.content and b"cannot approve" in own.content
    response = client_for("approver").post(
        f"/governance/rfcs/{rfcs[0].pk}/",
        {"action": "approve", "content_hash": rfcs[0].content_hash, "comment": "ok"},
    )
    assert response.status_code == 302
    rfcs[0].refresh_from_db()
    assert rfcs[0].status == "approved"


def test_rfc_create_and_edit_pages(client_for, users):
    client = client_for("engineer")
    assert client.get("/governance/rfcs/new/").status_code == 200
    data = {
        "title": "Dedupe rule on e-mail",
        "change_type": "identity",
        "summary": "Merge duplicates on normalised e-mail.",
        "proposal": "Add a matching rule.",
        "risk": "medium",
        "q_production_data": "on",
        "test_plan": "Sandbox run.",
        "rollback_plan": "",
        "submit": "review",
    }
    page = client.post("/governance/rfcs/new/", data)
    assert page.status_code == 200 and b"rollback plan" in page.content.lower()
    response = client.post(
        "/governance/rfcs/new/", {**data, "rollback_plan": "Unmerge from backup."}
    )
    rfc = Rfc.objects.get()
    assert response.status_code == 302 and rfc.status == "in_review"
    assert rfc.risk_answers == {"production_data": True}
    edit = client.post(
        f"/governance/rfcs/{rfc.pk}/edit/",
        {**data, "rollback_plan": "Unmerge from the nightly backup.", "version": 1},
    )
    assert edit.status_code == 302
    rfc.refresh_from_db()
    assert rfc.version == 2
    page = client.get(f"/governance/rfcs/{rfc.pk}/?from=1&to=2")
    assert b"nightly" in page.content
