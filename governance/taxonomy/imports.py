"""Campaign taxonomy terms (sources and mediums with their synonyms) from a CSV or YAML file
(#21), saved through `governance.taxonomy.services.taxonomy_save` as one new taxonomy
version — validated as a whole, audited, restorable like any other.

Columns (CSV) or keys (YAML, a list under `terms:`): kind (`source` or `medium`), value,
synonyms ("fb;face_book" or a YAML list). A row adds the value or replaces its synonyms;
values the file does not name stay as they are (an import never deletes a term). Every row
is checked first ("Line N: column: problem"); nothing is saved unless `commit` and no row
has an error; a conflict the taxonomy itself refuses (a synonym under two values) is
reported on the line of the row that brought it. Importing the same file again saves
nothing (every row `unchanged`).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from catalog.imports import ImportRow
from mops.accounts.models import User
from mops.core.services import require_role
from mops.core.tabular import TableError, read_table
from mops.core.uploads import upload_max_bytes

from .codec import taxonomy_to_data
from .definition import Taxonomy
from .selectors import taxonomy_active_version
from .services import TAXONOMY_EDITORS, taxonomy_save

KINDS = {"source": "sources", "medium": "mediums"}
VALUE_RE = re.compile(r"^[a-z0-9][a-z0-9._~+-]{0,99}$")
_PATH_RE = re.compile(r"^(sources|mediums)\.(\d+)")


def taxonomy_terms_import(
    *, actor: User, data: bytes, filename: str, commit: bool
) -> list[ImportRow]:
    """Sources and mediums with synonyms, merged into the active taxonomy."""
    require_role(actor, TAXONOMY_EDITORS, "import taxonomy terms")
    try:
        table = read_table(
            data,
            filename=filename,
            max_bytes=upload_max_bytes(),
            yaml_key="terms",
        )
    except TableError as exc:
        raise ValidationError({"file": str(exc)}) from None
    active = taxonomy_active_version()
    base = (
        {"sources": active.sources, "mediums": active.mediums}
        if active
        else {k: v for k, v in taxonomy_to_data(Taxonomy.default()).items() if k in KINDS.values()}
    )
    terms = {
        piece: {t["value"]: list(t.get("synonyms") or []) for t in base[piece]}
        for piece in KINDS.values()
    }
    rows: list[ImportRow] = []
    line_of: dict[tuple[str, str], int] = {}
    for line, raw in table.rows:
        get = {k.strip().lower(): (v or "").strip() for k, v in raw.items()}.get
        value = (get("value", "") or "").lower()
        row = ImportRow(line=line, key=value)
        piece = KINDS.get((get("kind", "") or "").lower())
        if piece is None:
            row.errors.append("kind: use source or medium.")
        if not VALUE_RE.match(value):
            row.errors.append(
                f"value: '{value[:40]}' must be lower-case letters, digits, . _ ~ + -."
            )
        synonyms = sorted(
            {
                s.lower()
                for s in (get("synonyms", "") or "").replace(",", ";").split(";")
                if s.strip()
            }
        )
        synonyms = [s.strip() for s in synonyms]
        bad = [s for s in synonyms if not VALUE_RE.match(s)]
        if bad:
            row.errors.append(f"synonyms: '{bad[0][:40]}' is not a valid value.")
        if piece and (piece, value) in line_of:
            row.errors.append(f"value: {value} already appears on line {line_of[(piece, value)]}.")
        if piece and not row.errors:
            line_of[(piece, value)] = line
            current = terms[piece].get(value)
            row.action = (
                "create"
                if current is None
                else ("unchanged" if sorted(current) == synonyms else "update")
            )
            terms[piece][value] = synonyms
        rows.append(row)
    if not commit or any(r.errors for r in rows) or all(r.action == "unchanged" for r in rows):
        return rows
    pieces: dict[str, Any] = {
        piece: [{"value": v, "synonyms": s} for v, s in sorted(values.items())]
        for piece, values in terms.items()
    }
    try:
        taxonomy_save(actor=actor, note=f"terms imported from {filename[:100]}", **pieces)
    except ValidationError as exc:
        _attach(exc, rows, pieces, line_of)
    return rows


def _attach(
    exc: ValidationError,
    rows: list[ImportRow],
    pieces: dict[str, list[dict[str, Any]]],
    line_of: dict[tuple[str, str], int],
) -> None:
    """Put the taxonomy's refusal (a path like sources.3.synonyms) on the row it came from."""
    by_line = {r.line: r for r in rows}
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    for path, texts in messages.items():
        match = _PATH_RE.match(path)
        line = None
        if match:
            term = pieces[match.group(1)][int(match.group(2))]["value"]
            line = line_of.get((match.group(1), term))
        target = (by_line.get(line) if line else None) or rows[0]
        for text in texts:
            target.errors.append(f"{path or 'taxonomy'}: {text}")
