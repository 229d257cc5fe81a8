import pytest

from mops.core.lifecycle import Lifecycle, Transition, TransitionError

machine = Lifecycle(
    states=["draft", "review", "done"],
    transitions=[
        Transition("submit", frozenset({"draft"}), "review", frozenset({"author"})),
        Transition("approve", frozenset({"review"}), "done", frozenset({"approver"})),
    ],
)


def test_allowed_transition_returns_the_target():
    assert machine.check(state="draft", name="submit", roles={"author"}).target == "review"


def test_transition_from_the_wrong_state_is_refused():
    with pytest.raises(TransitionError, match="from state 'done'"):
        machine.check(state="done", name="submit", roles={"author"})


def test_transition_by_the_wrong_role_is_refused_as_forbidden():
    with pytest.raises(TransitionError) as error:
        machine.check(state="review", name="approve", roles={"author"})
    assert error.value.code == "forbidden"


def test_unknown_transition_names_the_known_ones():
    with pytest.raises(TransitionError, match="approve, submit"):
        machine.get("ship")


def test_available_lists_only_what_the_role_may_do():
    assert [t.name for t in machine.available(state="review", roles={"approver"})] == ["approve"]
    assert machine.available(state="review", roles={"author"}) == []


def test_declaring_a_transition_to_an_unknown_state_fails_fast():
    with pytest.raises(ValueError, match="unknown states"):
        Lifecycle(states=["a"], transitions=[Transition("x", frozenset({"a"}), "b", frozenset())])
