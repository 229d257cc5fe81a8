"""CSV exports defuse formulas also behind leading whitespace (issue 12): the one rule,
`governance.taxonomy.spreadsheet_safe`, used by every CSV export (UTM results, metrics)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from governance.taxonomy import spreadsheet_safe
from metrics.export import csv_text

HIDDEN = [
    ' =HYPERLINK("http://evil","x")',
    "\n=1+1",
    "  +1",
    "\n\n-2+3",
    " @SUM(A1)",
    " \tx",
    "\n\rx",
    "\u00a0=1",
    "\u3000=1",
    "＝1+1",  # full-width equals sign
]


def test_formulas_behind_spaces_or_line_breaks_are_escaped():
    for value in HIDDEN:
        assert spreadsheet_safe(value) == "'" + value, repr(value)


def test_plain_text_is_left_alone():
    for value in ["", "plain", " plain", "\nplain", "a=b", "x-1", "mail@example.com", "1+1"]:
        assert spreadsheet_safe(value) == value


@given(st.text(alphabet=" \n\r\t\u00a0", max_size=5), st.sampled_from("=+-@"), st.text())
def test_any_whitespace_then_a_formula_character_is_escaped(space, start, rest):
    assert spreadsheet_safe(space + start + rest).startswith("'")


@given(st.text())
def test_escaping_only_ever_prepends_an_apostrophe(text):
    safe = spreadsheet_safe(text)
    assert safe == text or safe == "'" + text


def test_metrics_exports_use_the_rule():
    rows = list(csv.reader(io.StringIO(csv_text(["Title"], [[v] for v in HIDDEN]))))
    assert all(row[0].startswith("'") for row in rows[1:])


def test_the_utm_csv_download_escapes_hidden_formulas(api_for):
    evil = ' =HYPERLINK("http://evil","click")'
    body = io.StringIO()
    csv.writer(body).writerows([["url"], ["https://example.com/"], [evil]])
    upload = SimpleUploadedFile("urls.csv", body.getvalue().encode(), content_type="text/csv")
    response = api_for("requester").post(
        "/api/v1/utm/validate-csv/", {"file": upload, "output": "csv"}, format="multipart"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[1] for row in rows[1:] if "HYPERLINK" in row[1]] == ["'" + evil]
