"""CSV batch validation of URLs or campaign names, and the results file. Pure (no Django)."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Literal, TextIO

from .definition import Taxonomy
from .findings import _FORMULA_RE, ERROR, MAX_CSV_BYTES, MAX_CSV_ROWS, CsvError, CsvRow
from .utm import validate_url

# ---------------------------------------------------------------------------------- CSV


class _Utf8Lines:
    """Lines of a binary stream decoded as UTF-8, counted, refused past ``max_bytes``."""

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        self.stream = stream
        self.max_bytes = max_bytes
        self.consumed = 0
        self.number = 0

    def __iter__(self) -> _Utf8Lines:
        return self

    def __next__(self) -> str:
        # Never ask for more than one byte past the limit, even for a single huge line.
        raw = self.stream.readline(self.max_bytes - self.consumed + 1)
        if not raw:
            raise StopIteration
        self.consumed += len(raw)
        self.number += 1
        if self.consumed > self.max_bytes:
            limit = f"{self.max_bytes / 1024 / 1024:.1f} MB ({self.max_bytes} bytes)"
            raise CsvError(f"the file is larger than the {limit} limit", line=self.number)
        if self.number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(raw[: exc.start].decode("utf-8", "replace")) + 1
            message = (
                f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); "
                "save it as 'CSV UTF-8' and upload it again"
            )
            raise CsvError(message, line=self.number, column=column) from None


def validate_csv(
    stream: BinaryIO,
    taxonomy: Taxonomy,
    *,
    max_bytes: int = MAX_CSV_BYTES,
    max_rows: int = MAX_CSV_ROWS,
) -> Iterator[CsvRow]:
    """Validate each row of an uploaded CSV of URLs (or campaign names), streaming.

    The header is read at once, so an empty file, a wrong encoding on the header line
    or a missing column raise CsvError from this call; later problems (bad bytes, ragged
    rows, size or row limit) raise CsvError while iterating, naming the line.
    """
    lines = _Utf8Lines(stream, max_bytes)
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise CsvError("the file is empty")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as exc:
        raise CsvError(f"the header cannot be read ({exc})", line=lines.number) from None
    header_line = lines.number
    for name in ("url", "campaign"):
        if header.count(name) > 1:
            raise CsvError(f"the column {name!r} appears twice", line=header_line)
    if "url" in header:
        column: Literal["url", "campaign"] = "url"
    elif "campaign" in header:
        column = "campaign"
    else:
        found = ", ".join(repr(h) for h in header)
        message = (
            f"no 'url' column (or 'campaign' for a file of campaign names); the header has {found}"
        )
        raise CsvError(message, line=header_line)
    return _validate_rows(
        reader, lines, header.index(column), len(header), column, delimiter, taxonomy, max_rows
    )


def _validate_rows(
    reader: Iterator[list[str]],
    lines: _Utf8Lines,
    index: int,
    width: int,
    column: Literal["url", "campaign"],
    delimiter: str,
    taxonomy: Taxonomy,
    max_rows: int,
) -> Iterator[CsvRow]:
    count = 0
    while True:
        start = lines.number + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvError(f"the row cannot be read ({exc})", line=lines.number) from None
        if not any(row):
            continue
        if len(row) != width:
            if width != 1:
                message = f"the row has {len(row)} fields but the header has {width}"
                raise CsvError(message, line=start)
            row = [delimiter.join(row)]
        count += 1
        if count > max_rows:
            raise CsvError(f"the file has more than {max_rows} rows", line=start)
        value = row[index]
        if column == "url":
            result = validate_url(value, taxonomy)
            yield CsvRow(start, column, value, result.findings, result.fixed_url, result.channel)
        else:
            findings, fixed, changed = taxonomy._check_value("utm_campaign", value, False)
            yield CsvRow(start, column, value, findings, fixed if changed else None, None)
    if count == 0:
        raise CsvError("the file has a header but no rows", line=lines.number + 1)


def spreadsheet_safe(text: str) -> str:
    """Defuse formula injection: a cell a spreadsheet would evaluate gets a leading '.

    That is a cell starting with =, +, -, @, a tab or a carriage return, also when spaces or
    line breaks come first. The one rule for every CSV export (metrics uses it too).
    """
    return "'" + text if text and _FORMULA_RE.match(text) else text


def write_results_csv(results: Iterable[CsvRow], out: TextIO) -> int:
    """Write one line per row (line, value, valid, channel, findings, suggestions, fixed).

    For a URL file the value and fix columns are ``url``/``fixed_url``, for a file of names
    ``campaign``/``fixed_campaign``. Every cell is formula-injection safe. Returns the
    number of rows written. A CsvError raised by the results surfaces here mid-write:
    write to a temporary file and keep it only on success.
    """
    rows = iter(results)
    first = next(rows, None)
    column = first.column if first is not None else "url"
    writer = csv.writer(out)
    header = ["line", column, "valid", "channel", "findings", "suggestions", f"fixed_{column}"]
    writer.writerow(header)
    if first is None:
        return 0
    count = 0
    for row in itertools.chain([first], rows):
        findings = "; ".join(f"{f.severity}: {f.param}: {f.message}" for f in row.findings)
        suggestions = "; ".join(
            f"{f.param}: {f.suggestion}"
            for f in row.findings
            if f.suggestion is not None and f.param != "url"
        )
        writer.writerow(
            (
                row.line,
                spreadsheet_safe(row.value),
                "no" if any(f.severity == ERROR for f in row.findings) else "yes",
                row.channel or "",
                spreadsheet_safe(findings),
                spreadsheet_safe(suggestions),
                spreadsheet_safe(row.fixed or ""),
            )
        )
        count += 1
    return count


def results_csv_bytes(results: Iterable[CsvRow]) -> bytes:
    """The results file as bytes, written to a temporary file first (in memory up to 8 MB):
    a CsvError raised mid-way surfaces here, before any response starts."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+b") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        write_results_csv(results, text)
        text.flush()
        raw.seek(0)
        body = raw.read()
        text.detach()
    return body


def csv_size_problem(size: int, limit: int = MAX_CSV_BYTES) -> str:
    """Why an upload of ``size`` bytes is refused before reading it, or "" when it is not.
    ``limit`` is the smaller of MAX_CSV_BYTES and the site's upload cap: past the cap the
    upload handler keeps no bytes, so the file would otherwise read as empty."""
    limit = min(limit, MAX_CSV_BYTES)
    if size <= limit:
        return ""
    return f"The file is {size / 1024 / 1024:.1f} MB; the limit is {limit / 1024 / 1024:g} MB."
