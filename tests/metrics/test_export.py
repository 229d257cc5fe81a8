import csv
import io

from metrics.export import csv_cell, csv_text


def test_formula_like_text_is_escaped_with_an_apostrophe():
    for dangerous in ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(dangerous) == "'" + dangerous


def test_numbers_booleans_and_none_are_written_as_values():
    assert csv_cell(-1.5) == -1.5
    assert csv_cell(3) == 3
    assert csv_cell(True) == "yes"
    assert csv_cell(None) == ""
    assert csv_cell("plain") == "plain"


def test_csv_text_round_trips_through_a_csv_reader():
    text = csv_text(["Title", "Value"], [["=cmd|' /C calc'!A0", 2], ['quote "x", comma', -3]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["Title", "Value"], ["'=cmd|' /C calc'!A0", "2"], ['quote "x", comma', "-3"]]
