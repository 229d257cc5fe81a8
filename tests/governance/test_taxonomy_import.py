"""Taxonomy terms from CSV / YAML (#21): merged into the active taxonomy as one new version."""

import pytest

from governance.taxonomy.imports import taxonomy_terms_import
from governance.taxonomy.selectors import taxonomy_active_version

pytestmark = pytest.mark.django_db

CSV = "kind,value,synonyms\nsource,tiktok,tik_tok;tt\nmedium,sms,text\n"


def test_terms_preview_import_and_unchanged(users):
    admin = users["admin"]
    preview = taxonomy_terms_import(actor=admin, data=CSV.encode(), filename="t.csv", commit=False)
    assert [(r.line, r.action) for r in preview] == [(2, "create"), (3, "create")]
    before = taxonomy_active_version()
    taxonomy_terms_import(actor=admin, data=CSV.encode(), filename="t.csv", commit=True)
    version = taxonomy_active_version()
    assert version != before
    assert {"value": "tiktok", "synonyms": ["tik_tok", "tt"]} in version.sources
    again = taxonomy_terms_import(actor=admin, data=CSV.encode(), filename="t.csv", commit=True)
    assert [r.action for r in again] == ["unchanged", "unchanged"]
    assert taxonomy_active_version() == version


def test_term_errors_name_line_and_column(users):
    bad = CSV + "channel,x,\nsource,Bad Value,\nsource,tiktok,\n"
    rows = taxonomy_terms_import(
        actor=users["admin"], data=bad.encode(), filename="t.csv", commit=True
    )
    assert {r.line: r.errors for r in rows if r.errors} == {
        4: ["kind: use source or medium."],
        5: ["value: 'bad value' must be lower-case letters, digits, . _ ~ + -."],
        6: ["value: tiktok already appears on line 2."],
    }


def test_yaml_terms(users):
    text = "terms:\n  - kind: medium\n    value: podcast\n    synonyms: [audio, pod]\n"
    rows = taxonomy_terms_import(
        actor=users["admin"], data=text.encode(), filename="t.yaml", commit=True
    )
    assert rows[0].line == 2 and rows[0].errors == []
    assert {"value": "podcast", "synonyms": ["audio", "pod"]} in taxonomy_active_version().mediums


def test_import_table_command(users, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "terms.csv"
    path.write_text(CSV)
    call_command("import_table", "taxonomy-terms", str(path), "--user", "admin", "--commit")
    assert {"value": "sms", "synonyms": ["text"]} in taxonomy_active_version().mediums
    path.write_text(CSV + "channel,x,\n")
    with pytest.raises(CommandError):
        call_command("import_table", "taxonomy-terms", str(path), "--user", "admin")
