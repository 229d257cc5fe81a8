"""dbt import: a dbt project's ``manifest.json`` → datasets and contract rules.

Pure (no Django): models become datasets (``schema`` + ``alias``/``name``), their documented
columns contract fields (type from ``data_type`` when dbt knows it), and the schema tests become
rules — ``not_null`` → required, ``unique`` → unique, ``accepted_values`` → allowed values,
``relationships`` → a reference to the other model's column. Anything else is reported, not
guessed. Errors name the JSON line (syntax) or the dbt node id (content).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from governance.health.contracts.spec import (
    ContractError,
    spec_from_dict,
)

# dbt data_type (any warehouse) → contract type; unknown types are left to the table.
_TYPES = [
    (re.compile(r"^(big|small)?int|^integer|^int\d"), "integer"),
    (re.compile(r"^(numeric|decimal|number|float|double|real)"), "number"),
    (re.compile(r"^bool"), "boolean"),
    (re.compile(r"^timestamp|^datetime"), "timestamp"),
    (re.compile(r"^date$"), "date"),
    (re.compile(r"^(text|varchar|character|char|string)"), "text"),
    (re.compile(r"^uuid"), "uuid"),
    (re.compile(r"^jsonb?|^variant"), "json"),
]
_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)""")
SUPPORTED_TESTS = ("not_null", "unique", "accepted_values", "relationships")


class ManifestError(ValueError):
    """The manifest cannot be imported; ``errors`` name the line or the node of each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportedModel:
    node_id: str
    schema: str
    table: str
    description: str
    spec: dict[str, Any]


@dataclass
class ManifestImport:
    models: list[ImportedModel] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # tests left out, and why


def _type_of(data_type: Any) -> str | None:
    text = str(data_type or "").strip().lower()
    return next((t for pattern, t in _TYPES if pattern.search(text)), None) if text else None


def _load(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError([f"line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), dict):
        raise ManifestError(['line 1: not a dbt manifest (no "nodes" object)'])
    return data


def import_manifest(text: str) -> ManifestImport:
    """Datasets and contract specs (the ``spec_from_dict`` shape) from a manifest's text."""
    nodes = _load(text)["nodes"]
    errors: list[str] = []
    result = ManifestImport()
    models, by_name = _collect_models(nodes, errors)
    _apply_tests(nodes, models, by_name, result, errors)
    for node_id, model in models.items():
        spec = {
            "schema": model["schema"],
            "table": model["table"],
            "fields": list(model["fields"].values()),
            "references": model["references"],
        }
        try:
            spec_from_dict(spec)
        except ContractError as exc:
            errors.append(f"{node_id}: {exc}")
            continue
        result.models.append(
            ImportedModel(node_id, model["schema"], model["table"], model["description"], spec)
        )
    if errors:
        raise ManifestError(errors)
    return result


def _collect_models(
    nodes: dict[str, Any], errors: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Models, snapshots and seeds by node id, with their documented columns as fields; and
    node ids by dbt name (what ``ref()`` names)."""
    models: dict[str, dict[str, Any]] = {}
    by_name: dict[str, str] = {}
    for node_id, node in nodes.items():
        if not isinstance(node, dict) or node.get("resource_type") not in (
            "model",
            "snapshot",
            "seed",
        ):
            continue
        schema, table = node.get("schema"), node.get("alias") or node.get("name")
        if not schema or not table:
            errors.append(f"{node_id}: a model needs a schema and a name")
            continue
        fields: dict[str, dict[str, Any]] = {}
        for name, column in (node.get("columns") or {}).items():
            entry: dict[str, Any] = {"name": column.get("name") or name}
            kind = _type_of(column.get("data_type"))
            if kind:
                entry["type"] = kind
            if column.get("description"):
                entry["description"] = str(column["description"])[:500]
            fields[entry["name"]] = entry
        models[node_id] = {
            "schema": schema,
            "table": table,
            "description": str(node.get("description") or ""),
            "fields": fields,
            "references": [],
        }
        by_name[str(node.get("name"))] = node_id
    return models, by_name


def _apply_tests(
    nodes: dict[str, Any],
    models: dict[str, dict[str, Any]],
    by_name: dict[str, str],
    result: ManifestImport,
    errors: list[str],
) -> None:
    """Each supported schema test as a rule on its model's column; the others as notes."""
    for node_id, node in nodes.items():
        if not isinstance(node, dict) or node.get("resource_type") != "test":
            continue
        meta = node.get("test_metadata") or {}
        test = meta.get("name")
        if not test:
            result.notes.append(f"{node_id}: a singular (SQL) test: not imported")
            continue
        if test not in SUPPORTED_TESTS:
            result.notes.append(
                f"{node_id}: test {test!r} is not one of {', '.join(SUPPORTED_TESTS)}"
            )
            continue
        kwargs = meta.get("kwargs") or {}
        attached = node.get("attached_node") or next(
            iter((node.get("depends_on") or {}).get("nodes") or []), None
        )
        model = models.get(attached or "")
        column = kwargs.get("column_name") or node.get("column_name")
        if model is None:
            errors.append(f"{node_id}: its model {attached!r} is not a model of this manifest")
            continue
        if not column:
            errors.append(f"{node_id}: {test} needs a column_name")
            continue
        entry = model["fields"].setdefault(column, {"name": column})
        if test == "not_null":
            entry["required"] = True
        elif test == "unique":
            entry["unique"] = True
        elif test == "accepted_values":
            values = kwargs.get("values")
            if not isinstance(values, list) or not values:
                errors.append(f"{node_id}: accepted_values needs a non-empty list of values")
                continue
            entry["allowed_values"] = values
        else:
            reference = _reference(node_id, column, kwargs, models, by_name)
            if reference is None:
                errors.append(
                    f"{node_id}: relationships needs to: ref('<model of this manifest>') and a field"
                )
                continue
            model["references"].append(reference)


def _reference(
    node_id: str,
    column: str,
    kwargs: dict[str, Any],
    models: dict[str, dict[str, Any]],
    by_name: dict[str, str],
) -> dict[str, str] | None:
    """A relationships test as a reference; None unless it names a model of the manifest
    (``to: ref(...)``) and a field."""
    match = _REF.search(str(kwargs.get("to") or ""))
    target = models.get(by_name.get(match.group(2) or match.group(1), "")) if match else None
    if target is None or not kwargs.get("field"):
        return None
    return {
        "name": f"{column}_{target['table']}"[:60],
        "column": column,
        "target_schema": target["schema"],
        "target_table": target["table"],
        "target_column": str(kwargs["field"]),
        "description": f"dbt test {node_id}",
    }
