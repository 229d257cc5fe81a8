"""Readable differences between two versions of governed content (plain JSON dicts).

Short values show as old → new; long or multi-line text shows a line diff (difflib),
so a reviewer sees exactly which sentence of the rollback plan changed. No Django import.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LONG_TEXT = 80


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "remove" or "same"
    text: str


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str
    lines: tuple[DiffLine, ...] = dataclasses.field(default_factory=tuple)

    @property
    def is_text(self) -> bool:
        return bool(self.lines)


def _show(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(isinstance(v, Mapping) and "name" in v for v in value):
            return ", ".join(str(v["name"]) for v in value)
        if all(isinstance(v, Mapping) for v in value):
            return "; ".join(" ".join(f"{k}={v[k]}" for k in sorted(v)) for v in value)
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_show(v)}" for k, v in sorted(value.items()))
    return str(value)


def _text_lines(old: str, new: str) -> tuple[DiffLine, ...]:
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    out: list[DiffLine] = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(DiffLine("same", t) for t in a[a1:a2])
            continue
        out.extend(DiffLine("remove", t) for t in a[a1:a2])
        out.extend(DiffLine("add", t) for t in b[b1:b2])
    return tuple(out)


def content_changes(
    old: Mapping[str, Any] | None,
    new: Mapping[str, Any],
    labels: Sequence[tuple[str, str]],
) -> list[FieldChange]:
    """Fields (in `labels` order) whose value differs between `old` and `new`."""
    old = old or {}
    changes: list[FieldChange] = []
    for name, label in labels:
        before, after = old.get(name), new.get(name)
        if json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True):
            continue
        lines: tuple[DiffLine, ...] = ()
        if isinstance(before, str | None) and isinstance(after, str | None):
            a, b = before or "", after or ""
            if "\n" in a or "\n" in b or max(len(a), len(b)) > LONG_TEXT:
                lines = _text_lines(a, b)
        changes.append(FieldChange(name, label, _show(before), _show(after), lines))
    return changes
