"""Relative time in a question ("this week", "yesterday", "last month") resolved against an as-of date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from index.dates import WEEKDAYS


@dataclass(frozen=True)
class Timeframe:
    """An inclusive published-date range a question asks about, and the words that said so."""

    since: date
    until: date
    phrase: str


def _month_range(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def resolve_timeframe(question: str, as_of: date) -> Timeframe | None:
    """The period a question refers to relative to ``as_of``, or None when it names none.

    Weeks are the seven days ending on ``as_of`` ("this week" in news use means recent days,
    not the calendar week), so a Monday question about "this week" still sees the weekend.
    """
    q = question.lower()
    rules: list[tuple[str, tuple[date, date]]] = [
        (r"\btoday\b|\btonight\b|\bthis morning\b", (as_of, as_of)),
        (r"\byesterday\b|\blast night\b", (as_of - timedelta(days=1), as_of - timedelta(days=1))),
        (
            r"\bthis week\b|\bthis past week\b|\bpast week\b|\bthe last (?:seven|7) days\b",
            (as_of - timedelta(days=7), as_of),
        ),
        (r"\blast week\b", (as_of - timedelta(days=14), as_of - timedelta(days=7))),
        (r"\bthis month\b|\bpast month\b", (as_of - timedelta(days=31), as_of)),
        (r"\blast month\b", _month_range(*_prev_month(as_of))),
        (r"\bthis year\b", (date(as_of.year, 1, 1), as_of)),
        (r"\blast year\b", (date(as_of.year - 1, 1, 1), date(as_of.year - 1, 12, 31))),
        (r"\brecently\b|\blatest\b|\bthese days\b", (as_of - timedelta(days=31), as_of)),
    ]
    for pattern, (since, until) in rules:
        m = re.search(pattern, q)
        if m:
            return Timeframe(since, until, m.group(0))
    m = re.search(r"\bon (" + "|".join(WEEKDAYS) + r")\b", q)
    if m:
        back = (as_of.weekday() - WEEKDAYS.index(m.group(1))) % 7 or 7
        day = as_of - timedelta(days=back)
        return Timeframe(day, day, m.group(0))
    return None


def _prev_month(d: date) -> tuple[int, int]:
    return (d.year - 1, 12) if d.month == 1 else (d.year, d.month - 1)
