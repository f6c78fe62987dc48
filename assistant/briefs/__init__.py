"""Daily briefings: a cited draft of what happened in a period, and what changed since the last one.

``material`` gathers the period's documents (stored chunk vectors, candidate sentences),
``grouping`` clusters them into developments, ``select`` chooses the key points, ``facts`` the
figures, actors and what to watch, ``draft`` lays the brief out and checks its citations,
``diff`` compares it with the previous brief, ``render`` writes it out, ``storage`` keeps it.
``Briefing.brief`` is the entry point.
"""

from __future__ import annotations

from datetime import date, timedelta

from assistant.errors import InputError

MIN_WORDS, MAX_WORDS = 50, 5000  # what a brief's --max-words may be


def resolve_period(
    day: date | None, since: date | None, until: date | None, as_of: date
) -> tuple[date, date]:
    """The period a brief covers: one day (``day``), an explicit range, or by default the day
    before the as-of date. An open range ends at the as-of date or starts where it ends; no period
    ends after the as-of date."""
    if day is not None:
        if since or until:
            raise InputError("give either a date or since/until, not both")
        since = until = day
    elif since is None and until is None:
        since = until = as_of - timedelta(days=1)
    since, until = since or until, until or max(as_of, since or as_of)
    assert since is not None and until is not None
    if since > until:
        raise InputError(f"since {since} is after until {until}: swap them")
    if until > as_of:  # a brief is written on its as-of day: the days after it have not happened
        raise InputError(f"the period ends {until}, after the as-of date {as_of}; give a later as-of date")
    return since, until
