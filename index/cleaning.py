"""Text normalisation, and removal of page furniture (navigation, promos, sign-up prompts) from messy news.

Furniture is found two ways:

* Repetition within a source: a line is furniture when at least ``min_repeats`` documents of the same
  source contain it *and are unrelated to each other* (their distinctive vocabulary barely overlaps). A
  line shared by related documents (updated versions of one story, follow-ups reusing a background
  paragraph) is reused content and stays. There is no minimum share of the source's documents: news
  furniture is often section-specific (a newsletter prompt in 10% of a site's articles), so a share
  threshold would miss most of it. A short line (three words or fewer) counts only together with a
  short neighbour: alone between prose such lines are headings, bylines and datelines ("Utah", "AP"),
  and a list of common items is content; a run of short lines repeated in the same order is a menu.
* A small list of line patterns that are furniture anywhere ("Advertisement", "Sign up for our newsletter",
  "Read more:", cookie notices), applied only to lines of at most ``PATTERN_MAX_CHARS`` characters.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict

from index.types import RawDocument

PATTERN_MAX_CHARS = 250
SHORT_WORDS = 3
RELATED_OVERLAP = 0.33
RELATED_CHARS = 5000

_BLANK_RUNS = re.compile(r"\n{3,}")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")
_LEAD = " \t-–—•∎▶►*·|>#"
_AT_START = re.compile(
    r"""
    (?:advertisement|advertising|sponsored(?:\ content)?|skip\ to\ (?:main\ )?content|skip\ navigation
       |story\ continues\ (?:below|after)\ (?:this\ )?advertisement|continue\ reading|back\ to\ top
       |share\ this\ (?:article|story|page))[.!:]?$
    |(?:more|read\ more|related|related\ stories|see\ also|also\ read|read\ also|watch|watch\ live|listen
       |recommended|full\ story|people\ are\ also\ reading|more\ from\ [^:]{1,40})\s*:
    |more\b[^:]{0,30}:\s*https?://
    |read\ more\b
    |get\ (?:our|the)\b.*\bnewsletter
    |subscribe\b|(?:just\ )?for\ subscribers\b
    |download\ (?:the|our)\b.*\bapps?\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ANYWHERE = re.compile(
    r"""
    \bsign[-\ ]?up\b.*\b(?:newsletters?|inbox|e-?mails?|alerts)\b
    |\bnewsletters?\b.*\bsign[-\ ]?up\b
    |\bsubscribe\ (?:to\ our|here|now|today)\b|\balready\ a\ subscriber\b|\bsupport\ (?:local\ )?journalism\b
    |\b(?:we|this\ (?:site|website))\ uses?\ cookies\b|\bcookie\ (?:policy|settings|preferences|consent)\b
    |\baccept\ (?:all\ )?cookies\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ANYWHERE_HINTS = ("sign", "newsletter", "subscri", "journalism", "cookie")


def normalize_text(text: str) -> str:
    """NFC, ``\\n`` line ends, no trailing spaces, at most one blank line in a row, stripped."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def line_keys(text: str) -> list[str]:
    """Each line's identity for repetition counting: lowercased, spaces collapsed, digits as ``0``."""
    return [" ".join(line.split()).strip(_LEAD) for line in _DIGITS.sub("0", text.lower()).split("\n")]


def is_furniture_line(line: str) -> bool:
    """True for a line that is boilerplate anywhere (ads, sign-up and cookie prompts, link lines)."""
    s = line.strip().strip(_LEAD)
    if not s or len(s) > PATTERN_MAX_CHARS:
        return False
    if _AT_START.match(s):
        return True
    low = s.lower()
    return any(h in low for h in _ANYWHERE_HINTS) and _ANYWHERE.search(s) is not None


class _Relatedness:
    """Whether two documents share distinctive vocabulary: IDF-weighted overlap of the word sets of
    their openings, relative to the smaller one (so a short update of a long story counts as related)."""

    def __init__(self, texts: list[str]) -> None:
        self.words = [set(_WORD.findall(t[:RELATED_CHARS].lower())) for t in texts]
        df = Counter(w for ws in self.words for w in ws)
        n = len(texts)
        self.idf = {w: math.log(n / c) for w, c in df.items()}
        self.mass = [sum(self.idf[w] for w in ws) for ws in self.words]
        self.cache: dict[tuple[int, int], bool] = {}

    def related(self, a: int, b: int) -> bool:
        key = (a, b) if a < b else (b, a)
        if key not in self.cache:
            small = min(self.mass[a], self.mass[b])
            shared = sum(self.idf[w] for w in self.words[a] & self.words[b])
            self.cache[key] = small > 0 and shared / small >= RELATED_OVERLAP
        return self.cache[key]


def _tokens(keys: list[str]) -> set[str]:
    """A document's countable units: its lines, plus adjacent pairs of short lines (menu fragments)."""
    out = {k for k in keys if k}
    short = [k for k in keys if k]
    for a, b in itertools.pairwise(short):
        if _is_short(a) and _is_short(b):
            out.add(a + "\n" + b)
    return out


def _is_short(key: str) -> bool:
    return key.count(" ") < SHORT_WORDS


def _repeated_tokens(texts: list[str], keys: list[list[str]], min_repeats: int) -> set[str]:
    """Tokens found in at least ``min_repeats`` mutually unrelated documents."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, doc_keys in enumerate(keys):
        for t in _tokens(doc_keys):
            postings[t].append(i)
    candidates = [docs for docs in postings.values() if len(docs) >= min_repeats]
    if not candidates:
        return set()
    rel = _Relatedness(texts)
    found: set[str] = set()
    for t, docs in postings.items():
        if len(docs) < min_repeats:
            continue
        reps: list[int] = []
        for d in docs:
            if not any(rel.related(d, r) for r in reps):
                reps.append(d)
                if len(reps) >= min_repeats:
                    found.add(t)
                    break
    return found


def _clean_lines(lines: list[str], keys: list[str], repeated: set[str]) -> list[str]:
    """Drop pattern furniture, repeated lines, and short lines repeated together with a short neighbour."""
    nonblank = [i for i, k in enumerate(keys) if k]
    drop = {i for i in nonblank if is_furniture_line(lines[i])}
    for i in nonblank:
        if not _is_short(keys[i]) and keys[i] in repeated:
            drop.add(i)
    for a, b in itertools.pairwise(nonblank):
        if _is_short(keys[a]) and _is_short(keys[b]) and keys[a] + "\n" + keys[b] in repeated:
            drop.update((a, b))
    return [line for i, line in enumerate(lines) if i not in drop]


def remove_furniture(docs: list[RawDocument], *, min_repeats: int = 3) -> list[RawDocument]:
    """Return copies of ``docs`` with page furniture lines removed and the text re-normalised.

    Repetition is counted per ``source`` within this batch; a document whose every line looks like
    furniture keeps its original text.
    """
    by_source: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(docs):
        by_source[d.source].append(i)
    bodies = [d.text[d.headline_chars :] for d in docs]  # a headline is never furniture
    keys = [line_keys(b) for b in bodies]
    repeated: list[set[str]] = [set()] * len(docs)
    for members in by_source.values():
        if len(members) >= min_repeats:
            found = _repeated_tokens([bodies[i] for i in members], [keys[i] for i in members], min_repeats)
            for i in members:
                repeated[i] = found
    out: list[RawDocument] = []
    for d, body, doc_keys, rep in zip(docs, bodies, keys, repeated):
        lines = body.split("\n")
        kept = _clean_lines(lines, doc_keys, rep)
        text = normalize_text("\n".join(kept)) if len(kept) < len(lines) else body
        out.append(d.model_copy(update={"text": d.text[: d.headline_chars] + (text or body)}))
    return out
