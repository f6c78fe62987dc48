"""Dates inside sentences: the calendar dates a sentence names, how completely a date is stated,
and how fresh a source is for a question about a recent period."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from index.dates import MONTH_NAMES, MONTHS, WEEKDAYS

if TYPE_CHECKING:
    from assistant.timeframe import Timeframe
    from assistant.types import Hit

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_YEAR = YEAR
_MONTHS = MONTHS
_WEEKDAYS = {d: i for i, d in enumerate(WEEKDAYS)}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
# Month and weekday names are capitalised in English ("may" is a verb).
_MONTH_RE = MONTH_NAMES
_WEEKDAY_RE = "|".join(d.capitalize() for d in _WEEKDAYS)
# "the second Monday of October", "the last Thursday in November": a date that recurs every year
_NTH_WEEKDAY = re.compile(rf"\b((?i:{'|'.join(_ORDINALS)}))\s+({_WEEKDAY_RE})\s+(?:of|in)\s+({_MONTH_RE})\b")
# "Oct. 14", "October 14, 2024", "14 October"
_MONTH_DAY = re.compile(
    rf"\b(?:({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\b\.?(?:,?\s+(\d{{4}}))?)"
)


def date_detail(span: str) -> float:
    """How completely a date span states a calendar date: 1 with a day, a month and a year, 2/3
    with two of them ("April 29", "December 2015"), 1/3 with one ("2015"); 1 for other dates
    ("last week", "the 1990s"), which this does not judge."""
    has_year = bool(_YEAR.search(span))
    has_month = bool(re.search(rf"\b(?:{_MONTH_RE})\b", span))
    has_day = has_month and bool(re.search(r"\b\d{1,2}(?:st|nd|rd|th)?\b", _YEAR.sub("", span)))
    parts = has_year + has_month + has_day
    return parts / 3 if parts else 1.0


def event_dates(text: str, published: date | None, period: tuple[date, date]) -> list[date]:
    """The calendar dates ``text`` names: a recurring "second Monday of October" in the years of
    ``period``; "Oct. 14" in its stated year, else its article's (``published``), else the
    period's years. Impossible dates are skipped."""
    out: list[date] = []
    years = sorted({period[0].year, period[1].year})
    for m in _NTH_WEEKDAY.finditer(text):
        n, weekday, month = _ORDINALS[m[1].lower()], _WEEKDAYS[m[2].lower()], _MONTHS[m[3].lower()]
        for y in years:
            days = [
                date(y, month, d)
                for d in range(1, 32)
                if _valid(y, month, d) and date(y, month, d).weekday() == weekday
            ]
            if len(days) >= abs(n):
                out.append(days[n - 1] if n > 0 else days[-1])
    for m in _MONTH_DAY.finditer(text):
        month = _MONTHS[(m[1] or m[5]).lower()]
        day = int(m[2] or m[4])
        stated = m[3] or m[6]
        for y in [int(stated)] if stated else [published.year] if published else years:
            if _valid(y, month, day):
                out.append(date(y, month, day))
    return out


def _valid(y: int, month: int, day: int) -> bool:
    try:
        date(y, month, day)
    except ValueError:
        return False
    return True



RECENT_DAYS = 7  # a period ending this close to the as-of date is "recent" ("this week", "recently")
FRESH_HALF_LIFE_DAYS = 30.0


def recent_period(frame: Timeframe | None, today: date | None) -> tuple[date, date] | None:
    """The question's period (resolved by the chain) when it is recent: one ending within
    ``RECENT_DAYS`` of ``today``."""
    if frame is None or today is None or frame.until < today - timedelta(days=RECENT_DAYS):
        return None
    return frame.since, frame.until


def freshness(passages: list[Hit], period: tuple[date, date] | None) -> list[float]:
    """Per passage, how much its source counts for a question about a recent ``period``: 1 when
    published in it or undated (or without such a period), halving every ``FRESH_HALF_LIFE_DAYS`` before it."""
    if period is None:
        return [1.0] * len(passages)
    out = []
    for h in passages:
        late = (period[0] - h.published).days if h.published else 0
        out.append(0.5 ** (max(0, late) / FRESH_HALF_LIFE_DAYS))
    return out
