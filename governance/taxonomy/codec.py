"""The stored (JSON) form of a campaign taxonomy, to and from `taxonomy.Taxonomy`.

A `TaxonomyVersion` row keeps four JSON documents; this module is the only place that
knows their shape. No Django import: `taxonomy_from_data` raises `TaxonomyDataError`
naming the offending path (``sources.3.synonyms``), which the service turns into a
field error.

Shape::

    sources:       [{"value": "facebook", "synonyms": ["fb", "face_book"]}, ...]
    mediums:       [{"value": "cpc", "synonyms": ["ppc"]}, ...]
    channel_rules: [{"channel": "Paid Search", "source_values": [...], "source_regex": null,
                     "medium_values": [], "medium_regex": ".*cp.*"}, ...]   (ordered)
    naming:        {"delimiter": "_", "case": "lower",
                    "tokens": [{"name": "fy", "allowed_values": [], "pattern": "fy[0-9]{2}",
                                "required": true, "joined": false}, ...]}
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from governance.taxonomy import (
    ChannelRule,
    NamingConvention,
    NamingToken,
    Taxonomy,
)


class TaxonomyDataError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def taxonomy_to_data(taxonomy: Taxonomy) -> dict[str, Any]:
    """The four JSON documents of a taxonomy, lists sorted where order carries no meaning."""
    return {
        "sources": _vocabulary_to_data(taxonomy.sources),
        "mediums": _vocabulary_to_data(taxonomy.mediums),
        "channel_rules": [
            {
                "channel": rule.channel,
                "source_values": sorted(rule.source_values),
                "source_regex": rule.source_regex,
                "medium_values": sorted(rule.medium_values),
                "medium_regex": rule.medium_regex,
            }
            for rule in taxonomy.channel_rules
        ],
        "naming": {
            "delimiter": taxonomy.naming.delimiter,
            "case": taxonomy.naming.case,
            "tokens": [
                {
                    "name": token.name,
                    "allowed_values": sorted(token.allowed_values),
                    "pattern": token.pattern,
                    "required": token.required,
                    "joined": token.joined,
                    "example": token.example,
                }
                for token in taxonomy.naming.tokens
            ],
        },
    }


def _vocabulary_to_data(mapping: Any) -> list[dict[str, Any]]:
    return [{"value": value, "synonyms": sorted(mapping[value])} for value in sorted(mapping)]


def _list_of_str(value: Any, path: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyDataError(path, "must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def _optional_str(value: Any, path: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TaxonomyDataError(path, "must be a string or null")
    return value


def _objects(items: list[Any], prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each item of a list of objects with its path (``channel_rules.2``)."""
    for i, item in enumerate(items):
        path = f"{prefix}.{i}"
        if not isinstance(item, dict):
            raise TaxonomyDataError(path, "must be an object")
        yield path, item


@contextmanager
def _refused_at(path: str) -> Iterator[None]:
    """A ValueError the core raises while building an item, as a TaxonomyDataError at `path`."""
    try:
        yield
    except TaxonomyDataError:
        raise
    except ValueError as exc:
        raise TaxonomyDataError(path, str(exc)) from None


def _vocabulary_from_data(items: Any, kind: str) -> dict[str, frozenset[str]]:
    if not isinstance(items, list) or not items:
        raise TaxonomyDataError(kind, "must be a non-empty list of {value, synonyms}")
    mapping: dict[str, frozenset[str]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise TaxonomyDataError(f"{kind}.{i}", "must be an object with value and synonyms")
        value = item.get("value")
        if not isinstance(value, str) or not value.strip():
            raise TaxonomyDataError(f"{kind}.{i}.value", "is required")
        value = value.strip()
        if value in mapping:
            raise TaxonomyDataError(f"{kind}.{i}.value", f"{value!r} is listed twice")
        mapping[value] = frozenset(_list_of_str(item.get("synonyms"), f"{kind}.{i}.synonyms"))
    return mapping


def _rules_from_data(items: Any) -> tuple[ChannelRule, ...]:
    if not isinstance(items, list):
        raise TaxonomyDataError("channel_rules", "must be a list")
    rules = []
    for path, item in _objects(items, "channel_rules"):
        channel = item.get("channel")
        if not isinstance(channel, str) or not channel.strip():
            raise TaxonomyDataError(f"{path}.channel", "is required")
        with _refused_at(path):
            rules.append(
                ChannelRule(
                    channel.strip(),
                    frozenset(_list_of_str(item.get("source_values"), f"{path}.source_values")),
                    _optional_str(item.get("source_regex"), f"{path}.source_regex"),
                    frozenset(_list_of_str(item.get("medium_values"), f"{path}.medium_values")),
                    _optional_str(item.get("medium_regex"), f"{path}.medium_regex"),
                )
            )
    return tuple(rules)


def _naming_from_data(data: Any) -> NamingConvention:
    if not isinstance(data, dict):
        raise TaxonomyDataError("naming", "must be an object with delimiter, case and tokens")
    tokens_data = data.get("tokens")
    if not isinstance(tokens_data, list) or not tokens_data:
        raise TaxonomyDataError("naming.tokens", "must be a non-empty list")
    tokens = []
    for path, item in _objects(tokens_data, "naming.tokens"):
        name = item.get("name")
        if not isinstance(name, str):
            raise TaxonomyDataError(f"{path}.name", "is required")
        for flag in ("required", "joined"):
            if not isinstance(item.get(flag, flag == "required"), bool):
                raise TaxonomyDataError(f"{path}.{flag}", "must be true or false")
        with _refused_at(path):
            tokens.append(
                NamingToken(
                    name.strip(),
                    frozenset(_list_of_str(item.get("allowed_values"), f"{path}.allowed_values")),
                    _optional_str(item.get("pattern"), f"{path}.pattern"),
                    required=item.get("required", True),
                    joined=item.get("joined", False),
                    example=_optional_str(item.get("example"), f"{path}.example") or "",
                )
            )
    delimiter = data.get("delimiter", "_")
    case = data.get("case", "lower")
    if not isinstance(delimiter, str):
        raise TaxonomyDataError("naming.delimiter", "must be a string")
    if not isinstance(case, str):
        raise TaxonomyDataError("naming.case", "must be a string")
    try:
        return NamingConvention(tuple(tokens), delimiter=delimiter, case=case)  # type: ignore[arg-type]
    except ValueError as exc:
        message = str(exc)
        where = "naming.delimiter" if "delimiter" in message else "naming"
        where = "naming.case" if message.startswith("case") else where
        raise TaxonomyDataError(where, message) from None


def taxonomy_from_data(*, sources: Any, mediums: Any, channel_rules: Any, naming: Any) -> Taxonomy:
    """Build the taxonomy, or raise TaxonomyDataError naming the first bad path."""
    source_map = _vocabulary_from_data(sources, "sources")
    medium_map = _vocabulary_from_data(mediums, "mediums")
    rules = _rules_from_data(channel_rules)
    convention = _naming_from_data(naming)
    try:
        return Taxonomy(source_map, medium_map, rules, convention)
    except ValueError as exc:
        message = str(exc)
        where = "mediums" if "medium" in message and "source" not in message else "sources"
        raise TaxonomyDataError(where, message) from None
