"""Input definitions: what a service asks its requesters, as plain JSON. No Django here.

A definition is an ordered list of fields::

    [
      {"key": "channel", "label": "Channel", "type": "choice", "required": true,
       "choices": ["Email", "Paid social"]},
      {"key": "audience_size", "label": "Audience size", "type": "number", "min": 1,
       "condition": {"field": "channel", "op": "eq", "value": "Email"}},
    ]

Field keys: ``key`` (identifier, unique), ``label``, ``type`` (see FIELD_TYPES), optional
``help``, ``required`` (bool), ``choices`` (list of strings; choice types only), ``min`` /
``max`` (see below) and ``condition``.

``min`` / ``max`` mean: the value for ``number``; the length in characters for ``text``
and ``long_text``; the number of items for ``multi_choice`` and ``email_list``; an ISO
date (``YYYY-MM-DD``) for ``date``. ``url`` takes none.

A condition shows the field only when it holds. Leaves compare an *earlier* field::

    {"field": "channel", "op": "eq" | "neq" | "in" | "not_in" | "set" | "unset", "value": ...}

and nest with ``{"all": [...]}``, ``{"any": [...]}``, ``{"not": {...}}``. For a
multi-choice (list) answer, ``eq`` means "contains the value" and ``in`` means "contains
any of the values". A hidden field has no value: conditions that read it see it unset,
so hiding cascades. ``catalog/static/catalog/conditions.js`` evaluates the same JSON in
the browser; this module is the authority on the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

TEXT = "text"
LONG_TEXT = "long_text"
CHOICE = "choice"
MULTI_CHOICE = "multi_choice"
DATE = "date"
URL = "url"
NUMBER = "number"
EMAIL_LIST = "email_list"

FIELD_TYPES: dict[str, str] = {
    TEXT: "Text",
    LONG_TEXT: "Long text",
    CHOICE: "Choice",
    MULTI_CHOICE: "Multiple choice",
    DATE: "Date",
    URL: "URL",
    NUMBER: "Number",
    EMAIL_LIST: "E-mail list",
}
CHOICE_TYPES = frozenset({CHOICE, MULTI_CHOICE})
LIST_TYPES = frozenset({MULTI_CHOICE, EMAIL_LIST})

OPS: dict[str, str] = {
    "eq": "is",
    "neq": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "set": "is filled in",
    "unset": "is empty",
}
VALUE_OPS = frozenset({"eq", "neq"})
LIST_OPS = frozenset({"in", "not_in"})
NO_VALUE_OPS = frozenset({"set", "unset"})
GROUPS = ("all", "any", "not")

ALLOWED_KEYS = frozenset(
    {"key", "label", "type", "help", "required", "choices", "min", "max", "condition"}
)
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_FIELDS = 100
MAX_CONDITION_DEPTH = 6
EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
LIST_SPLIT_RE = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class DefinitionError:
    """One problem in a definition: where (`index`, `key`, dotted `path`) and what."""

    index: int | None
    key: str | None
    path: str
    message: str

    def __str__(self) -> str:
        if self.index is None:
            return self.message
        name = f" ({self.key})" if self.key else ""
        return f"Field {self.index + 1}{name}: {self.message}"


# --- definition validation ----------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _check_bounds(field: Mapping[str, Any], ftype: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    lo, hi = field.get("min"), field.get("max")
    if lo is None and hi is None:
        return problems
    if ftype in (CHOICE, URL):
        return [("min", f"a {FIELD_TYPES[ftype].lower()} field takes no min/max.")]
    parsed: dict[str, Any] = {}
    value: object  # a date, a number or a length, by field type
    for name, raw in (("min", lo), ("max", hi)):
        if raw is None:
            continue
        if ftype == DATE:
            value = _parse_date(raw)
            if value is None:
                problems.append((name, f"{name} must be a date (YYYY-MM-DD), not {raw!r}."))
                continue
        elif ftype == NUMBER:
            if not _is_number(raw):
                problems.append((name, f"{name} must be a number, not {raw!r}."))
                continue
            value = raw
        else:  # lengths and counts
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
                what = "length" if ftype in (TEXT, LONG_TEXT) else "number of items"
                problems.append((name, f"{name} must be a whole {what} ≥ 0, not {raw!r}."))
                continue
            value = raw
        parsed[name] = value
    if "min" in parsed and "max" in parsed and parsed["min"] > parsed["max"]:
        problems.append(("max", f"max ({hi}) is below min ({lo})."))
    return problems


def _check_condition(
    cond: Any,
    *,
    earlier: Mapping[str, Mapping[str, Any]],
    all_keys: set[str],
    own_key: str | None,
    path: str,
    depth: int = 0,
) -> list[tuple[str, str]]:
    """Problems in one condition tree, as (path, message)."""
    if depth > MAX_CONDITION_DEPTH:
        return [(path, f"conditions nest deeper than {MAX_CONDITION_DEPTH} levels.")]
    if not isinstance(cond, Mapping):
        return [(path, "a condition must be an object.")]
    groups = [g for g in GROUPS if g in cond]
    if groups:
        if len(cond) != 1:
            return [(path, f"a '{groups[0]}' group must be the only key of its object.")]
        group = groups[0]
        inner = cond[group]
        if group == "not":
            return _check_condition(
                inner,
                earlier=earlier,
                all_keys=all_keys,
                own_key=own_key,
                path=f"{path}.not",
                depth=depth + 1,
            )
        if not isinstance(inner, list) or not inner:
            return [(f"{path}.{group}", f"'{group}' needs a non-empty list of conditions.")]
        problems: list[tuple[str, str]] = []
        for i, sub in enumerate(inner):
            problems += _check_condition(
                sub,
                earlier=earlier,
                all_keys=all_keys,
                own_key=own_key,
                path=f"{path}.{group}.{i}",
                depth=depth + 1,
            )
        return problems
    return _check_leaf(cond, earlier=earlier, all_keys=all_keys, own_key=own_key, path=path)


def _check_leaf(
    cond: Mapping[str, Any],
    *,
    earlier: Mapping[str, Mapping[str, Any]],
    all_keys: set[str],
    own_key: str | None,
    path: str,
) -> list[tuple[str, str]]:
    """Problems in one `{field, op, value}` test: an earlier field, a known operator, and
    values that fit the operator and the field's choices."""
    unknown = set(cond) - {"field", "op", "value"}
    if unknown:
        return [(path, f"unknown condition keys: {', '.join(sorted(map(str, unknown)))}.")]
    ref, op = cond.get("field"), cond.get("op")
    if not isinstance(ref, str) or not ref:
        return [(f"{path}.field", "a condition needs the key of the field it tests.")]
    if ref == own_key:
        return [(f"{path}.field", f"the condition refers to the field itself ('{ref}').")]
    if ref not in earlier:
        if ref in all_keys:
            return [
                (
                    f"{path}.field",
                    f"the condition refers to '{ref}', which comes later; "
                    "conditions may only refer to earlier fields.",
                )
            ]
        return [(f"{path}.field", f"the condition refers to '{ref}', which is not a field.")]
    if not isinstance(op, str) or op not in OPS:
        return [(f"{path}.op", f"unknown operator {op!r}; use one of {', '.join(OPS)}.")]
    return _check_values(cond.get("value"), op=op, target=earlier[ref], ref=ref, path=path)


def _check_values(
    value: Any, *, op: str, target: Mapping[str, Any], ref: str, path: str
) -> list[tuple[str, str]]:
    """Problems in a test's value: its shape for `op`, and each a choice of a choice field."""
    if op in NO_VALUE_OPS:
        return []
    if op in LIST_OPS:
        if not isinstance(value, list) or not value:
            return [(f"{path}.value", f"'{op}' needs a non-empty list of values.")]
        values = value
    else:
        if value is None or isinstance(value, list | dict):
            return [(f"{path}.value", f"'{op}' needs a single value.")]
        values = [value]
    choices = target.get("choices")
    if target.get("type") in CHOICE_TYPES and isinstance(choices, list):
        missing = [v for v in values if v not in choices]
        if missing:
            return [
                (
                    f"{path}.value",
                    f"{', '.join(repr(v) for v in missing)} is not a choice of '{ref}'.",
                )
            ]
    return []


def validate_definition(definition: Any) -> list[DefinitionError]:
    """Every problem in `definition`; an empty list means it is valid."""
    if not isinstance(definition, list):
        return [DefinitionError(None, None, "", "The input definition must be a list of fields.")]
    if len(definition) > MAX_FIELDS:
        return [DefinitionError(None, None, "", f"At most {MAX_FIELDS} fields.")]
    errors: list[DefinitionError] = []
    all_keys = {
        f.get("key") for f in definition if isinstance(f, Mapping) and isinstance(f.get("key"), str)
    }
    earlier: dict[str, Mapping[str, Any]] = {}
    for index, field in enumerate(definition):
        if not isinstance(field, Mapping):
            errors.append(DefinitionError(index, None, str(index), "must be an object."))
            continue
        key = field.get("key")
        key_name = key if isinstance(key, str) else None

        def err(attr: str, message: str, _i: int = index, _k: str | None = key_name) -> None:
            errors.append(DefinitionError(_i, _k, f"{_i}.{attr}" if attr else str(_i), message))

        unknown = set(field) - ALLOWED_KEYS
        if unknown:
            err("", f"unknown attributes: {', '.join(sorted(map(str, unknown)))}.")
        if not isinstance(key, str) or not KEY_RE.match(key):
            err(
                "key",
                f"key {key!r} must start with a lowercase letter and hold only lowercase "
                "letters, digits and _ (at most 50).",
            )
        elif key in earlier:
            err("key", f"duplicate key '{key}'.")
        label = field.get("label")
        if not isinstance(label, str) or not label.strip():
            err("label", "needs a label.")
        elif len(label) > 200:
            err("label", "label is longer than 200 characters.")
        if not isinstance(field.get("help", ""), str):
            err("help", "help must be text.")
        if not isinstance(field.get("required", False), bool):
            err("required", "required must be true or false.")
        ftype = field.get("type")
        if not isinstance(ftype, str) or ftype not in FIELD_TYPES:
            err("type", f"unknown type {ftype!r}; use one of {', '.join(FIELD_TYPES)}.")
        else:
            choices = field.get("choices")
            if ftype in CHOICE_TYPES:
                if not isinstance(choices, list) or not choices:
                    err("choices", f"a {FIELD_TYPES[ftype].lower()} field needs choices.")
                elif not all(isinstance(c, str) and c.strip() for c in choices):
                    err("choices", "choices must be non-empty text.")
                elif len(set(choices)) != len(choices):
                    dupes = sorted({c for c in choices if choices.count(c) > 1})
                    err("choices", f"duplicate choices: {', '.join(dupes)}.")
            elif choices not in (None, []):
                err("choices", f"a {FIELD_TYPES[ftype].lower()} field takes no choices.")
            for attr, message in _check_bounds(field, ftype):
                err(attr, message)
        if field.get("condition") is not None:
            for path, message in _check_condition(
                field["condition"],
                earlier=earlier,
                all_keys=all_keys,  # type: ignore[arg-type]
                own_key=key_name,
                path="condition",
            ):
                err(path, message)
        if key_name and KEY_RE.match(key_name) and key_name not in earlier:
            earlier[key_name] = field
    return errors


def normalize_definition(definition: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A canonical copy: only meaningful attributes, defaults left out, stable key order."""
    out: list[dict[str, Any]] = []
    for field in definition:
        item: dict[str, Any] = {
            "key": field["key"],
            "label": field["label"].strip(),
            "type": field["type"],
        }
        if field.get("help"):
            item["help"] = field["help"].strip()
        if field.get("required"):
            item["required"] = True
        if field["type"] in CHOICE_TYPES:
            item["choices"] = [c.strip() for c in field["choices"]]
        for bound in ("min", "max"):
            if field.get(bound) is not None:
                value = field[bound]
                if isinstance(value, Decimal):
                    value = int(value) if value == value.to_integral_value() else float(value)
                if isinstance(value, date):
                    value = value.isoformat()
                item[bound] = value
        if field.get("condition") is not None:
            item["condition"] = field["condition"]
        out.append(item)
    return out


# --- conditions ---------------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def evaluate(condition: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    """True when `condition` holds for `answers` (missing keys count as unset)."""
    if condition is None:
        return True
    if "all" in condition:
        return all(evaluate(c, answers) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, answers) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], answers)
    op = condition.get("op")
    actual = answers.get(condition.get("field", ""))
    if op == "set":
        return not _empty(actual)
    if op == "unset":
        return _empty(actual)
    expected = condition.get("value")
    wanted = expected if isinstance(expected, list) else [expected]
    if isinstance(actual, list | tuple):
        have = [_comparable(a) for a in actual]
    elif _empty(actual):
        have = []
    else:
        have = [_comparable(actual)]
    hit = any(_comparable(w) in have for w in wanted)
    if op in ("eq", "in"):
        return hit
    if op in ("neq", "not_in"):
        return not hit
    return False


def _comparable(value: Any) -> Any:
    """Numbers compare by value whatever their type; everything else as text."""
    if _is_number(value):
        return Decimal(str(value)).normalize()
    if isinstance(value, str):
        try:
            if value.strip() and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
                return Decimal(value.strip()).normalize()
        except InvalidOperation:
            pass
        return value.strip()
    return str(value)


def visible_keys(definition: Sequence[Mapping[str, Any]], answers: Mapping[str, Any]) -> list[str]:
    """Keys of the fields shown for `answers`, in order (hidden fields count as unset)."""
    seen: dict[str, Any] = {}
    shown: list[str] = []
    for field in definition:
        if evaluate(field.get("condition"), seen):
            shown.append(field["key"])
            seen[field["key"]] = answers.get(field["key"])
    return shown


def referenced_keys(condition: Mapping[str, Any] | None) -> set[str]:
    """Every field key a condition tree reads."""
    if not condition:
        return set()
    for group in ("all", "any"):
        if group in condition:
            return set().union(*(referenced_keys(c) for c in condition[group]))
    if "not" in condition:
        return referenced_keys(condition["not"])
    return {condition["field"]} if "field" in condition else set()


def describe_condition(condition: Mapping[str, Any] | None, labels: Mapping[str, str]) -> str:
    """Human text: "Channel is Email and Budget is filled in"."""
    if not condition:
        return ""
    if "all" in condition or "any" in condition:
        group = "all" if "all" in condition else "any"
        parts = [describe_condition(c, labels) for c in condition[group]]
        joined = (" and " if group == "all" else " or ").join(parts)
        return f"({joined})" if len(parts) > 1 else joined
    if "not" in condition:
        return f"not {describe_condition(condition['not'], labels)}"
    name = labels.get(condition.get("field", ""), condition.get("field", "?"))
    op = condition.get("op", "")
    if op in NO_VALUE_OPS:
        return f"{name} {OPS[op]}"
    value = condition.get("value")
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{name} {OPS.get(op, op)} {shown}"


# --- answers ------------------------------------------------------------------------------


def split_list(value: Any) -> list[str]:
    """A list from a list or from text separated by commas, semicolons, spaces or lines."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items: Iterable[Any] = value
    else:
        items = LIST_SPLIT_RE.split(str(value))
    return [str(i).strip() for i in items if str(i).strip()]


def _clean_value(field: Mapping[str, Any], raw: Any) -> tuple[Any, str | None]:
    """(cleaned value, error message or None) for one non-empty answer."""
    ftype = field["type"]
    lo, hi = field.get("min"), field.get("max")
    if ftype in (TEXT, LONG_TEXT):
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            return None, "Enter text."
        text = str(raw).strip()
        if ftype == TEXT and "\n" in text:
            return None, "Enter a single line."
        if lo is not None and len(text) < lo:
            return None, f"Enter at least {lo} characters (you entered {len(text)})."
        if hi is not None and len(text) > hi:
            return None, f"Enter at most {hi} characters (you entered {len(text)})."
        return text, None
    if ftype == NUMBER:
        if isinstance(raw, bool):
            return None, "Enter a number."
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            return None, "Enter a number."
        if not number.is_finite():
            return None, "Enter a number."
        if lo is not None and number < Decimal(str(lo)):
            return None, f"Enter a number of at least {lo}."
        if hi is not None and number > Decimal(str(hi)):
            return None, f"Enter a number of at most {hi}."
        if number == number.to_integral_value():
            return int(number), None
        return float(number), None
    if ftype == DATE:
        day = _parse_date(raw)
        if day is None:
            return None, "Enter a date as YYYY-MM-DD."
        lo_d, hi_d = _parse_date(lo), _parse_date(hi)
        if lo_d is not None and day < lo_d:
            return None, f"Enter a date on or after {lo_d.isoformat()}."
        if hi_d is not None and day > hi_d:
            return None, f"Enter a date on or before {hi_d.isoformat()}."
        return day.isoformat(), None
    if ftype == URL:
        if not isinstance(raw, str):
            return None, "Enter a URL."
        url = raw.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            return None, "Enter a full URL starting with http:// or https://."
        if len(url) > 2000:
            return None, "Enter a URL of at most 2000 characters."
        return url, None
    if ftype == CHOICE:
        if not isinstance(raw, str) or raw not in field["choices"]:
            return None, f"{raw!r} is not one of the choices."
        return raw, None
    if ftype == MULTI_CHOICE:
        picked = raw if isinstance(raw, list | tuple) else [raw]
        bad = [p for p in picked if not isinstance(p, str) or p not in field["choices"]]
        if bad:
            return None, f"{', '.join(repr(b) for b in bad)} is not one of the choices."
        ordered = [c for c in field["choices"] if c in picked]  # definition order, no dupes
        return _count_check(ordered, lo, hi, "choices")
    if ftype == EMAIL_LIST:
        if not isinstance(raw, str | list | tuple):
            return None, "Enter e-mail addresses separated by commas or lines."
        addresses = split_list(raw)
        bad = [a for a in addresses if not EMAIL_RE.match(a)]
        if bad:
            return None, f"Not an e-mail address: {', '.join(bad)}."
        unique = list(dict.fromkeys(a.lower() for a in addresses))
        return _count_check(unique, lo, hi, "addresses")
    return None, f"Unknown field type {ftype!r}."


def _count_check(items: list[str], lo: Any, hi: Any, noun: str) -> tuple[Any, str | None]:
    if lo is not None and len(items) < lo:
        return None, f"Pick at least {lo} {noun}." if noun == "choices" else (
            f"Enter at least {lo} {noun}."
        )
    if hi is not None and len(items) > hi:
        return None, f"Pick at most {hi} {noun}." if noun == "choices" else (
            f"Enter at most {hi} {noun}."
        )
    return items, None


def validate_answers(
    definition: Sequence[Mapping[str, Any]], answers: Mapping[str, Any] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """(cleaned, errors) for a requester's answers to a (valid) definition.

    Fields hidden by their condition are skipped and their values dropped; unknown keys
    are dropped. `cleaned` is JSON-ready (numbers, ISO dates, lists of strings); empty
    optional fields are left out. `errors` maps a field key to one message.
    """
    answers = answers or {}
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    seen: dict[str, Any] = {}  # what later conditions see: cleaned values of shown fields
    for field in definition:
        key = field["key"]
        if not evaluate(field.get("condition"), seen):
            continue
        raw = answers.get(key)
        if isinstance(raw, str):
            raw = raw.strip()
        if isinstance(raw, list | tuple):
            raw = [r.strip() if isinstance(r, str) else r for r in raw]
            raw = [r for r in raw if not _empty(r)]
        if _empty(raw):
            if field.get("required"):
                errors[key] = "This field is required."
            seen[key] = None
            continue
        value, message = _clean_value(field, raw)
        if message:
            errors[key] = message
            seen[key] = raw  # conditions follow what was typed, as the page does
            continue
        cleaned[key] = value
        seen[key] = value
    return cleaned, errors
