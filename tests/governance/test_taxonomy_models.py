"""Stored taxonomy versions: saving, validation, the cached current taxonomy, the API."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance import taxonomy as tx
from governance.models import TaxonomyVersion
from governance.taxonomy.codec import (
    taxonomy_from_data,
    taxonomy_to_data,
)
from governance.taxonomy.selectors import taxonomy_current
from governance.taxonomy.services import (
    taxonomy_ensure,
    taxonomy_restore,
    taxonomy_save,
)

pytestmark = pytest.mark.django_db


def test_codec_round_trips_the_default_taxonomy():
    data = taxonomy_to_data(tx.Taxonomy.default())
    again = taxonomy_to_data(taxonomy_from_data(**data))
    assert again == data


def test_current_is_the_default_until_one_is_saved():
    assert taxonomy_current().naming.template == tx.Taxonomy.default().naming.template
    assert TaxonomyVersion.objects.count() == 0


def test_current_is_cached_per_version(users, django_assert_max_num_queries):
    taxonomy_ensure()
    first = taxonomy_current()
    with django_assert_max_num_queries(1):
        assert taxonomy_current() is first
    taxonomy_save(actor=users["admin"], mediums=[{"value": "sms", "synonyms": ["text"]}])
    second = taxonomy_current()
    assert second is not first
    assert set(second.mediums) == {"sms"}


def test_saving_adds_a_source_with_synonyms(users):
    version = taxonomy_ensure()
    sources = copy.deepcopy(version.sources) + [{"value": "tiktok", "synonyms": ["tt"]}]
    saved = taxonomy_save(actor=users["admin"], sources=sources, note="TikTok ads")
    assert saved.number == version.number + 1 and saved.is_active
    version.refresh_from_db()
    assert not version.is_active
    result = tx.validate_url(
        "https://example.com/?utm_source=tt&utm_medium=cpc&utm_campaign=fy26q1_na_social_promo_x",
        taxonomy_current(),
    )
    synonym = [f for f in result.findings if f.rule == "synonym"]
    assert synonym and synonym[0].suggestion == "tiktok"


def test_bad_regex_is_refused_naming_the_rule(users):
    rules = taxonomy_to_data(tx.Taxonomy.default())["channel_rules"]
    rules[2]["medium_regex"] = "(unclosed"
    with pytest.raises(ValidationError) as exc:
        taxonomy_save(actor=users["admin"], channel_rules=rules)
    assert "channel_rules.2" in str(exc.value.message_dict["channel_rules"])


def test_synonym_under_two_values_is_refused(users):
    sources = [{"value": "facebook", "synonyms": ["fb"]}, {"value": "fbx", "synonyms": ["fb"]}]
    with pytest.raises(ValidationError) as exc:
        taxonomy_save(actor=users["admin"], sources=sources)
    assert "sources" in exc.value.message_dict


def test_only_admins_edit_the_taxonomy(users):
    with pytest.raises(PermissionDenied):
        taxonomy_save(actor=users["pm"], mediums=[{"value": "sms"}])


def test_restore_makes_an_old_version_current_as_a_new_one(users):
    v1 = taxonomy_ensure()
    taxonomy_save(actor=users["admin"], mediums=[{"value": "sms"}])
    v3 = taxonomy_restore(version=v1, actor=users["admin"])
    assert v3.number == 3 and v3.mediums == v1.mediums and "v1" in v3.note


# --- API ---------------------------------------------------------------------------------


def test_everyone_reads_the_taxonomy(api_for):
    response = api_for("requester").get("/api/v1/taxonomy/")
    assert response.status_code == 200
    body = response.json()
    assert body["naming_template"] == "{fy}{quarter}_{region}_{channel}_{offer}_{name}"
    assert {
        "value": "facebook",
        "synonyms": ["face_book", "facebook.com", "fb", "m.facebook.com"],
    } in body["sources"]


def test_admin_patches_a_piece_and_others_cannot(api_for):
    payload = {"mediums": [{"value": "email", "synonyms": ["e-mail"]}], "note": "only email"}
    assert api_for("pm").patch("/api/v1/taxonomy/", payload, format="json").status_code == 403
    admin = api_for("admin")
    response = admin.patch("/api/v1/taxonomy/", payload, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 1
    assert [m["value"] for m in response.json()["mediums"]] == ["email"]
    stale = admin.patch("/api/v1/taxonomy/", payload, format="json", HTTP_IF_MATCH='"0"')
    assert stale.status_code == 412
    versions = admin.get("/api/v1/taxonomy/versions/").json()
    assert [v["number"] for v in versions] == [1]


def test_bad_taxonomy_payloads_are_400_with_a_path(api_for):
    admin = api_for("admin")
    bad_token = {
        "naming": {
            "delimiter": "_",
            "case": "lower",
            "tokens": [{"name": "Bad Name", "pattern": "x"}],
        }
    }
    response = admin.patch("/api/v1/taxonomy/", bad_token, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "naming"
    assert admin.patch("/api/v1/taxonomy/", {}, format="json").status_code == 400
    assert admin.patch("/api/v1/taxonomy/", {"sources": "nope"}, format="json").status_code == 400
    assert (
        admin.put("/api/v1/taxonomy/", {"sources": [{"value": "x"}]}, format="json").status_code
        == 400
    )
