"""The input-definition editor: a formset, one form per field, with show-if conditions."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from .. import inputdef
from .answers import _LenientChoiceField

CONDITION_ROWS = 3
OP_CHOICES = [("", "—")] + list(inputdef.OPS.items())


class DefinitionFieldForm(forms.Form):
    key = forms.CharField(
        max_length=50,
        help_text="Lowercase letters, digits and _ ; used in the API and in conditions.",
        widget=forms.TextInput(attrs={"class": "def-key", "autocomplete": "off"}),
    )
    label = forms.CharField(max_length=200)
    type = forms.ChoiceField(choices=list(inputdef.FIELD_TYPES.items()))
    help = forms.CharField(required=False, max_length=500, label="Help text")
    required = forms.BooleanField(required=False)
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Choice types: one choice per line.",
    )
    min = forms.CharField(required=False, max_length=20, help_text="Number, length, count or date.")
    max = forms.CharField(required=False, max_length=20)
    cond_join = forms.ChoiceField(
        required=False,
        choices=[("all", "all of"), ("any", "any of")],
        label="Show when",
        initial="all",
    )
    condition_json = forms.CharField(
        required=False,
        label="Advanced condition (JSON)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='For nested conditions, e.g. {"not": {"field": "x", "op": "set"}}. '
        "Overrides the rows above.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, CONDITION_ROWS + 1):
            # A pick-list of the form's other fields (the formset fills it; editor.js keeps
            # it in step as fields are added or renamed). Unknown keys are refused by
            # inputdef, naming the field, so the choice check is lenient here.
            self.fields[f"cond_field_{i}"] = _LenientChoiceField(
                required=False,
                choices=[("", "—")],
                label=f"Condition {i}: field",
                widget=forms.Select(attrs={"data-def-cond": ""}),
            )
            self.fields[f"cond_op_{i}"] = forms.ChoiceField(
                required=False, choices=OP_CHOICES, label=f"Condition {i}: operator"
            )
            self.fields[f"cond_value_{i}"] = forms.CharField(
                required=False,
                max_length=500,
                label=f"Condition {i}: value",
                help_text="For 'is one of' / 'is none of', separate values with commas."
                if i == 1
                else "",
            )

    def has_condition(self) -> bool:
        """True when the field has (or was just given) a condition, or one has errors."""
        names = ["condition_json"] + [
            f"cond_{part}_{i}" for i in range(1, CONDITION_ROWS + 1) for part in ("field", "op")
        ]
        return any(self[name].value() for name in names) or any(
            name in self.errors for name in names
        )

    def condition_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"cond_field_{i}"], self[f"cond_op_{i}"], self[f"cond_value_{i}"])
            for i in range(1, CONDITION_ROWS + 1)
        ]


def _condition_choices(form: forms.Form, keys: list[str]) -> None:
    """Each condition row picks one of the definition's other fields (its current value is
    kept even if that field is gone, so the error can name it)."""
    own = form["key"].value() if form.prefix and "__prefix__" not in form.prefix else None
    for i in range(1, CONDITION_ROWS + 1):
        field = cast(forms.ChoiceField, form.fields[f"cond_field_{i}"])
        current = form[f"cond_field_{i}"].value() or ""
        options = [k for k in keys if k != own]
        if current and current not in options:
            options.append(current)
        field.choices = [("", "—"), *((k, k) for k in options)]


def _bound(raw: str) -> Any:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text  # a date, or an error that validate_definition will name
    return int(number) if number == number.to_integral_value() else float(number)


def _cond_value(op: str, raw: str, target: dict[str, Any] | None) -> Any:
    text = (raw or "").strip()
    if op in inputdef.NO_VALUE_OPS:
        return None
    choices = (target or {}).get("choices") or []
    if op in inputdef.LIST_OPS:
        if text in choices:
            return [text]
        return [v.strip() for v in text.split(",") if v.strip()]
    return text


def _leaf_rows(condition: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """(join, leaves) when the condition fits the editor's rows, else None."""
    if not isinstance(condition, dict):
        return None

    def is_leaf(c: Any) -> bool:
        return isinstance(c, dict) and "field" in c and "op" in c

    if is_leaf(condition):
        return "all", [condition]
    for join in ("all", "any"):
        leaves = condition.get(join)
        if (
            len(condition) == 1
            and isinstance(leaves, list)
            and 0 < len(leaves) <= CONDITION_ROWS
            and all(is_leaf(c) for c in leaves)
        ):
            return join, leaves
    return None


def definition_initial(definition: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Formset initial data for an existing definition."""
    rows = []
    for order, spec in enumerate(definition, start=1):
        row: dict[str, Any] = {
            "key": spec.get("key", ""),
            "label": spec.get("label", ""),
            "type": spec.get("type", inputdef.TEXT),
            "help": spec.get("help", ""),
            "required": bool(spec.get("required")),
            "choices": "\n".join(spec.get("choices") or []),
            "min": "" if spec.get("min") is None else str(spec["min"]),
            "max": "" if spec.get("max") is None else str(spec["max"]),
            "ORDER": order,
            "cond_join": "all",
        }
        condition = spec.get("condition")
        if condition:
            fits = _leaf_rows(condition)
            if fits is None:
                row["condition_json"] = json.dumps(condition)
            else:
                join, leaves = fits
                row["cond_join"] = join
                for i, leaf in enumerate(leaves, start=1):
                    value = leaf.get("value")
                    row[f"cond_field_{i}"] = leaf.get("field", "")
                    row[f"cond_op_{i}"] = leaf.get("op", "")
                    row[f"cond_value_{i}"] = (
                        ", ".join(map(str, value))
                        if isinstance(value, list)
                        else ("" if value is None else str(value))
                    )
        rows.append(row)
    return rows


class BaseDefinitionFormSet(forms.BaseFormSet):
    """Builds the definition list from the forms (in ORDER), then validates it with
    inputdef, putting each problem on the form of the field it names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "fields")
        super().__init__(*args, **kwargs)
        self.definition: list[dict[str, Any]] = []
        self._keys = [k for k in (f["key"].value() for f in self.forms) if k]
        for form in self.forms:
            _condition_choices(form, self._keys)

    @property
    def empty_form(self) -> forms.Form:
        form = super().empty_form
        _condition_choices(form, self._keys)
        return form

    def clean(self) -> None:
        if any(self.errors):
            return
        definition: list[dict[str, Any]] = []
        owners: list[forms.Form] = []
        for form in self.ordered_forms:
            data = form.cleaned_data
            if not data or not data.get("key") and not data.get("label"):
                continue
            spec: dict[str, Any] = {
                "key": data["key"].strip(),
                "label": data["label"].strip(),
                "type": data["type"],
            }
            if data.get("help"):
                spec["help"] = data["help"].strip()
            if data.get("required"):
                spec["required"] = True
            choices = [c.strip() for c in (data.get("choices") or "").splitlines() if c.strip()]
            if choices or data["type"] in inputdef.CHOICE_TYPES:
                spec["choices"] = choices
            for bound in ("min", "max"):
                value = _bound(data.get(bound) or "")
                if value is not None:
                    spec[bound] = value
            condition = self._condition(form, definition)
            if condition is not None:
                spec["condition"] = condition
            definition.append(spec)
            owners.append(form)
        problems = inputdef.validate_definition(definition)
        for problem in problems:
            if problem.index is None:
                raise ValidationError(problem.message)
            owners[problem.index].add_error(None, str(problem))
        if problems:
            raise ValidationError("Fix the fields marked below.")
        if not definition:
            raise ValidationError("Add at least one field.")
        self.definition = inputdef.normalize_definition(definition)

    def _condition(self, form: forms.Form, earlier: list[dict[str, Any]]) -> Any:
        data = form.cleaned_data
        advanced = (data.get("condition_json") or "").strip()
        if advanced:
            try:
                return json.loads(advanced)
            except json.JSONDecodeError as exc:
                form.add_error("condition_json", f"Not valid JSON: {exc.msg} (line {exc.lineno}).")
                return None
        by_key = {spec["key"]: spec for spec in earlier}
        leaves = []
        for i in range(1, CONDITION_ROWS + 1):
            ref = (data.get(f"cond_field_{i}") or "").strip()
            op = data.get(f"cond_op_{i}") or ""
            if not ref and not op:
                continue
            if not ref or not op:
                form.add_error(
                    f"cond_field_{i}" if not ref else f"cond_op_{i}",
                    f"Condition {i} needs both a field and an operator.",
                )
                continue
            leaf: dict[str, Any] = {"field": ref, "op": op}
            value = _cond_value(op, data.get(f"cond_value_{i}") or "", by_key.get(ref))
            if value is not None:
                leaf["value"] = value
            leaves.append(leaf)
        if not leaves:
            return None
        if len(leaves) == 1:
            return leaves[0]
        return {data.get("cond_join") or "all": leaves}


# formset_factory's type forgets the formset class it was given.
DefinitionFormSet = cast(
    type[BaseDefinitionFormSet],
    forms.formset_factory(
        DefinitionFieldForm,
        formset=BaseDefinitionFormSet,
        extra=0,
        can_order=True,
        can_delete=True,
        max_num=inputdef.MAX_FIELDS,
        validate_max=True,
    ),
)


def definition_formset(
    data: Any = None, definition: list[dict[str, Any]] | None = None
) -> BaseDefinitionFormSet:
    if data is not None:
        return DefinitionFormSet(data)
    return DefinitionFormSet(initial=definition_initial(definition or []))
