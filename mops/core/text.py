"""User text made fit for where it goes: a header line, a PostgreSQL text column, a JSON column.

Pure functions, no Django import. Headers (e-mail subjects, HTTP header values) are built from
user text through `header_text` only: one line, no control characters, bounded length.
"""

from __future__ import annotations

import math
import re
from typing import Any

HEADER_MAX_CHARS = 200
JSON_MAX_DEPTH = 32

# Everything a header parser could take as a line break or a terminator, and other controls.
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def storable_text(value: object) -> str:
    """`value` as text PostgreSQL and every transport can carry: no NUL, no lone surrogates
    (what invalid UTF-8 becomes in Python), which are replaced by U+FFFD."""
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def header_text(value: object, *, limit: int = HEADER_MAX_CHARS) -> str:
    """One header line from user text: line breaks and controls become spaces, runs of
    whitespace collapse, and the result is cut to `limit` characters (with an ellipsis)."""
    text = _HEADER_BREAKS.sub(" ", storable_text(value if value is not None else ""))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def storable_json(value: Any, *, _depth: int = 0) -> Any:
    """`value` as JSON that PostgreSQL's jsonb accepts: strings made storable (jsonb refuses
    \\u0000), non-finite numbers and anything not JSON (dates, decimals, objects) as text,
    keys as text, nesting bounded."""
    if _depth > JSON_MAX_DEPTH:
        return storable_text(repr(value))[:1000]
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {
            storable_text(key): storable_json(item, _depth=_depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [storable_json(item, _depth=_depth + 1) for item in value]
    return storable_text(value)
