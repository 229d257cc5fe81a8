"""The RFC risk questionnaire: a few yes/no questions whose weights suggest a risk level.

The suggestion is advice shown next to the author's choice (and stored with the RFC); the
author's level is what decides the approval policy. No Django import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LOW, MEDIUM, HIGH = "low", "medium", "high"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    weight: int


QUESTIONS: tuple[Question, ...] = (
    Question("production_data", "Does it change production data or schema (not only config)?", 2),
    Question(
        "revenue_reporting",
        "Does it affect routing, scoring or attribution that sales or reporting rely on?",
        2,
    ),
    Question("many_records", "Will it touch more than 10,000 records or all future leads?", 1),
    Question("customer_facing", "Can customers or prospects see the result (e-mails, pages)?", 1),
    Question("hard_rollback", "Is it hard or slow to roll back (data rewritten, sends made)?", 2),
    Question("untested", "Can it NOT be tested end to end in a sandbox first?", 1),
)
QUESTION_KEYS = frozenset(q.key for q in QUESTIONS)

# Score thresholds: at or above HIGH_AT suggests high, at or above MEDIUM_AT medium.
MEDIUM_AT = 2
HIGH_AT = 5


def risk_score(answers: Mapping[str, bool]) -> int:
    return sum(q.weight for q in QUESTIONS if answers.get(q.key))


def risk_suggest(answers: Mapping[str, bool]) -> str:
    """The level the answers suggest: low, medium or high."""
    score = risk_score(answers)
    if score >= HIGH_AT:
        return HIGH
    if score >= MEDIUM_AT:
        return MEDIUM
    return LOW


def risk_answers_clean(raw: object) -> dict[str, bool]:
    """Only known questions, as booleans; raises ValueError naming an unknown key."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError("must be an object of question → true/false")
    unknown = sorted(set(raw) - QUESTION_KEYS)
    if unknown:
        raise ValueError(f"unknown questions: {', '.join(map(str, unknown))}")
    cleaned = {}
    for key, value in raw.items():
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        cleaned[key] = value
    return cleaned
