"""The scoring model: formula, validation, explanation, and the SQL twin used for rescoring."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake import scoring

FACTORS = scoring.parse_factors(scoring.DEFAULT_FACTORS)


def test_default_model_best_and_worst():
    assert scoring.score(FACTORS, {"impact": 5, "effort": 1, "risk": 1}) == Decimal("100.00")
    assert scoring.score(FACTORS, {"impact": 1, "effort": 5, "risk": 5}) == Decimal("0.00")


def test_hand_checked_score():
    # impact 4 → 0.75 × 3, effort 2 (cost) → 0.75 × 2, risk 3 (cost) → 0.5 × 1
    # = (2.25 + 1.5 + 0.5) / 6 × 100 = 70.83
    assert scoring.score(FACTORS, {"impact": 4, "effort": 2, "risk": 3}) == Decimal("70.83")


def test_missing_input_gives_no_score():
    assert scoring.score(FACTORS, {"impact": 4}) is None


def test_explanation_adds_up_and_reads_like_arithmetic():
    explanation = scoring.explain(FACTORS, {"impact": 4, "effort": 2, "risk": 3})
    assert explanation.score == Decimal("70.83")
    assert explanation.lines[0] == (
        "Business impact 4 (higher is better, scale 1–5) → 0.75 × weight 3 = 37.50 points"
    )
    assert "Effort 2 (lower is better" in explanation.lines[1]
    total = sum(t.contribution for t in explanation.terms)
    assert abs(total - explanation.score) <= Decimal("0.02")


@pytest.mark.parametrize(
    "factors, field",
    [
        ([], "factors"),
        ([{"key": "Impact"}], "factors.0.key"),
        ([{"key": "a"}, {"key": "a"}], "factors.1.key"),
        ([{"key": "a", "low": 5, "high": 5}], "factors.0.high"),
        ([{"key": "a", "direction": "up"}], "factors.0.direction"),
        ([{"key": "a", "weight": 0}], "factors.0.weight"),
        ([{"key": "a", "weight": "x"}], "factors.0.weight"),
        ([{"key": "a", "low": "1.5"}], "factors.0.low"),
    ],
)
def test_bad_factor_definitions_name_the_field(factors, field):
    with pytest.raises(scoring.ScoringError) as info:
        scoring.parse_factors(factors)
    assert info.value.field == field


def test_clean_inputs_checks_scale_and_completeness():
    assert scoring.clean_inputs(FACTORS, {"impact": "4", "effort": 2, "risk": 1, "x": 9}) == {
        "impact": 4,
        "effort": 2,
        "risk": 1,
    }
    with pytest.raises(scoring.ScoringError) as info:
        scoring.clean_inputs(FACTORS, {"impact": 9, "effort": 2, "risk": 1})
    assert info.value.field == "scoring_inputs.impact"
    with pytest.raises(scoring.ScoringError) as info:
        scoring.clean_inputs(FACTORS, {"impact": 3})
    assert info.value.field == "scoring_inputs.effort"
    assert scoring.clean_inputs(FACTORS, {"impact": 3}, partial=True) == {"impact": 3}


factor_lists = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.integers(1, 9),
        st.sampled_from(scoring.DIRECTIONS),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10), places=2),
    ),
    min_size=1,
    max_size=4,
)


@given(factor_lists, st.data())
@settings(max_examples=200, deadline=None)
def test_score_is_between_0_and_100_and_monotone_in_benefit(raw, data):
    factors = scoring.parse_factors(
        [
            {"key": f"f{i}", "low": lo, "high": lo + span, "direction": d, "weight": str(w)}
            for i, (lo, span, d, w) in enumerate(raw)
        ]
    )
    inputs = {f.key: data.draw(st.integers(f.low, f.high)) for f in factors}
    value = scoring.score(factors, inputs)
    assert Decimal(0) <= value <= Decimal(100)
    f = factors[0]
    better = dict(inputs)
    if f.direction == scoring.BENEFIT and inputs[f.key] < f.high:
        better[f.key] += 1
        assert scoring.score(factors, better) >= value
    if f.direction == scoring.COST and inputs[f.key] > f.low:
        better[f.key] -= 1
        assert scoring.score(factors, better) >= value
