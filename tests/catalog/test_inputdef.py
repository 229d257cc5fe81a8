"""catalog/inputdef.py: definition validation, conditions, answers. Pure: no database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog import inputdef
from catalog.inputdef import evaluate, validate_answers, validate_definition, visible_keys

CHANNELS = ["E-mail", "Paid social", "Webinar"]

DEFINITION = [
    {"key": "name", "label": "Name", "type": "text", "required": True, "max": 20},
    {"key": "channels", "label": "Channels", "type": "multi_choice", "choices": CHANNELS},
    {
        "key": "volume",
        "label": "Send volume",
        "type": "number",
        "required": True,
        "min": 1,
        "max": 1000,
        "condition": {"field": "channels", "op": "eq", "value": "E-mail"},
    },
    {
        "key": "big_send_approver",
        "label": "Approver",
        "type": "email_list",
        "required": True,
        "condition": {
            "all": [
                {"field": "volume", "op": "set"},
                {"not": {"field": "volume", "op": "in", "value": [1, 2, 3]}},
            ]
        },
    },
    {"key": "date", "label": "Date", "type": "date", "min": "2025-01-01"},
    {"key": "link", "label": "Link", "type": "url"},
    {"key": "notes", "label": "Notes", "type": "long_text", "min": 3},
    {"key": "tier", "label": "Tier", "type": "choice", "choices": ["A", "B"]},
]


def messages(definition):
    return [str(e) for e in validate_definition(definition)]


def test_a_good_definition_has_no_errors():
    assert validate_definition(DEFINITION) == []


def test_not_a_list():
    assert messages({"key": "x"}) == ["The input definition must be a list of fields."]


@pytest.mark.parametrize(
    "field,expected",
    [
        ({"key": "a", "label": "A", "type": "colour"}, "Field 1 (a): unknown type 'colour'"),
        ({"key": "A b", "label": "A", "type": "text"}, "key 'A b' must start with a lowercase"),
        ({"key": "a", "label": " ", "type": "text"}, "Field 1 (a): needs a label."),
        ({"key": "a", "label": "A", "type": "choice"}, "a choice field needs choices."),
        (
            {"key": "a", "label": "A", "type": "choice", "choices": ["x", "x"]},
            "duplicate choices: x.",
        ),
        ({"key": "a", "label": "A", "type": "text", "choices": ["x"]}, "takes no choices"),
        ({"key": "a", "label": "A", "type": "number", "min": 5, "max": 1}, "max (1) is below min"),
        ({"key": "a", "label": "A", "type": "number", "min": "five"}, "min must be a number"),
        ({"key": "a", "label": "A", "type": "date", "max": "soon"}, "max must be a date"),
        ({"key": "a", "label": "A", "type": "text", "max": -1}, "max must be a whole length"),
        ({"key": "a", "label": "A", "type": "url", "min": 1}, "takes no min/max"),
        ({"key": "a", "label": "A", "type": "text", "colour": "red"}, "unknown attributes: colour"),
        ({"key": "a", "label": "A", "type": "text", "required": "yes"}, "required must be true"),
    ],
)
def test_bad_fields_are_named_with_the_problem(field, expected):
    found = messages([field])
    assert any(expected in m for m in found), found


def test_duplicate_keys():
    found = validate_definition(
        [
            {"key": "a", "label": "A", "type": "text"},
            {"key": "a", "label": "Again", "type": "text"},
        ]
    )
    assert [(e.index, e.key, e.path) for e in found] == [(1, "a", "1.key")]
    assert str(found[0]) == "Field 2 (a): duplicate key 'a'."


def test_condition_on_a_missing_field():
    found = validate_definition(
        [
            {
                "key": "a",
                "label": "A",
                "type": "text",
                "condition": {"field": "ghost", "op": "set"},
            }
        ]
    )
    assert found[0].path == "0.condition.field"
    assert "refers to 'ghost', which is not a field" in str(found[0])


def test_condition_on_a_later_field():
    found = messages(
        [
            {
                "key": "a",
                "label": "A",
                "type": "text",
                "condition": {"field": "b", "op": "eq", "value": "x"},
            },
            {"key": "b", "label": "B", "type": "text"},
        ]
    )
    assert found == [
        "Field 1 (a): the condition refers to 'b', which comes later; "
        "conditions may only refer to earlier fields."
    ]


def test_condition_on_itself():
    found = messages(
        [{"key": "a", "label": "A", "type": "text", "condition": {"field": "a", "op": "set"}}]
    )
    assert found == ["Field 1 (a): the condition refers to the field itself ('a')."]


@pytest.mark.parametrize(
    "condition,expected",
    [
        ({"field": "c", "op": "like", "value": "x"}, "unknown operator 'like'"),
        ({"field": "c", "op": "in", "value": "x"}, "'in' needs a non-empty list"),
        ({"field": "c", "op": "eq"}, "'eq' needs a single value"),
        ({"field": "c", "op": "eq", "value": "Purple"}, "'Purple' is not a choice of 'c'"),
        ({"all": []}, "'all' needs a non-empty list"),
        ({"any": [{"field": "c", "op": "set"}], "all": []}, "must be the only key"),
        ({"not": {"field": "nope", "op": "set"}}, "'nope', which is not a field"),
        ("c == x", "a condition must be an object"),
        ({"field": "c", "op": "set", "extra": 1}, "unknown condition keys: extra"),
    ],
)
def test_bad_conditions(condition, expected):
    definition = [
        {"key": "c", "label": "C", "type": "choice", "choices": ["Red", "Blue"]},
        {"key": "d", "label": "D", "type": "text", "condition": condition},
    ]
    found = messages(definition)
    assert len(found) == 1 and expected in found[0], found
    assert found[0].startswith("Field 2 (d):")


def test_nested_conditions_are_checked_at_every_level():
    deep = {"field": "c", "op": "set"}
    for _ in range(inputdef.MAX_CONDITION_DEPTH + 1):
        deep = {"not": deep}
    definition = [
        {"key": "c", "label": "C", "type": "text"},
        {"key": "d", "label": "D", "type": "text", "condition": deep},
    ]
    assert "nest deeper than" in messages(definition)[0]


# --- evaluation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition,answers,expected",
    [
        ({"field": "a", "op": "eq", "value": "x"}, {"a": "x"}, True),
        ({"field": "a", "op": "eq", "value": "x"}, {"a": "y"}, False),
        ({"field": "a", "op": "neq", "value": "x"}, {}, True),
        ({"field": "a", "op": "in", "value": ["x", "y"]}, {"a": "y"}, True),
        ({"field": "a", "op": "not_in", "value": ["x", "y"]}, {"a": "z"}, True),
        ({"field": "a", "op": "set"}, {"a": ""}, False),
        ({"field": "a", "op": "set"}, {"a": ["x"]}, True),
        ({"field": "a", "op": "unset"}, {"a": []}, True),
        ({"field": "a", "op": "eq", "value": "x"}, {"a": ["w", "x"]}, True),  # contains
        ({"field": "a", "op": "in", "value": ["x", "q"]}, {"a": ["w", "q"]}, True),  # intersects
        ({"field": "a", "op": "eq", "value": 5}, {"a": "5.0"}, True),  # numbers by value
        ({"field": "a", "op": "eq", "value": "5"}, {"a": 5}, True),
        ({"all": [{"field": "a", "op": "set"}, {"field": "b", "op": "unset"}]}, {"a": 1}, True),
        ({"any": [{"field": "a", "op": "set"}, {"field": "b", "op": "set"}]}, {}, False),
        ({"not": {"field": "a", "op": "set"}}, {}, True),
        (None, {}, True),
    ],
)
def test_evaluate(condition, answers, expected):
    assert evaluate(condition, answers) is expected


def test_hidden_fields_count_as_unset_for_later_conditions():
    # volume hidden (no e-mail) → the approver (which needs volume set) is hidden too
    answers = {"name": "x", "channels": ["Webinar"], "volume": 500, "big_send_approver": "a@b.co"}
    assert visible_keys(DEFINITION, answers) == [
        "name",
        "channels",
        "date",
        "link",
        "notes",
        "tier",
    ]
    answers["channels"] = ["E-mail"]
    assert "big_send_approver" in visible_keys(DEFINITION, answers)
    answers["volume"] = 2
    assert "big_send_approver" not in visible_keys(DEFINITION, answers)


def test_describe_condition():
    labels = {"a": "Channel", "b": "Budget"}
    text = inputdef.describe_condition(
        {"all": [{"field": "a", "op": "eq", "value": "E-mail"}, {"field": "b", "op": "set"}]},
        labels,
    )
    assert text == "(Channel is E-mail and Budget is filled in)"


# --- answers ------------------------------------------------------------------------------


def test_valid_answers_are_cleaned_and_hidden_values_dropped():
    cleaned, errors = validate_answers(
        DEFINITION,
        {
            "name": "  Spring launch ",
            "channels": ["Webinar", "E-mail"],
            "volume": "250",
            "big_send_approver": "Ann@Example.com, bob@example.com\nann@example.com",
            "date": "2025-03-03",
            "link": "https://example.com/brief",
            "notes": "",
            "tier": "B",
            "unknown": "dropped",
        },
    )
    assert errors == {}
    assert cleaned == {
        "name": "Spring launch",
        "channels": ["E-mail", "Webinar"],  # definition order
        "volume": 250,
        "big_send_approver": ["ann@example.com", "bob@example.com"],
        "date": "2025-03-03",
        "link": "https://example.com/brief",
        "tier": "B",
    }


def test_values_of_hidden_fields_are_dropped_and_not_required():
    cleaned, errors = validate_answers(
        DEFINITION, {"name": "x", "channels": ["Webinar"], "volume": "not a number"}
    )
    assert errors == {}
    assert "volume" not in cleaned


@pytest.mark.parametrize(
    "answers,key,message",
    [
        ({}, "name", "This field is required."),
        ({"name": "x" * 21}, "name", "at most 20 characters"),
        ({"name": "a\nb"}, "name", "single line"),
        ({"name": "x", "channels": ["E-mail"]}, "volume", "required"),
        ({"name": "x", "channels": ["E-mail"], "volume": "0"}, "volume", "at least 1"),
        ({"name": "x", "channels": ["E-mail"], "volume": "1e9"}, "volume", "at most 1000"),
        ({"name": "x", "channels": ["E-mail"], "volume": "lots"}, "volume", "Enter a number"),
        ({"name": "x", "channels": ["Fax"]}, "channels", "'Fax' is not one of the choices"),
        ({"name": "x", "date": "2024-12-31"}, "date", "on or after 2025-01-01"),
        ({"name": "x", "date": "31/12/2025"}, "date", "YYYY-MM-DD"),
        ({"name": "x", "link": "example.com"}, "link", "http:// or https://"),
        ({"name": "x", "link": "javascript:alert(1)"}, "link", "http:// or https://"),
        ({"name": "x", "notes": "ab"}, "notes", "at least 3 characters"),
        ({"name": "x", "tier": "C"}, "tier", "'C' is not one of the choices"),
        (
            {"name": "x", "channels": ["E-mail"], "volume": 50, "big_send_approver": "nope"},
            "big_send_approver",
            "Not an e-mail address: nope",
        ),
    ],
)
def test_invalid_answers(answers, key, message):
    _, errors = validate_answers(DEFINITION, answers)
    assert key in errors and message in errors[key], errors


def test_list_bounds():
    definition = [
        {"key": "m", "label": "M", "type": "multi_choice", "choices": ["a", "b", "c"], "min": 2},
        {"key": "e", "label": "E", "type": "email_list", "max": 1},
    ]
    _, errors = validate_answers(definition, {"m": ["a"], "e": "a@b.co, c@d.co"})
    assert errors == {"m": "Pick at least 2 choices.", "e": "Enter at most 1 addresses."}


# --- properties ---------------------------------------------------------------------------

keys = st.sampled_from(["a", "b", "c", "d", "e"])
leaf = st.one_of(
    st.builds(
        lambda k, op, v: {"field": k, "op": op, "value": v},
        keys,
        st.sampled_from(["eq", "neq"]),
        st.sampled_from(["x", "y", "1", 2]),
    ),
    st.builds(
        lambda k, op, v: {"field": k, "op": op, "value": v},
        keys,
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(["x", "y", "1"]), min_size=1, max_size=3),
    ),
    st.builds(lambda k, op: {"field": k, "op": op}, keys, st.sampled_from(["set", "unset"])),
)
conditions = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda cs: {"all": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda cs: {"any": cs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, inner),
    ),
    max_leaves=6,
)
answer_values = st.one_of(
    st.none(), st.sampled_from(["", "x", "y", "1"]), st.lists(st.sampled_from(["x", "y"]))
)
answer_sets = st.dictionaries(keys, answer_values)


@given(conditions, answer_sets)
def test_not_inverts_and_de_morgan_holds(condition, answers):
    assert evaluate({"not": condition}, answers) is (not evaluate(condition, answers))
    assert evaluate({"all": [condition, {"not": condition}]}, answers) is False
    assert evaluate({"any": [condition, {"not": condition}]}, answers) is True


@given(keys, answer_values, st.lists(st.sampled_from(["x", "y", "1"]), min_size=1))
def test_in_is_any_of_eq_and_not_in_is_its_negation(key, value, options):
    answers = {key: value}
    as_any = any(evaluate({"field": key, "op": "eq", "value": o}, answers) for o in options)
    assert evaluate({"field": key, "op": "in", "value": options}, answers) is as_any
    assert evaluate({"field": key, "op": "not_in", "value": options}, answers) is (not as_any)


field_specs = st.fixed_dictionaries(
    {
        "type": st.sampled_from(list(inputdef.FIELD_TYPES)),
        "required": st.booleans(),
        "condition": st.one_of(st.none(), conditions),
    }
)


@st.composite
def definitions(draw):
    """Random *valid* definitions: conditions rewritten to refer to earlier fields only."""
    specs = draw(st.lists(field_specs, min_size=1, max_size=6))
    out = []
    for i, spec in enumerate(specs):
        field = {"key": f"f{i}", "label": f"Field {i}", "type": spec["type"]}
        if spec["required"]:
            field["required"] = True
        if spec["type"] in inputdef.CHOICE_TYPES:
            field["choices"] = ["x", "y", "1"]
        if i and spec["condition"] is not None:
            field["condition"] = _retarget(spec["condition"], i, draw)
        out.append(field)
    return out


def _retarget(condition, index, draw):
    if "field" in condition:
        value = condition.get("value")
        new = {"field": f"f{draw(st.integers(0, index - 1))}", "op": condition["op"]}
        if value is not None:
            new["value"] = value
        return new
    group = next(iter(condition))
    if group == "not":
        return {"not": _retarget(condition["not"], index, draw)}
    return {group: [_retarget(c, index, draw) for c in condition[group]]}


def _condition_choices_ok(definition):
    """Conditions on choice fields must use their choices: filter generated ones that don't."""
    return not any("is not a choice" in str(e) for e in validate_definition(definition))


@settings(max_examples=150)
@given(definitions(), st.dictionaries(st.sampled_from([f"f{i}" for i in range(6)]), answer_values))
def test_answers_never_contain_hidden_fields_and_required_visible_ones_are_checked(
    definition, answers
):
    if not _condition_choices_ok(definition):
        return
    assert validate_definition(definition) == []
    cleaned, errors = validate_answers(definition, answers)
    assert set(errors) <= {f["key"] for f in definition}
    if errors:  # an invalid answer: later conditions followed what was typed, nothing to check
        return
    shown = set(visible_keys(definition, cleaned))
    assert set(cleaned) <= shown
    for field in definition:
        if field.get("required") and field["key"] in shown:
            assert field["key"] in cleaned
    assert validate_answers(definition, cleaned) == (cleaned, {})  # cleaning is idempotent


junk_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(
    st.lists(
        st.fixed_dictionaries(
            {"key": junk_values, "label": junk_values, "type": junk_values},
            optional={
                "choices": junk_values,
                "min": junk_values,
                "max": junk_values,
                "condition": junk_values,
                "required": junk_values,
                "help": junk_values,
            },
        ),
        min_size=1,
        max_size=4,
    )
)
def test_validator_never_crashes_on_junk(junk):
    errors = validate_definition(junk)
    assert all(str(e) for e in errors)  # never raises, always explains
