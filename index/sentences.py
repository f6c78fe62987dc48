"""Sentence spans with character offsets: the one sentence splitter (rule-based, fast, no model).

The chunker packs these sentences into chunks; the engines, citations, conflicts and briefs read
passages through the same spans (``assistant.nlp.split_sentences`` is this function).
"""

from __future__ import annotations

import re

# Words that end with a period without ending a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gov", "sen", "rep", "reps", "gen", "lt", "col", "maj", "capt", "cpt",
    "sgt", "adm", "cmdr", "st", "ste", "jr", "sr", "rev", "hon", "pres", "supt", "det", "insp", "atty",
    "inc", "co", "corp", "ltd", "llc", "bros", "dept", "univ", "assn", "est", "no", "nos", "vol", "pp",
    "fig", "vs", "v", "etc", "approx", "ca", "cf", "al", "ave", "blvd", "rd", "mt", "ft", "mass", "calif",
    "fla", "ill", "wash", "pa", "va", "tenn", "ariz", "colo", "conn", "del", "ga", "ky", "la", "md", "mich",
    "minn", "miss", "mo", "neb", "nev", "okla", "ore", "wis", "wyo", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon", "tue", "tues", "wed", "thu", "thurs", "fri",
    "sat", "sun", "a.m", "p.m", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "d.c", "op", "ed",
}  # fmt: skip

_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_START_RE = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9]")
_WORD_BEFORE_RE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_LINE = re.compile(r"[^\n]+")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text[start:end]`` (offsets into ``text``), stripped.

    Line breaks always end a sentence (news pages put headings and captions on their own
    lines); inside a line a sentence ends at ``. ! ?`` followed by a space and a capital letter
    or digit, unless the period closes a known abbreviation or an initial ("Gov.", "J.").
    """
    spans: list[tuple[int, int]] = []
    for m in _LINE.finditer(text, start, len(text) if end is None else end):
        line_start = m.start()
        line = m.group()
        cut = 0
        for e in _END_RE.finditer(line):
            end = e.end()
            if not _NEXT_START_RE.match(line, end):
                continue
            if line[e.start()] == ".":
                w = _WORD_BEFORE_RE.search(line, 0, e.start())
                if w:
                    word = w.group(1).lower().rstrip(".")
                    if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                        continue
            _add_span(spans, text, line_start + cut, line_start + end)
            cut = end
        _add_span(spans, text, line_start + cut, line_start + len(line))
    return spans


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
