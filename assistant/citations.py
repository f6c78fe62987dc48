"""Citation markers: parse ``[n]`` / ``[n][m]`` / ``[n, m]``, split an answer into its sentences
with the markers each one carries, renumber a checked answer's markers 1..m and build its
``Citation`` objects. Whether the sources say what is cited is ``assistant.verification``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant import nlp
from assistant.types import Citation

if TYPE_CHECKING:
    from assistant.types import Hit


_ITEM = r"\d+(?:\s*[-–]\s*\d+)?"
MARKER_RE = re.compile(rf"\[\s*({_ITEM}(?:\s*[,;]\s*{_ITEM})*)\s*\]")
# A run of markers with the spaces around it ("text [1][2]." -> "text.").
_MARKER_RUN_RE = re.compile(rf"\s*(?:\[\s*{_ITEM}(?:\s*[,;]\s*{_ITEM})*\s*\]\s*)+")


@dataclass
class AnswerSentence:
    """One sentence of a draft answer: its text without markers and the numbers it cites."""

    text: str
    cited: list[int]
    start: int = 0
    end: int = 0


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_markers(text: str) -> list[tuple[int, int, list[int]]]:
    """Every marker as ``(start, end, [numbers])``: "[2]" -> [2], "[1, 3]" -> [1, 3], "[2-4]" -> [2, 3, 4]."""
    out = []
    for m in MARKER_RE.finditer(text):
        nums: list[int] = []
        for item in re.split(r"\s*[,;]\s*", m.group(1).strip()):
            lo, _, hi = re.sub(r"\s", "", item).replace("–", "-").partition("-")
            if hi and int(lo) <= int(hi) <= int(lo) + 20:  # "[2-4]" -> 2, 3, 4
                nums.extend(range(int(lo), int(hi) + 1))
            elif lo:
                nums.append(int(lo))
        out.append((m.start(), m.end(), nums))
    return out


def strip_markers(text: str) -> str:
    """The text without its markers, spacing before punctuation tidied."""
    out = _MARKER_RUN_RE.sub(" ", text)
    out = re.sub(r"\s+([.,;:!?])", r"\1", out)
    return re.sub(r"[ \t]+", " ", out).strip()


def split_answer(text: str) -> list[AnswerSentence]:
    """The answer's sentences with the markers each one carries.

    A marker belongs to the sentence it stands in, or to the sentence before it when it stands
    between two ("... vehicles. [1] Zelenskyy ..."). Markers before the first sentence go to it.
    """
    markers = parse_markers(text)
    masked = list(text)
    for a, b, _ in markers:
        masked[a:b] = " " * (b - a)
    spans = nlp.split_sentences("".join(masked))
    if not spans:
        return []
    cited: list[list[int]] = [[] for _ in spans]
    for a, _b, nums in markers:
        i = 0
        for j, (s, _e) in enumerate(spans):
            if s <= a:
                i = j
        for n in nums:
            if n not in cited[i]:
                cited[i].append(n)
    out = []
    for (s, e), c in zip(spans, cited):
        clean = strip_markers(text[s:e])
        if clean:
            out.append(AnswerSentence(clean, c, s, e))
        elif out:  # a sentence that was only markers: they belong to the one before
            out[-1].cited.extend(n for n in c if n not in out[-1].cited)
    return out


# ---------------------------------------------------------------------------------------------
# Citations

# A sentence kept in the answer: its text, the passages it cites (0-based) and their evidence spans.
Kept = tuple[str, list[int], dict[int, tuple[int, int] | None]]


def renumber(
    kept: list[Kept], passages: list[Hit], doc_texts: dict[str, str] | None
) -> tuple[str, list[Citation]]:
    """The answer text with its markers renumbered 1..m in order of first appearance, and its citations."""
    order: list[int] = []
    evidence: dict[int, list[tuple[int, int]]] = {}
    parts = []
    for t, idxs, ev in kept:
        for i in idxs:
            if i not in order:
                order.append(i)
            if ev.get(i):
                evidence.setdefault(i, []).append(ev[i])
        marks = "".join(f"[{order.index(i) + 1}]" for i in idxs)
        parts.append(f"{t} {marks}" if marks else t)
    citations = [_citation(k + 1, passages[i], evidence.get(i, []), doc_texts) for k, i in enumerate(order)]
    return " ".join(parts), citations


def _citation(n: int, hit: Hit, spans: list[tuple[int, int]], doc_texts: dict[str, str] | None) -> Citation:
    start, end = hit.start, hit.end
    if doc_texts and hit.doc_id in doc_texts:
        doc = doc_texts[hit.doc_id]
        if doc[start:end] != hit.text:
            found = doc.find(hit.text)
            if found >= 0:
                start, end = found, found + len(hit.text)
    ev_text, ev_start, ev_end = "", None, None
    if spans:
        a = min(s for s, _ in spans)
        b = max(e for _, e in spans)
        # Evidence far apart: keep the first span rather than a long stretch between them.
        if len(spans) > 1 and b - a > 2 * sum(e - s for s, e in spans):
            a, b = spans[0]
        ev_text, ev_start, ev_end = hit.text[a:b], start + a, start + b
    return Citation(
        **hit.ref(),
        n=n,
        start=start,
        end=end,
        quote=hit.text,
        evidence=ev_text,
        evidence_start=ev_start,
        evidence_end=ev_end,
        chunk_id=hit.chunk_id,
        flags=source_flags(hit.text if doc_texts is None else doc_texts.get(hit.doc_id, hit.text)),
    )


def source_flags(text: str) -> list[str]:
    """Warnings about a cited source: "instructions" when a sentence of it speaks to an AI assistant
    ("System note to the assistant: ... report that."), which no answer quotes."""
    if any(nlp.is_instruction(text[a:b]) for a, b in nlp.split_sentences(text)):
        return ["instructions"]
    return []
