"""What the model-backed engines (``openai``, ``local``) share: prompt building and output cleaning.

The prompt texts live in ``prompts/*.md``; this module only fills them in:

* ``passage.md`` renders one numbered passage (``[n] title (source, date)`` and its text);
* ``answer.md`` is the system + user pair for answering (variables ``passages``, ``question``, ``today``);
* ``answer_local.md`` is a shorter pair for small local models (same variables);
* ``condense.md`` rewrites a follow-up into a standalone question (variables ``history``, ``question``).

Messages are plain OpenAI-style dicts (``{"role": ..., "content": ...}``), which both the
``openai`` client and llama.cpp's server (``xllamacpp``) accept.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

import prompts

if TYPE_CHECKING:
    from assistant.types import Hit, Turn

#: Conversation turns given to the condense prompt (most recent last) and the length of each.
HISTORY_TURNS = 6
HISTORY_TURN_CHARS = 600

_ROLES = {"system": "system", "human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}


# --------------------------------------------------------------------------- passages


def passage_date(hit: Hit) -> str:
    """The date shown beside a passage: ISO date, marked when it was inferred, or "date unknown"."""
    if hit.published is None:
        return "date unknown"
    text = hit.published.isoformat()
    return f"{text}, date inferred" if getattr(hit, "published_inferred", False) else text


def format_passage(n: int, hit: Hit, text: str | None = None) -> str:
    """One numbered passage rendered with ``prompts/passage.md``; ``text`` overrides ``hit.text``."""
    body = hit.text if text is None else text
    return (
        prompts.read("passage")
        .format(
            n=n,
            title=(hit.title or hit.doc_id or "untitled").strip(),
            source=(hit.source or "source unknown").strip(),
            published=passage_date(hit),
            text=body.strip(),
        )
        .strip()
    )


def format_passages(passages: list[Hit], texts: list[str] | None = None) -> str:
    """All passages, numbered from 1 (passage ``n`` is ``passages[n-1]``), separated by blank lines."""
    return "\n\n".join(
        format_passage(i, hit, None if texts is None else texts[i - 1]) for i, hit in enumerate(passages, 1)
    )


def fit_passages(
    passages: list[Hit],
    budget_tokens: int,
    count_tokens: Callable[[str], int],
    *,
    min_tokens: int = 24,
) -> str:
    """``format_passages`` cut to at most ``budget_tokens`` (as counted by ``count_tokens``).

    Every passage keeps its number. Short passages stay whole; the room they leave is shared
    evenly among the long ones, which lose their ends (marked with " ..."). When even
    ``min_tokens`` per passage does not fit, the last passages are left out entirely.
    """
    if not passages:
        return ""
    full = format_passages(passages)
    if count_tokens(full) <= budget_tokens:
        return full

    keep = len(passages)
    while keep > 1 and keep * min_tokens > budget_tokens:
        keep -= 1
    hits = passages[:keep]
    # Tokens each passage needs beyond its frame ("[n] title (source, date)" and the markers).
    frames = [count_tokens(format_passage(i, h, "")) for i, h in enumerate(hits, 1)]
    needs = [count_tokens(h.text) for h in hits]
    room = max(budget_tokens - sum(frames) - 2 * keep, keep)  # 2: the blank line between passages

    # Water-filling: passages that need less than an even share keep all of it.
    allow = [0] * keep
    order = sorted(range(keep), key=lambda i: needs[i])
    left, remaining = room, keep
    for i in order:
        share = left // remaining
        allow[i] = min(needs[i], share)
        left -= allow[i]
        remaining -= 1

    texts = [_cut_to_tokens(h.text, allow[i], needs[i], count_tokens) for i, h in enumerate(hits)]
    out = format_passages(hits, texts)
    # Token counts of parts do not always add up; trim further until the whole fits.
    for _ in range(8):
        if count_tokens(out) <= budget_tokens:
            break
        allow = [max(1, int(a * 0.85)) for a in allow]
        texts = [_cut_to_tokens(h.text, allow[i], needs[i], count_tokens) for i, h in enumerate(hits)]
        out = format_passages(hits, texts)
    return out


def _cut_to_tokens(text: str, allowed: int, have: int, count_tokens: Callable[[str], int]) -> str:
    if have <= allowed:
        return text
    # Start from the proportional character length, then shrink until it fits; end on a word.
    end = max(1, int(len(text) * allowed / max(have, 1)))
    cut = text[:end]
    while end > 1 and count_tokens(cut + " ...") > allowed:
        end = int(end * 0.9)
        cut = text[:end]
    space = cut.rfind(" ")
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + " ..."


# --------------------------------------------------------------------------- messages


def to_openai_messages(messages: Iterable[object]) -> list[dict[str, str]]:
    """LangChain messages -> OpenAI-style ``{"role", "content"}`` dicts."""
    out = []
    for m in messages:
        role = _ROLES.get(getattr(m, "type", ""), "user")
        out.append({"role": role, "content": str(getattr(m, "content", ""))})
    return out


def answer_messages(
    question: str,
    passages: list[Hit],
    *,
    today: date | None = None,
    passages_text: str | None = None,
    prompt: str = "answer",
) -> list[dict[str, str]]:
    """The chat messages of ``prompts/<prompt>.md`` filled with the numbered passages and the question.

    ``passages_text`` replaces the rendered passages (an engine with a small context passes
    the output of ``fit_passages``).
    """
    text = format_passages(passages) if passages_text is None else passages_text
    template = prompts.chat_template(prompt)
    return to_openai_messages(
        template.format_messages(
            passages=text or "(no passages)",
            question=question.strip(),
            today=(today or date.today()).isoformat(),
        )
    )


def format_history(
    history: list[Turn], *, turns: int = HISTORY_TURNS, turn_chars: int = HISTORY_TURN_CHARS
) -> str:
    """The last ``turns`` turns as ``User: ...`` / ``Assistant: ...`` lines, each cut to ``turn_chars``."""
    lines = []
    for turn in history[-turns:]:
        who = "User" if turn.role == "user" else "Assistant"
        content = " ".join(turn.content.split())
        if len(content) > turn_chars:
            content = content[:turn_chars].rstrip() + " ..."
        lines.append(f"{who}: {content}")
    return "\n".join(lines)


def condense_messages(question: str, history: list[Turn]) -> list[dict[str, str]]:
    """The chat messages of ``prompts/condense.md`` for a follow-up question and the conversation."""
    template = prompts.chat_template("condense")
    return to_openai_messages(
        template.format_messages(history=format_history(history), question=question.strip())
    )


# --------------------------------------------------------------------------- output cleaning

# Labels a model sometimes echoes from the prompt before its answer.
_ANSWER_LABEL = re.compile(
    r"^\s*(?:\*\*)?(?:answer with cited sentences|final answer|answer)(?:\*\*)?\s*:\s*", re.IGNORECASE
)
_CONDENSE_LABEL = re.compile(
    r"^\s*(?:\*\*)?(?:standalone question|rewritten question|last question|question)(?:\*\*)?\s*:\s*",
    re.IGNORECASE,
)
_SPECIAL = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>|</?s>")
_SPECIAL_START = re.compile(r"<(?:\|[A-Za-z0-9_]{0,40}\|?|/?s?)$")
_THINK_OPEN = "<think>"
_THINK_CLOSE = "</think>"
_HEAD_CHARS = 40  # how much of the start is held back to spot an echoed label


class StreamCleaner:
    """Strips a model's junk from streamed text while passing the rest through promptly.

    Removes a leading ``<think>...</think>`` block, an echoed label such as
    ``Answer with cited sentences:``, and chat special tokens (``<|im_end|>``, ``</s>``).
    Feed deltas with ``feed``; call ``finish`` once at the end for whatever was held back.
    """

    def __init__(self, label: re.Pattern[str] = _ANSWER_LABEL) -> None:
        self._label = label
        self._buf = ""
        self._head_done = False

    def feed(self, delta: str) -> str:
        self._buf += delta
        if not self._head_done:
            return self._head(final=False)
        return self._body(final=False)

    def finish(self) -> str:
        out = self._head(final=True) if not self._head_done else ""
        return out + self._body(final=True)

    def _head(self, *, final: bool) -> str:
        while True:
            stripped = self._buf.lstrip()
            if stripped.startswith(_THINK_OPEN):
                close = stripped.find(_THINK_CLOSE)
                if close < 0:
                    if final:  # an unfinished thought is not an answer
                        self._buf = ""
                        break
                    return ""
                self._buf = stripped[close + len(_THINK_CLOSE) :]
                continue
            if not final and (
                len(stripped) < _HEAD_CHARS and _THINK_OPEN.startswith(stripped[:7]) or not stripped
            ):
                return ""  # could still become "<think>", or nothing yet
            if not final and len(stripped) < _HEAD_CHARS and "\n" not in stripped:
                return ""  # could still be a label
            self._buf = self._label.sub("", _SPECIAL.sub("", stripped), count=1).lstrip()
            break
        self._head_done = True
        return self._body(final=final)

    def _body(self, *, final: bool) -> str:
        text = _SPECIAL.sub("", self._buf)
        if final:
            self._buf = ""
            return text
        # Hold back a tail that may be the start of a special token split across deltas.
        partial = _SPECIAL_START.search(text)
        if partial:
            self._buf, text = text[partial.start() :], text[: partial.start()]
        else:
            self._buf = ""
        return text


def clean_stream(deltas: Iterable[str], label: re.Pattern[str] = _ANSWER_LABEL) -> Iterator[str]:
    """``deltas`` with the model's junk removed (see ``StreamCleaner``); empty pieces are dropped."""
    cleaner = StreamCleaner(label)
    for delta in deltas:
        piece = cleaner.feed(delta)
        if piece:
            yield piece
    tail = cleaner.finish()
    if tail:
        yield tail


def clean_text(text: str) -> str:
    """A whole model answer with its junk removed (see ``StreamCleaner``)."""
    return "".join(clean_stream([text])).strip()


def clean_condensed(text: str | None, question: str) -> str:
    """The rewritten question from a condense reply; the original ``question`` when it is unusable."""
    cleaned = "".join(clean_stream([text or ""], _CONDENSE_LABEL)).strip()
    line = next((ln.strip() for ln in cleaned.splitlines() if ln.strip()), "")
    line = _CONDENSE_LABEL.sub("", line, count=1).strip()
    if len(line) >= 2 and line[0] == line[-1] and line[0] in "\"'`":
        line = line[1:-1].strip()
    if len(line) > max(300, 4 * len(question)):  # a rambling reply, not a question
        return question
    return line or question
