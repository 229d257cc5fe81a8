"""A quiz as plain text, for the authoring page (pure: no Django).

    Q: Which delimiter joins the tokens of a campaign name?
    - Space
    * Underscore (_)
    - Comma

A line starting "Q:" opens a question; "-" lines are choices and the one "*" line is the
right answer. Blank lines are ignored. Parsed into the stored form
[{"question", "choices", "answer"}] that `validate_quiz` checks.
"""

from __future__ import annotations

from typing import Any


class QuizTextError(ValueError):
    pass


def quiz_parse(text: str) -> list[dict[str, Any]]:
    """The quiz written as text → the stored list; QuizTextError names the line at fault."""
    quiz: list[dict[str, Any]] = []
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line[:2].upper() == "Q:":
            question = line[2:].strip()
            if not question:
                raise QuizTextError(f"Line {number}: write the question after 'Q:'.")
            quiz.append({"question": question, "choices": [], "answer": None})
        elif line[0] in "-*":
            if not quiz:
                raise QuizTextError(f"Line {number}: a choice before any 'Q:' question.")
            choice = line[1:].strip()
            if not choice:
                raise QuizTextError(f"Line {number}: the choice is empty.")
            current = quiz[-1]
            if line[0] == "*":
                if current["answer"] is not None:
                    raise QuizTextError(f"Line {number}: only one choice may be marked '*'.")
                current["answer"] = len(current["choices"])
            current["choices"].append(choice)
        else:
            raise QuizTextError(
                f"Line {number}: start it with 'Q:' (a question), '-' (a choice) or '*' "
                "(the right choice)."
            )
    for n, q in enumerate(quiz, 1):
        if len(q["choices"]) < 2:
            raise QuizTextError(f"Question {n}: give at least two choices.")
        if q["answer"] is None:
            raise QuizTextError(f"Question {n}: mark the right choice with '*'.")
    return quiz


def quiz_format(quiz: list[dict[str, Any]]) -> str:
    """The stored quiz back as text (round-trips through `quiz_parse`)."""
    blocks = []
    for q in quiz:
        lines = [f"Q: {q['question']}"]
        lines += [
            f"{'*' if i == q['answer'] else '-'} {choice}" for i, choice in enumerate(q["choices"])
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
