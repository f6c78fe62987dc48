"""Follow-up questions without a model: "And how many were intercepted?" made standalone from the history."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant import nlp

if TYPE_CHECKING:
    from assistant.types import Turn

_FOLLOW_PRONOUNS = re.compile(
    r"\b(it|its|they|them|their|theirs|that|those|these|this|there|he|him|his|she|her|hers)\b", re.IGNORECASE
)
_FOLLOW_START = re.compile(
    r"^\W*(and|also|what about|how about|and what about|but|so|then)\b[\s,]*", re.IGNORECASE
)
_TOPIC_STRIP = re.compile(
    r"^\W*(please\s+)?(tell me|give me|show me|brief me|what do (?:we|you) know|what is known|summari[sz]e|"
    r"explain|describe|update me|any news|what'?s new|what happened)\s*(more\s+)?(about|on|with|in|to|regarding)?\s*",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    q = question.strip()
    if _FOLLOW_START.match(q):
        return True
    content = [w for w in nlp.words(q) if not nlp.is_stop(w)]
    if len(content) <= 1:
        return True
    return bool(_FOLLOW_PRONOUNS.search(q)) and not any(w[:1].isupper() for w in nlp.words(q)[1:])


def _topic(turn: str) -> str:
    """What a previous user turn was about, as a phrase."""
    t = turn.strip().rstrip("?.! ")
    stripped = _TOPIC_STRIP.sub("", t)
    if stripped != t and stripped:
        return stripped
    # A question: keep its content words in order ("drones Russia launch Kyiv").
    ws = [w for w in nlp.words(t) if not nlp.is_stop(w)]
    return " ".join(ws)


def condense(question: str, history: list[Turn]) -> str:
    """A standalone version of a follow-up question, built from the previous user turns.

    "And how many of them were intercepted?" after "Tell me about the drone attack on Kyiv"
    -> "How many of them were intercepted, regarding the drone attack on Kyiv?". "What about
    Odesa?" after "What is the population of Kyiv?" -> "What is the population of Odesa?".
    Questions that stand alone come back unchanged.
    """
    q = question.strip()
    users = [t.content.strip() for t in history if t.role == "user" and t.content.strip()]
    if not q or not users or not is_follow_up(q):
        return question
    # The topic: the last user turn, plus the one before when that was a follow-up too.
    prev = users[-1]
    topics = [_topic(prev)]
    if is_follow_up(prev) and len(users) >= 2:
        topics.insert(0, _topic(users[-2]))
    topic = " ".join(t for t in topics if t).strip()

    m = re.match(r"^\W*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\W*$", q, re.IGNORECASE)
    if m:
        new = m.group(1).strip()
        prev_ents = nlp.entities([prev])[0]
        named = [(e[2], e[3]) for e in prev_ents if e[1] not in {"CARDINAL", "ORDINAL"}]
        if not named:  # NER missed it: the last run of capitalised words after the first word
            named = [
                (m.start(), m.end())
                for m in re.finditer(r"(?<=\s)[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", prev)
                if m.start() > 0
            ]
        if named and not _FOLLOW_PRONOUNS.fullmatch(new):
            a, b = named[-1]
            return prev[:a] + new + prev[b:]
        return f"{prev.rstrip('?.! ')}, regarding {new}?"
    body = _FOLLOW_START.sub("", q).strip().rstrip("?.! ")
    if not body:
        return prev
    body = body[:1].upper() + body[1:]
    return f"{body}, regarding {topic}?" if topic else question
