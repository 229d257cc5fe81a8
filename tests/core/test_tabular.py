"""The one reader of uploaded tables: encodings, delimiters, line numbers, YAML."""

import pytest

from mops.core.tabular import TableError, decode, read_csv, read_table, read_yaml


def test_quoted_line_breaks_keep_the_files_line_numbers():
    table = read_csv('a,b\n1,"x\ny"\n\n2,z\n')
    assert table.rows == [(2, {"a": "1", "b": "x\ny"}), (5, {"a": "2", "b": "z"})]


def test_semicolons_tabs_and_a_bom():
    assert read_csv(decode("\ufeffa;b\n1;2\n".encode(), max_bytes=100)).rows == [
        (2, {"a": "1", "b": "2"})
    ]
    assert read_csv("a\tb\n1\t2\n").delimiter == "\t"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,b\n1,\xff\n", "Line 2: byte 0xff is not UTF-8"),
        (b"a,b\n1,\x00\n", "Line 2: contains a NUL character."),
        (b"x" * 11, "The file is 11 bytes; the limit is 10 bytes."),
    ],
)
def test_bytes_refused_with_their_line(data, message):
    with pytest.raises(TableError) as exc:
        decode(data, max_bytes=10 if len(data) > 10 else 100)
    assert str(exc.value).startswith(message)


def test_an_open_quote_is_an_error_not_a_500():
    with pytest.raises(TableError):
        read_csv('a,b\n1,"never closed\n' + "x" * 200_000)


def test_yaml_rows_carry_their_lines_and_refuse_python_objects():
    table = read_yaml("items:\n  - name: A\n    tags: [x, y]\n  - name: B\n", key="items")
    assert table.rows == [(2, {"name": "A", "tags": "x;y"}), (4, {"name": "B"})]
    with pytest.raises(TableError) as exc:
        read_yaml("items:\n  - !!python/object/apply:os.system ['true']\n", key="items")
    assert exc.value.line == 2
    with pytest.raises(TableError) as bad:
        read_table(b"items: [\n", filename="x.yaml", max_bytes=100)
    assert "not valid YAML" in str(bad.value)
