"""Forms: the request form generated from an input definition (`build_answers_form`, also
used by intake), and the editors for services, calendars, SLA policies and templates."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from mops.accounts.models import Team
from mops.core.timezones import TimeZoneField

from . import holidayregions, inputdef
from .closeddays import ClosedDayError, ClosedSpan, parse_closed_days
from .models import (
    TARGET_CHOICES,
    WEEKDAYS,
    Calendar,
    ChangeType,
    Channel,
    Complexity,
    SelfServeTool,
    SlaPolicy,
    Template,
    _time_zones,
)
from .services import POLICY_FIELDS

# --- the request form ---------------------------------------------------------------------


class _LenientChoiceField(forms.ChoiceField):
    """Choice membership is checked by inputdef.validate_answers (which skips hidden fields)."""

    def valid_value(self, value: Any) -> bool:
        return True


class _LenientMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value: Any) -> bool:
        return True


def _bound_attrs(spec: dict[str, Any]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    ftype = spec["type"]
    lo, hi = spec.get("min"), spec.get("max")
    if ftype in (inputdef.NUMBER, inputdef.DATE):
        if lo is not None:
            attrs["min"] = str(lo)
        if hi is not None:
            attrs["max"] = str(hi)
    elif ftype in (inputdef.TEXT, inputdef.LONG_TEXT):
        if lo is not None:
            attrs["minlength"] = str(lo)
        if hi is not None:
            attrs["maxlength"] = str(hi)
    return attrs


def _form_field(spec: dict[str, Any]) -> forms.Field:
    ftype = spec["type"]
    common: dict[str, Any] = {
        "label": spec["label"],
        "help_text": spec.get("help", ""),
        "required": False,  # required-ness depends on conditions: validate_answers decides
    }
    attrs = _bound_attrs(spec)
    if spec.get("required"):
        attrs["aria-required"] = "true"
    if ftype == inputdef.TEXT:
        field: forms.Field = forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    elif ftype == inputdef.LONG_TEXT:
        field = forms.CharField(widget=forms.Textarea(attrs=attrs | {"rows": 4}), **common)
    elif ftype == inputdef.CHOICE:
        field = _LenientChoiceField(
            choices=[("", "—")] + [(c, c) for c in spec["choices"]],
            widget=forms.Select(attrs=attrs),
            **common,
        )
    elif ftype == inputdef.MULTI_CHOICE:
        field = _LenientMultipleChoiceField(
            choices=[(c, c) for c in spec["choices"]],
            widget=forms.CheckboxSelectMultiple(attrs=attrs),
            **common,
        )
    elif ftype == inputdef.DATE:
        field = forms.CharField(
            widget=forms.DateInput(attrs=attrs | {"type": "date"}, format="%Y-%m-%d"), **common
        )
    elif ftype == inputdef.URL:
        field = forms.CharField(
            widget=forms.URLInput(attrs=attrs | {"placeholder": "https://"}), **common
        )
    elif ftype == inputdef.NUMBER:
        field = forms.CharField(widget=forms.NumberInput(attrs=attrs | {"step": "any"}), **common)
    elif ftype == inputdef.EMAIL_LIST:
        if not common["help_text"]:
            common["help_text"] = "E-mail addresses, separated by commas or new lines."
        field = forms.CharField(
            widget=forms.Textarea(attrs=attrs | {"rows": 2, "placeholder": "name@example.com"}),
            **common,
        )
    else:  # pragma: no cover - definitions are validated before use
        raise ValueError(f"Unknown field type {ftype!r}")
    field.definition = spec  # type: ignore[attr-defined]
    field.condition_json = (  # type: ignore[attr-defined]
        json.dumps(spec["condition"], separators=(",", ":")) if spec.get("condition") else ""
    )
    field.definition_required = bool(spec.get("required"))  # type: ignore[attr-defined]
    return field


class AnswersForm(forms.Form):
    """A request form for one input definition. After `is_valid()`, `answers` holds the
    cleaned, JSON-ready values (hidden fields dropped), exactly as validate_answers says."""

    definition: list[dict[str, Any]] = []
    template_name = "catalog/includes/answers_form.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        raw = dict(super().clean() or {})
        answers, errors = inputdef.validate_answers(self.definition, raw)
        for key, message in errors.items():
            if key in self.fields and key not in self.errors:
                self.add_error(key, message)
        self.answers = answers
        return raw

    def visible_keys(self) -> list[str]:
        data = {name: self[name].value() for name in self.fields}
        return inputdef.visible_keys(self.definition, data)


def answers_form_class(definition: list[dict[str, Any]]) -> type[AnswersForm]:
    fields = {spec["key"]: _form_field(spec) for spec in definition}
    labels = {spec["key"]: spec["label"] for spec in definition}
    for spec in definition:
        fields[spec["key"]].condition_text = inputdef.describe_condition(  # type: ignore[attr-defined]
            spec.get("condition"), labels
        )
    return type(
        "AnswersForm",
        (AnswersForm,),
        {**fields, "definition": list(definition)},
    )


def build_answers_form(
    definition: list[dict[str, Any]], data: Any = None, **kwargs: Any
) -> AnswersForm:
    """The request form for `definition`: one field per entry; each field carries
    `condition_json` (rendered as `data-condition`) for conditions.js to show/hide it live.

    Render it with ``{% include "catalog/includes/answers_form.html" with form=form %}``.
    """
    return answers_form_class(definition)(data, **kwargs)


# --- the input-definition editor (a formset, one form per field) --------------------------

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


# --- service, calendar, policy and template forms -----------------------------------------


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Left empty, made from the name."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner_team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    change_type = forms.ChoiceField(choices=ChangeType.choices)
    default_complexity = forms.ChoiceField(
        choices=Complexity.choices, initial=Complexity.STANDARD, label="Default complexity"
    )
    self_serve = forms.BooleanField(
        required=False, label="Self-serve (requesters can do it themselves)"
    )
    self_serve_tool = forms.ChoiceField(
        choices=SelfServeTool.choices,
        initial=SelfServeTool.GUIDE,
        label="Self-serve path",
        help_text="What a marketer does instead of opening a request.",
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        label="Self-serve instructions",
        help_text="The steps a marketer follows (shown on the service page). Required for a guide.",
    )
    sla_policy = forms.ModelChoiceField(
        queryset=SlaPolicy.objects.select_related("calendar"), label="SLA policy"
    )
    templates = forms.ModelMultipleChoiceField(
        queryset=Template.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Approved templates",
    )
    changelog = forms.CharField(
        required=False,
        max_length=500,
        label="What changed",
        help_text="Goes into the version history when the form, complexity, SLA or templates change.",
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("slug") and data.get("name"):
            data["slug"] = slugify(data["name"])[:120]
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"],
            "description": data.get("description", ""),
            "owner_team": data.get("owner_team"),
            "channels": list(data.get("channels") or []),
            "change_type": data["change_type"],
            "default_complexity": data["default_complexity"],
            "self_serve": bool(data.get("self_serve")),
            "self_serve_tool": data.get("self_serve_tool") or SelfServeTool.GUIDE,
            "instructions": data.get("instructions", ""),
            "sla_policy": data["sla_policy"],
        }


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=120)
    slug = forms.SlugField(
        max_length=120, required=False, help_text="Left empty, made from the name."
    )
    time_zone = TimeZoneField()
    holiday_country = forms.ChoiceField(
        required=False,
        label="Public holidays of",
        error_messages={
            "invalid_choice": "'%(value)s' is not a country the holidays package knows; pick "
            "one from the list."
        },
    )
    holiday_subdivision = forms.ChoiceField(
        required=False,
        label="Region",
        help_text="Regional holidays (England's Easter Monday and late-summer bank holiday need "
        "United Kingdom + England).",
    )
    closed_days = forms.CharField(
        required=False,
        label="Company closed days",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line: 2026-12-24 Christmas Eve · 2026-12-24 to 2027-01-01 Company"
        " shutdown · every 12-24 Christmas Eve (each year). A line that cannot be read is refused.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (z, z) for z in sorted(_time_zones())
        ]
        cast(forms.ChoiceField, self.fields["holiday_country"]).choices = [
            ("", "No public holidays"),
            *((code, f"{name} ({code})") for code, name in holidayregions.countries()),
        ]
        country = (self.data.get("holiday_country") if self.is_bound else None) or (
            self.initial.get("holiday_country") or ""
        )
        subdivisions = holidayregions.subdivisions(country)
        cast(forms.ChoiceField, self.fields["holiday_subdivision"]).choices = [
            ("", "Whole country" if subdivisions else "—"),
            *((code, f"{name} ({code})") for code, name in subdivisions),
        ]
        self.fields["holiday_subdivision"].error_messages["invalid_choice"] = (
            f"'%(value)s' is not a region of {country or 'the chosen country'}; pick one from "
            "the list."
        )
        preview = reverse("catalog:holiday_preview")
        for name in ("holiday_country", "holiday_subdivision"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": preview,
                    "hx-trigger": "change",
                    "hx-target": "#holiday-fields",
                    "hx-include": "[name=holiday_country],[name=holiday_subdivision]",
                }
            )
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"day_{day}"] = forms.CharField(
                required=False,
                label=name,
                help_text="Intervals like 09:00-12:00, 13:00-17:00; empty = closed; 24:00 ends the day."
                if day == 0
                else "",
            )

    def day_fields(self) -> list[Any]:
        return [self[f"day_{d}"] for d in range(7)]

    @staticmethod
    def initial_for(calendar: Calendar) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "slug": calendar.slug,
            "time_zone": calendar.time_zone,
            "holiday_country": (calendar.holiday_regions or [""])[0].partition("-")[0],
            "holiday_subdivision": (calendar.holiday_regions or [""])[0].partition("-")[2],
            "closed_days": "\n".join(c.span.text() for c in calendar.closed_days.all()),
        }
        for day, intervals in calendar.week.items():
            initial[f"day_{day}"] = ", ".join(
                f"{s:%H:%M}-{'24:00' if e is None else format(e, '%H:%M')}" for s, e in intervals
            )
        return initial

    def holiday_regions(self) -> list[str]:
        """The chosen region as the calendar stores it: ["GB-ENG"], ["US"] or []."""
        country = self.cleaned_data.get("holiday_country") or ""
        if not country:
            return []
        return [
            holidayregions.region_code(country, self.cleaned_data.get("holiday_subdivision") or "")
        ]

    def holiday_preview(self) -> list[tuple[date, str]]:
        """The next public holidays of the chosen region (what the form shows under it)."""
        country = self["holiday_country"].value() or ""
        subdivision = self["holiday_subdivision"].value() or ""
        if country not in dict(holidayregions.countries()):
            return []
        if subdivision not in dict(holidayregions.subdivisions(country)):
            subdivision = ""
        region = holidayregions.region_code(country, subdivision)
        return holidayregions.upcoming(region, today=timezone.localdate())

    def clean_closed_days(self) -> list[ClosedSpan]:
        try:
            return parse_closed_days(self.cleaned_data["closed_days"])
        except ClosedDayError as exc:
            raise ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        from .services import parse_week_text

        data = super().clean() or {}
        if not data.get("slug") and data.get("name"):
            data["slug"] = slugify(data["name"])[:120]
        try:
            data["working_hours"] = parse_week_text({d: data.get(f"day_{d}", "") for d in range(7)})
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(None if field == "__all__" else field, messages)
        return data


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [f for f in POLICY_FIELDS if f != "target_kinds"]  # the service's list
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _slug_optional(self)
        # Each target: business hours (the hours field) or business days / end of day.
        kinds = (self.instance.target_kinds if self.instance else None) or {}
        order = []
        for name in self.Meta.fields:
            order.append(name)
            clock, _, complexity = name.partition("_hours_")
            if complexity:
                key = f"{clock}_{complexity}"
                self.fields[f"{key}_kind"] = forms.ChoiceField(
                    label=f"{clock.title()} target ({complexity})",
                    choices=TARGET_CHOICES,
                    required=False,
                    initial=kinds.get(key, ""),
                    help_text="Business days count in the calendar's own day length; "
                    "“end of this business day” is the close of the day the clock starts.",
                )
                order.append(f"{key}_kind")
        self.order_fields(order)

    def service_fields(self) -> dict[str, Any]:
        """What `sla_policy_create` / `sla_policy_update` take."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        fields["target_kinds"] = {
            name.removesuffix("_kind"): value
            for name, value in self.cleaned_data.items()
            if name.endswith("_kind") and value
        }
        return fields

    def _post_clean(self) -> None:  # the service runs full_clean; keep form-level checks only
        pass


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ["name", "slug", "kind", "channel", "owner_team", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _slug_optional(self)

    def _post_clean(self) -> None:
        pass


def _slug_optional(form: forms.ModelForm) -> None:
    """Slugs are automatic everywhere: left empty, the service makes one from the name."""
    form.fields["slug"].required = False
    form.fields["slug"].help_text = "Left empty, made from the name."


class TemplateVersionForm(forms.Form):
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="The pattern as builders read it.",
    )
    spec = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        label="Spec (JSON object)",
        help_text='Structured steps, e.g. {"steps": [{"email": "welcome", "wait_days": 0}]}',
    )
    changelog = forms.CharField(max_length=1000, label="What changed")
    rollback_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Rollback plan"
    )

    def clean_spec(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("spec") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
        if not isinstance(value, dict):
            raise ValidationError("The spec must be a JSON object ({...}).")
        return value


class TemplateRollbackForm(forms.Form):
    to_number = forms.IntegerField(label="Restore version", min_value=1)
    changelog = forms.CharField(required=False, max_length=1000, label="Why")
