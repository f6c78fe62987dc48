"""Publication dates: parse explicit date fields and infer a date from a document's opening text."""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS: dict[str, int] = {
    name: i
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        1,
    )
    for name in names
}  # fmt: skip
"""Every month name and abbreviation, lower case, to its number: the one month table."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Weekday names in ``date.weekday()`` order: the one weekday list."""
WEEKDAY_NAMES = "|".join(d.capitalize() for d in WEEKDAYS)
"""A regex alternation of the capitalised weekday names ("Monday|Tuesday|...")."""
MONTH_NAMES = "|".join(m.capitalize() for m in sorted(MONTHS, key=len, reverse=True))
"""A regex alternation of the capitalised month names, longest first ("September|Sept|Sep|...")."""
_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)\b"),
    re.compile(rf"\b{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+{_MONTH}\.?,?\s+{_YEAR}\b", re.IGNORECASE),
]
INFER_WINDOW = 2000
_DATEPARSER_PARSERS = ["timestamp", "custom-formats", "absolute-time"]


def _to_date(m: re.Match[str]) -> date | None:
    g = m.groupdict()
    month = int(g["mnum"]) if g.get("mnum") else MONTHS[g["month"][:3].lower()]
    try:
        return date(int(g["year"]), month, int(g["day"]))
    except ValueError:
        return None


def infer_date(text: str, window: int = INFER_WINDOW) -> date | None:
    """The earliest-positioned full date (day, month and year) in the opening ``window`` characters.

    Regexes only: a date line near the top of an article is the common case, and a
    full-text fuzzy search (``dateparser.search``) is slow and finds dates in prose.
    """
    head = text[:window]
    found: list[tuple[int, date]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(head):
            d = _to_date(m)
            if d is not None:
                found.append((m.start(), d))
                break
    return min(found)[1] if found else None


def parse_date(value: object) -> date | None:
    """A date from an explicit field: ``date``/``datetime``, ISO text, or free text via dateparser."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)):
        return None
    s = str(value).strip()
    if not s:
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
    except ValueError:
        if re.match(r"\d{4}-\d\d-\d\d", s):
            return None
    for pattern in _PATTERNS:
        m = pattern.fullmatch(s)
        if m and (d := _to_date(m)):
            return d
    import dateparser

    parsed = dateparser.parse(s, settings={"PREFER_DAY_OF_MONTH": "first", "PARSERS": _DATEPARSER_PARSERS})
    return parsed.date() if parsed else None
