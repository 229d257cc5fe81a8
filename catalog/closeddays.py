"""Company closed days typed one per line, parsed strictly (no Django).

    2026-12-24 Christmas Eve
    2026-12-24 to 2027-01-01 Company shutdown
    every 12-24 Christmas Eve                (every year)
    every 12-24 to 01-01 Winter shutdown     (every year, across the new year)

Rules a reader could not guess:
- A line the parser does not understand is refused with its number and the fix; it is never
  reinterpreted ("2026-12-24 to 2027-01-01 Shutdown" is never one day named "to 2027-…").
- A name may not itself hold a date or start with a range word: that is almost always a range
  or a second day typed the wrong way.
- Ranges are inclusive and at most 366 days long; yearly closures cannot fall on 29 February.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

DEFAULT_NAME = "Company closed day"
MAX_SPAN_DAYS = 366
EXAMPLES = (
    "write “2026-12-24 Christmas Eve”, “2026-12-24 to 2027-01-01 Company shutdown” or "
    "“every 12-24 Christmas Eve”"
)
_RANGE_WORDS = ("to", "until", "till", "through", "thru", "-", "–", "—", "..")
_EVERY_WORDS = ("every", "yearly", "annually")
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\b\d{1,2}[/.]\d{1,2}\b|\b\d{1,2}-\d{1,2}\b")
_YEARLY_ANCHOR = 2001  # a year that is not a leap year: 29 February cannot repeat yearly


class ClosedDayError(ValueError):
    """A line that cannot be read; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ClosedSpan:
    """Closed from `start` to `end` inclusive; `yearly` repeats it every year (the year of
    `start` is then only an anchor)."""

    start: date
    end: date
    name: str = DEFAULT_NAME
    yearly: bool = False

    def dates_in(self, years: Iterable[int]) -> dict[date, str]:
        """Every closed date of this span in `years`."""
        wanted = set(years)
        found: dict[date, str] = {}
        if not self.yearly:
            day = self.start
            while day <= self.end:
                if day.year in wanted:
                    found[day] = self.name
                day += timedelta(days=1)
            return found
        length = (self.end - self.start).days
        for year in sorted(wanted | {y - 1 for y in wanted}):
            try:
                first = self.start.replace(year=year)
            except ValueError:
                continue
            for offset in range(length + 1):
                day = first + timedelta(days=offset)
                if day.year in wanted:
                    found[day] = self.name
        return found

    def text(self) -> str:
        """The line that reads back as this span."""
        if self.yearly:
            head = f"every {self.start:%m-%d}"
            if self.end != self.start:
                head += f" to {self.end:%m-%d}"
        else:
            head = self.start.isoformat()
            if self.end != self.start:
                head += f" to {self.end.isoformat()}"
        return f"{head} {self.name}"


def parse_closed_days(text: str) -> list[ClosedSpan]:
    """Every line of `text` as a span; ClosedDayError on the first line it cannot read."""
    spans: list[ClosedSpan] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = " ".join(raw.split())
        if line and not line.startswith("#"):
            spans.append(_parse_line(number, line))
    return spans


def _parse_line(number: int, line: str) -> ClosedSpan:
    words = line.split(" ")
    yearly = words[0].lower() in _EVERY_WORDS
    if yearly:
        words = words[1:]
        if not words:
            raise ClosedDayError(number, f"“{line}” has no day after “every”; {EXAMPLES}.")
    start = _day(number, words[0], yearly)
    rest = words[1:]
    end = start
    if rest and rest[0].lower() in _RANGE_WORDS:
        if len(rest) < 2:
            raise ClosedDayError(number, f"the range has no last day; {EXAMPLES}.")
        end = _day(number, rest[1], yearly)
        rest = rest[2:]
    elif rest and _DATE_LIKE.fullmatch(rest[0]):
        raise ClosedDayError(
            number,
            f"two days without “to” between them; write “{words[0]} to {rest[0]} …” for a "
            "range, or put each day on its own line.",
        )
    name = " ".join(rest).strip() or DEFAULT_NAME
    if rest and rest[0].lower() in _RANGE_WORDS:
        raise ClosedDayError(number, f"“{rest[0]}” after the range; {EXAMPLES}.")
    if _DATE_LIKE.search(name):
        raise ClosedDayError(
            number,
            f"the name “{name}” holds a date; for a range write “start to end name” with "
            "both days in the same form, or put each day on its own line.",
        )
    if yearly and end < start:
        end = end.replace(year=_YEARLY_ANCHOR + 1)  # every 12-24 to 01-01: across new year
    if end < start:
        raise ClosedDayError(number, f"the range ends ({end}) before it starts ({start}).")
    if (end - start).days >= MAX_SPAN_DAYS:
        raise ClosedDayError(
            number, f"a closure of more than {MAX_SPAN_DAYS} days; check the years."
        )
    return ClosedSpan(start=start, end=end, name=name[:120], yearly=yearly)


def _day(number: int, word: str, yearly: bool) -> date:
    if yearly:
        match = re.fullmatch(r"(\d{1,2})-(\d{1,2})", word)
        if not match:
            raise ClosedDayError(
                number, f"'{word}' is not a month-day; a yearly closure is “every MM-DD name”."
            )
        month, day = int(match[1]), int(match[2])
        if (month, day) == (2, 29):
            raise ClosedDayError(number, "29 February does not come every year; pick 02-28.")
        try:
            return date(_YEARLY_ANCHOR, month, day)
        except ValueError:
            raise ClosedDayError(number, f"'{word}' is not a day of the year.") from None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            raise ValueError
        return date.fromisoformat(word)
    except ValueError:
        raise ClosedDayError(number, f"'{word}' is not a date (YYYY-MM-DD); {EXAMPLES}.") from None
