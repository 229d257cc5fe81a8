"""Reading an uploaded table (CSV or YAML) for an import: one set of rules for every import.

What every import refuses with a line-numbered `TableError` instead of a 500 or a guess:
a file over the size limit, bytes that are not UTF-8 (the line they are on is named), a NUL
character, a CSV row with more cells than the header, a repeated or blank header, a quote
left open, YAML that does not parse (its line and column). A UTF-8 byte-order mark is
dropped; the delimiter (comma, semicolon, tab or pipe) is read from the header line.

Line numbers are the file's own: a CSV record that spans several lines (a quoted
description with line breaks) is numbered by the line it starts on, as an editor shows it.
Cells are text and stay text: nothing here (or in any import) evaluates a formula, and
exports pass user text through `governance.taxonomy.spreadsheet_safe`.

No Django import: callers pass the size limit (`settings.IMPORT_MAX_BYTES`).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

DELIMITERS = (",", ";", "\t", "|")
MAX_CELL_CHARS = 100_000


class TableError(ValueError):
    """A problem with the file as a whole or one line of it."""

    def __init__(self, message: str, *, line: int | None = None, column: str = "file") -> None:
        super().__init__(f"Line {line}: {message}" if line else message)
        self.line = line
        self.column = column
        self.message = message


@dataclass
class Table:
    headers: list[str]
    # (line the record starts on, {header: cell text})
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delimiter: str = ","


def decode(data: bytes, *, max_bytes: int) -> str:
    """The text of an uploaded file: UTF-8 (a BOM is dropped), at most `max_bytes`."""
    if len(data) > max_bytes:
        raise TableError(
            f"The file is {_size(len(data))}; the limit is {_size(max_bytes)}. "
            "Split it into several files."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(
            f"byte 0x{data[exc.start]:02x} is not UTF-8. Save the file as UTF-8 "
            "(in Excel: 'CSV UTF-8'; Jira and Asana exports already are).",
            line=line,
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise TableError("contains a NUL character.", line=text.count("\n", 0, nul) + 1)
    return text


def upload_bytes(upload: Any, *, max_bytes: int) -> bytes:
    """The bytes of an uploaded file, refused by its size first: the kernel's upload
    handler keeps nothing past UPLOAD_MAX_BYTES, so an oversized file reads as empty."""
    size = getattr(upload, "size", None) or 0
    if size > max_bytes:
        raise TableError(
            f"The file is {_size(size)}; the limit is {_size(max_bytes)}. "
            "Split it into several files."
        )
    return upload.read()


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n:,} bytes"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header line uses most (outside quotes); a comma when none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(text: str) -> Table:
    """Rows of a CSV text with the line each starts on; blank lines are skipped."""
    if not text.strip():
        raise TableError("The file is empty.")
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        headers = [h.strip() for h in next(reader)]
        _check_headers(headers)
        previous = reader.line_num
        table = Table(headers=headers, delimiter=delimiter)
        for cells in reader:
            start = previous + 1
            previous = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
                raise TableError(
                    f"has {len(cells)} cells but the header has {len(headers)} columns "
                    f"(is a '{delimiter}' inside a value without quotes?).",
                    line=start,
                )
            for header, cell in zip(headers, cells, strict=False):
                if len(cell) > MAX_CELL_CHARS:
                    raise TableError(
                        f"a cell is longer than {MAX_CELL_CHARS:,} characters.",
                        line=start,
                        column=header,
                    )
            table.rows.append((start, dict(zip(headers, cells, strict=False))))
    except StopIteration:
        raise TableError("The file is empty.") from None
    except csv.Error as exc:
        raise TableError(f"cannot be read as CSV ({exc}).", line=previous + 1) from None
    return table


def _check_headers(headers: list[str]) -> None:
    seen: set[str] = set()
    for index, header in enumerate(headers, start=1):
        if not header:
            raise TableError(f"column {index} has no name in the header.", line=1)
        if header.lower() in seen:
            raise TableError(f"the column '{header}' appears twice in the header.", line=1)
        seen.add(header.lower())


class _LineLoader(yaml.SafeLoader):
    """The safe loader (no Python objects, no tags beyond plain YAML) that also records the
    line each mapping starts on under the key `__line__`."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def read_yaml(text: str, *, key: str) -> Table:
    """The list under `key` (or the top-level list) of a YAML document as rows: each item a
    mapping of values; a list of scalars becomes ';'-separated text (as a CSV cell holds
    it), nested lists and mappings become JSON text."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 — _LineLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise TableError(
            f"is not valid YAML ({problem}).", line=(mark.line + 1) if mark else None
        ) from None
    items = data.get(key) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise TableError(f"The YAML needs a list of items under '{key}:' (or a top-level list).")
    headers: list[str] = []
    table = Table(headers=headers, delimiter="yaml")
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise TableError(f"item {index} of '{key}' is not a mapping of field: value.")
        line = int(item.pop("__line__", 0)) or None
        row: dict[str, str] = {}
        for name, value in item.items():
            row[str(name)] = _yaml_cell(value, line=line, column=str(name))
            if str(name) not in headers:
                headers.append(str(name))
        table.rows.append((line or index, row))
    return table


def _yaml_cell(value: Any, *, line: int | None, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return json.dumps(_plain(value), default=str)  # structured (a form definition)
    if isinstance(value, list):
        return ";".join(_yaml_cell(v, line=line, column=column) for v in value)
    if isinstance(value, dict):
        return json.dumps(_plain(value), default=str)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _plain(value: Any) -> Any:
    """Nested YAML without the loader's `__line__` markers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_table(data: bytes, *, filename: str, max_bytes: int, yaml_key: str = "items") -> Table:
    """A CSV or YAML upload (by its name's extension: .yaml/.yml, else CSV) as rows."""
    text = decode(data, max_bytes=max_bytes)
    if filename.lower().endswith((".yaml", ".yml")):
        return read_yaml(text, key=yaml_key)
    return read_csv(text)
