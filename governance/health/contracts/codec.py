"""Data contracts as data: `ContractSpec` ⇄ the stored JSON shape (`spec_from_dict`), and
the stored shape ⇄ YAML following the Open Data Contract Standard v3 where its fields fit.

Pure module (no Django). ODCS mapping:

| mops | ODCS v3 |
|---|---|
| dataset | `schema[0]` (`physicalName` = schema.table), `servers[0]` (type postgresql) |
| field | `schema[0].properties[i]`: name, logicalType, required, unique, primaryKey, description, `classification: pii`, `logicalTypeOptions` (pattern, minimum, maximum, format email / date-time / uuid) |
| allowed values | property `quality: [{rule: validValues, validValues: [...]}]` |
| freshness SLO | `slaProperties: [{property: latency, value, unit: h, element}]` |
| owner / consumers | `team: [{username, role: owner / consumer}]` |
| rules, references, thresholds, volume, stale days, unique keys, custom metrics | `customProperties: [{property: mops.<name>, value}]` (no ODCS equivalent) |

Import reverses it and reports errors with the YAML line (`ContractYamlError.errors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import yaml

from .spec import (
    AllOf,
    AnyOf,
    Condition,
    ContractError,
    ContractSpec,
    Not,
    Predicate,
    spec_from_dict,
)

ODCS_API_VERSION = "v3.0.0"
_LOGICAL = {
    "text": ("string", None),
    "integer": ("integer", None),
    "number": ("number", None),
    "boolean": ("boolean", None),
    "date": ("date", None),
    "timestamp": ("date", "date-time"),
    "uuid": ("string", "uuid"),
    "json": ("object", None),
}
_CUSTOM = (
    "timestamp_column",
    "stale_after_days",
    "expected_volume",
    "rules",
    "references",
    "coverage_value_column",
    "unique_keys",
    "thresholds",
    "custom_metrics",
)


def _scalar(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def predicate_to_dict(node: Predicate) -> dict[str, Any]:
    if isinstance(node, AllOf):
        return {"all": [predicate_to_dict(x) for x in node.items]}
    if isinstance(node, AnyOf):
        return {"any": [predicate_to_dict(x) for x in node.items]}
    if isinstance(node, Not):
        return {"not": predicate_to_dict(node.item)}
    assert isinstance(node, Condition)
    out: dict[str, Any] = {"column": node.column, "op": node.op}
    if node.value is not None:
        out["value"] = (
            [_scalar(v) for v in node.value]
            if isinstance(node.value, tuple | list)
            else _scalar(node.value)
        )
    if node.other_column is not None:
        out["other_column"] = node.other_column
    return out


def spec_to_dict(spec: ContractSpec) -> dict[str, Any]:
    """The JSON shape `spec_from_dict` reads (defaults left out, so it stays short)."""
    fields = []
    for f in spec.fields:
        item: dict[str, Any] = {"name": f.name, "type": f.type}
        for key, default in (
            ("description", ""),
            ("required", False),
            ("pattern", None),
            ("minimum", None),
            ("maximum", None),
            ("unique", False),
            ("pii", False),
            ("email", False),
        ):
            value = getattr(f, key)
            if value != default:
                item[key] = _scalar(value)
        if f.allowed_values:
            item["allowed_values"] = [_scalar(v) for v in f.allowed_values]
        fields.append(item)
    data: dict[str, Any] = {"schema": spec.schema, "table": spec.table, "fields": fields}
    if spec.primary_key:
        data["primary_key"] = list(spec.primary_key)
    for key in ("timestamp_column", "freshness_slo_hours", "stale_after_days"):
        if getattr(spec, key) is not None:
            data[key] = getattr(spec, key)
    if spec.coverage_value_column:
        data["coverage_value_column"] = spec.coverage_value_column
    if spec.expected_volume is not None:
        data["expected_volume"] = list(spec.expected_volume)
    if spec.rules:
        data["rules"] = []
        for r in spec.rules:
            rule: dict[str, Any] = {"name": r.name, "then": predicate_to_dict(r.then)}
            if r.when is not None:
                rule["if"] = predicate_to_dict(r.when)
            if r.description:
                rule["description"] = r.description
            data["rules"].append(rule)
    if spec.references:
        data["references"] = []
        for ref in spec.references:
            out = {k: v for k, v in asdict(ref).items() if v not in (None, (), "")}
            if ref.allowed_values:
                out["allowed_values"] = [_scalar(v) for v in ref.allowed_values]
            data["references"].append(out)
    if spec.unique_keys:
        data["unique_keys"] = [list(k) for k in spec.unique_keys]
    if spec.thresholds:
        data["thresholds"] = {
            k: {"warn": t.warn, "fail": t.fail} for k, t in spec.thresholds.items()
        }
    if spec.custom_metrics:
        data["custom_metrics"] = [asdict(m) for m in spec.custom_metrics]
    return data


# --- ODCS YAML ---------------------------------------------------------------------------------


def contract_to_odcs(
    spec: Mapping[str, Any],
    *,
    name: str,
    version: int,
    status: str,
    description: str = "",
    owner: str = "",
    consumers: list[str] | None = None,
    server: str = "",
) -> dict[str, Any]:
    primary = set(spec.get("primary_key", ()))
    properties = [_odcs_property(f, spec, primary) for f in spec.get("fields", ())]
    doc: dict[str, Any] = {
        "apiVersion": ODCS_API_VERSION,
        "kind": "DataContract",
        "id": name,
        "name": name,
        "version": f"{version}.0.0",
        "status": "active" if status == "published" else "draft",
        "description": {"purpose": description} if description else {},
        "servers": [
            {
                "server": server or "warehouse",
                "type": "postgresql",
                "schema": spec["schema"],
            }
        ],
        "schema": [
            {
                "name": spec["table"],
                "physicalName": f"{spec['schema']}.{spec['table']}",
                "physicalType": "table",
                "properties": properties,
            }
        ],
    }
    if not doc["description"]:
        del doc["description"]
    team = [{"username": owner, "role": "owner"}] if owner else []
    team += [{"username": c, "role": "consumer"} for c in consumers or []]
    if team:
        doc["team"] = team
    if spec.get("freshness_slo_hours") is not None:
        doc["slaProperties"] = [
            {
                "property": "latency",
                "value": spec["freshness_slo_hours"],
                "unit": "h",
                "element": f"{spec['table']}.{spec.get('timestamp_column') or ''}".rstrip("."),
            }
        ]
    custom = [{"property": f"mops.{k}", "value": spec[k]} for k in _CUSTOM if k in spec]
    if custom:
        doc["customProperties"] = custom
    return doc


def _odcs_property(
    f: Mapping[str, Any], spec: Mapping[str, Any], primary: set[str]
) -> dict[str, Any]:
    """One contract field as an ODCS schema property."""
    logical, fmt = _LOGICAL[f.get("type", "text")]
    prop: dict[str, Any] = {"name": f["name"], "logicalType": logical}
    if f.get("description"):
        prop["description"] = f["description"]
    if f.get("required"):
        prop["required"] = True
    if f.get("unique"):
        prop["unique"] = True
    if f["name"] in primary:
        prop["primaryKey"] = True
        prop["primaryKeyPosition"] = list(spec["primary_key"]).index(f["name"]) + 1
    if f.get("pii"):
        prop["classification"] = "pii"
    options: dict[str, Any] = {}
    if f.get("email"):
        fmt = "email"
    if fmt:
        options["format"] = fmt
    for key in ("pattern", "minimum", "maximum"):
        if f.get(key) is not None:
            options[key] = f[key]
    if options:
        prop["logicalTypeOptions"] = options
    if f.get("allowed_values"):
        prop["quality"] = [{"rule": "validValues", "validValues": list(f["allowed_values"])}]
    return prop


def contract_to_yaml(spec: Mapping[str, Any], **meta: Any) -> str:
    return yaml.safe_dump(
        contract_to_odcs(spec, **meta), sort_keys=False, allow_unicode=True, width=100
    )


class ContractYamlError(ValueError):
    """Invalid contract YAML; `errors` is a list of (line or None, path, message)."""

    def __init__(self, errors: list[tuple[int | None, str, str]]) -> None:
        super().__init__(
            "; ".join(f"line {ln}: {p}: {m}" if ln else f"{p}: {m}" for ln, p, m in errors)
        )
        self.errors = errors


def _line_of(node: yaml.Node | None, path: list[str | int]) -> int | None:
    """1-based line of the deepest node of `path` that exists in the composed YAML tree."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            match = next((v for k, v in node.value if getattr(k, "value", None) == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            match = node.value[step] if 0 <= step < len(node.value) else None
        else:
            match = None
        if match is None:
            break
        node, line = match, match.start_mark.line + 1
    return line


def _spec_path_to_yaml(path: str) -> list[str | int]:
    """'fields[3].type' → ['schema', 0, 'properties', 3]; 'rules[1].then' → custom rules."""
    head = path.split(".")[0]
    name, _, rest = head.partition("[")
    index = int(rest.rstrip("]")) if rest.rstrip("]").isdigit() else None
    if name == "fields":
        return ["schema", 0, "properties", *([index] if index is not None else [])]
    if name in _CUSTOM:
        return ["customProperties"]
    if name == "freshness_slo_hours":
        return ["slaProperties"]
    return ["schema", 0]


_REVERSE_LOGICAL = {v: k for k, v in _LOGICAL.items()}
_LATENCY_UNITS = {"h": 1, "hour": 1, "hours": 1, "d": 24, "day": 24, "days": 24, "m": 1 / 60}


class _YamlErrors:
    """The errors found so far in a contract's YAML, each with the line of its path."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.root = root
        self.errors: list[tuple[int | None, str, str]] = []

    def add(self, path: list[str | int], message: str) -> None:
        label = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        self.errors.append((_line_of(self.root, path), label or "document", message))


def contract_from_yaml(text: str) -> dict[str, Any]:
    """Parse ODCS YAML into {spec, description, consumers, owner}; line-numbered errors."""
    root, doc = _parse_yaml(text)
    errors = _YamlErrors(root)
    if not isinstance(doc, dict):
        raise ContractYamlError([(1, "document", "must be a mapping (an ODCS data contract)")])
    schema_name, table, obj = _dataset(doc, errors)
    spec: dict[str, Any] = {"schema": schema_name, "table": table, "fields": []}
    _read_properties(obj, spec, errors)
    _read_freshness(doc, spec, errors)
    _read_custom_properties(doc, spec, errors)
    team = doc.get("team") or []
    owner = next(
        (t.get("username") for t in team if isinstance(t, dict) and t.get("role") == "owner"), ""
    )
    consumers = [
        str(t.get("username")) for t in team if isinstance(t, dict) and t.get("role") == "consumer"
    ]
    description = doc.get("description") or {}
    purpose = description.get("purpose", "") if isinstance(description, dict) else str(description)
    if errors.errors:
        raise ContractYamlError(errors.errors)
    try:
        spec_from_dict(spec)
    except ContractError as exc:
        yaml_path = _spec_path_to_yaml(exc.path)
        raise ContractYamlError([(_line_of(root, yaml_path), exc.path, exc.message)]) from None
    except (ValueError, TypeError) as exc:
        raise ContractYamlError([(None, "contract", str(exc))]) from None
    return {"spec": spec, "description": purpose, "consumers": consumers, "owner": owner or ""}


def _parse_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The composed node tree (for line numbers) and the loaded document."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ContractYamlError(
            [(mark.line + 1 if mark else None, "yaml", str(exc.problem or exc))]
        ) from None
    except yaml.YAMLError as exc:
        raise ContractYamlError([(None, "yaml", str(exc))]) from None
    except (ValueError, TypeError) as exc:  # a date-shaped value that is no date (2026-13-45)
        raise ContractYamlError([(None, "yaml", f"not a valid value: {exc}")]) from None
    return root, doc


def _dataset(doc: dict[str, Any], errors: _YamlErrors) -> tuple[str, str, dict[str, Any]]:
    """Schema, table and ODCS schema object of the one dataset; raises when there is none."""
    if doc.get("kind", "DataContract") != "DataContract":
        errors.add(["kind"], "must be DataContract")
    api_version = str(doc.get("apiVersion", ODCS_API_VERSION))
    if not api_version.startswith("v3"):
        errors.add(["apiVersion"], f"unsupported version {api_version!r} (ODCS v3 expected)")
    schemas = doc.get("schema")
    if not isinstance(schemas, list) or len(schemas) != 1 or not isinstance(schemas[0], dict):
        errors.add(["schema"], "must list exactly one object (the dataset)")
        raise ContractYamlError(errors.errors)
    obj = schemas[0]
    physical = str(obj.get("physicalName") or "")
    if physical.count(".") != 1:
        errors.add(["schema", 0, "physicalName"], "must be <schema>.<table>")
        raise ContractYamlError(errors.errors)
    schema_name, table = physical.split(".")
    return schema_name, table, obj


def _read_properties(obj: dict[str, Any], spec: dict[str, Any], errors: _YamlErrors) -> None:
    """The dataset's properties as the spec's fields and primary key."""
    primary: list[tuple[int, str]] = []
    props = obj.get("properties") or []
    if not isinstance(props, list):
        errors.add(["schema", 0, "properties"], "must be a list")
        props = []
    for i, prop in enumerate(props):
        field = _field_of(prop, ["schema", 0, "properties", i], errors)
        if field is None:
            continue
        if prop.get("primaryKey"):
            primary.append((int(prop.get("primaryKeyPosition") or len(primary) + 1), prop["name"]))
        spec["fields"].append(field)
    if primary:
        spec["primary_key"] = [name for _, name in sorted(primary)]


def _field_of(prop: Any, where: list[str | int], errors: _YamlErrors) -> dict[str, Any] | None:
    """One ODCS property as a contract field; None (with an error) when it cannot be one."""
    if not isinstance(prop, dict) or not prop.get("name"):
        errors.add(where, "each property needs a name")
        return None
    options = prop.get("logicalTypeOptions") or {}
    if not isinstance(options, dict):
        errors.add([*where, "logicalTypeOptions"], "must be a mapping")
        options = {}
    fmt = options.get("format")
    logical = prop.get("logicalType", "string")
    if logical == "timestamp":  # ODCS v3.0.1+ spelling of date + format date-time
        logical, fmt = "date", "date-time"
    key = (logical, fmt if fmt in ("date-time", "uuid") else None)
    if key not in _REVERSE_LOGICAL:
        errors.add(
            [*where, "logicalType"],
            f"unsupported logicalType {logical!r}; use string, integer, number, boolean, "
            "date, timestamp or object (string + format uuid for UUIDs)",
        )
        return None
    field: dict[str, Any] = {"name": prop["name"], "type": _REVERSE_LOGICAL[key]}
    for src, dst in (
        ("description", "description"),
        ("required", "required"),
        ("unique", "unique"),
    ):
        if prop.get(src) not in (None, "", False):
            field[dst] = prop[src]
    if prop.get("classification") == "pii":
        field["pii"] = True
    if fmt == "email":
        field["email"] = True
    for opt in ("pattern", "minimum", "maximum"):
        if opt in options:
            field[opt] = options[opt]
    for q, rule in enumerate(prop.get("quality") or []):
        if isinstance(rule, dict) and rule.get("rule") == "validValues":
            values = rule.get("validValues")
            if not isinstance(values, list) or not values:
                errors.add([*where, "quality", q, "validValues"], "must be a non-empty list")
            else:
                field["allowed_values"] = values
    return field


def _read_freshness(doc: dict[str, Any], spec: dict[str, Any], errors: _YamlErrors) -> None:
    """A latency (or freshness) SLA property as the spec's freshness SLO in hours."""
    for i, sla in enumerate(doc.get("slaProperties") or []):
        if isinstance(sla, dict) and sla.get("property") in ("latency", "freshness"):
            value, unit = sla.get("value"), str(sla.get("unit") or "h").lower()
            if not isinstance(value, int | float) or unit not in _LATENCY_UNITS:
                errors.add(["slaProperties", i], "latency needs a number value and unit h, d or m")
            else:
                spec["freshness_slo_hours"] = value * _LATENCY_UNITS[unit]


def _read_custom_properties(doc: dict[str, Any], spec: dict[str, Any], errors: _YamlErrors) -> None:
    """The mops.* custom properties (settings ODCS has no field for) into the spec."""
    for i, prop in enumerate(doc.get("customProperties") or []):
        name = str(prop.get("property", "")) if isinstance(prop, dict) else ""
        if name.startswith("mops.") and name[5:] in _CUSTOM:
            spec[name[5:]] = prop.get("value")
        elif name.startswith("mops."):
            errors.add(["customProperties", i, "property"], f"unknown mops property {name!r}")
