"""How likely a candidate sentence (or a name) states something a reader will be asked about:
logistic models over cheap features of the sentence or name, its document and its development.

The weights are data, not rules: ``scorer.json`` beside this file, fitted by
``bench/briefs_learn.py`` on train-2023 (label: the sentence holds an answer of that week's news
quiz; the name is, or holds, one), cross-validated by week. Applying them needs numpy only.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant import nlp
from assistant.briefs.grouping import Group
from assistant.briefs.material import Material, Sentence, names
from index.dates import MONTH_NAMES, WEEKDAY_NAMES

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")
_DATEISH = re.compile(
    r"\b(" + MONTH_NAMES + "|" + WEEKDAY_NAMES + r"|yesterday|today|tonight)\b"
)
_QUOTE = re.compile(r"[\"“”]")

FEATURES = (
    "lead",  # the document's first candidate sentence (after its headline)
    "headline",  # the document's title, as the first line of its text
    "inv_pos",  # 1 / (1 + position among the document's candidates)
    "log_words",
    "n_names",  # capitalised runs (at most 5)
    "n_numbers",  # numbers (at most 3)
    "name_df",  # log2 of the most documents of the period stating one of its names or numbers
    "group_share",  # the largest share of its development's documents stating one of its facts
    "title_facts",  # how many of its facts stand in its development's titles (at most 3)
    "title_terms",  # share of its content words in its document's title
    "group_terms",  # mean share of its development's documents holding each of its content words
    "group_docs",  # log of the development's documents
    "group_sources",  # log of its independent sources
    "group_rank",  # 1 / (1 + rank of the development)
    "centrality",  # cosine of its document to the development's centre
    "recency",  # 0 (first day of the period) .. 1 (last day)
    "date_words",  # names a month, a weekday, today or yesterday
    "quote",  # holds a quotation mark
)


def features(material: Material, groups: list[Group], units: bool = False) -> tuple[list[Sentence], np.ndarray]:
    """The candidate sentences of documents in ``groups`` (and their clause units when ``units``)
    and their feature rows (``FEATURES``); the statistics of the period are of whole sentences."""
    group_of = {d: gi for gi, g in enumerate(groups) for d in g.doc_ids}
    whole = [s for s in material.sentences if s.doc_id in group_of]
    sents = [s for s in material.candidates(units) if s.doc_id in group_of]
    # per development: documents stating each fact / holding each content word, names in titles
    fact_df: list[dict[str, int]] = [{} for _ in groups]
    term_df: list[dict[str, int]] = [{} for _ in groups]
    doc_facts: dict[str, set[str]] = {}
    doc_terms: dict[str, set[str]] = {}
    for s in whole:
        doc_facts.setdefault(s.doc_id, set()).update(s.facts)
        doc_terms.setdefault(s.doc_id, set()).update(s.terms)
    for d, fs in doc_facts.items():
        for f in fs:
            fact_df[group_of[d]][f] = fact_df[group_of[d]].get(f, 0) + 1
        for t in doc_terms[d]:
            term_df[group_of[d]][t] = term_df[group_of[d]].get(t, 0) + 1
    title_names: list[set[str]] = [set() for _ in groups]
    title_terms: dict[str, frozenset[str]] = {}
    for d, doc in material.docs.items():
        if d in group_of:
            title_names[group_of[d]].update(names(doc.info.title))
            title_terms[d] = frozenset(nlp.content_terms(doc.info.title))
    centres = [np.mean([material.docs[d].vec for d in g.doc_ids], axis=0) for g in groups]
    centres = [c / (np.linalg.norm(c) or 1.0) for c in centres]
    span = max((material.until - material.since).days, 0) + 1
    rows = []
    for s in sents:
        gi = group_of[s.doc_id]
        g = groups[gi]
        doc = material.docs[s.doc_id]
        n = len(g.doc_ids)
        facts = s.facts
        pub = doc.info.published or material.until
        rows.append(
            [
                float(s.pos == 0 and not s.headline),
                float(s.headline),
                1.0 / (1 + s.pos),
                math.log(s.n_words),
                min(len(s.names), 5),
                min(len(s.numbers), 3),
                max((math.log2(material.fact_docs.get(f, 1)) for f in facts), default=0.0),
                max((fact_df[gi].get(f, 0) / n for f in facts), default=0.0),
                min(len(s.names & title_names[gi]), 3),
                len(s.terms & title_terms.get(s.doc_id, frozenset())) / max(len(s.terms), 1),
                sum(term_df[gi].get(t, 0) for t in s.terms) / (n * max(len(s.terms), 1)),
                math.log(n),
                math.log(max(g.n_sources, 1)),
                1.0 / (1 + gi),
                float(doc.vec @ centres[gi]),
                1 - (material.until - pub).days / span,
                float(bool(_DATEISH.search(s.text))),
                float(bool(_QUOTE.search(s.text))),
            ]
        )
    return sents, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


NAME_FEATURES = (
    "docs",  # log2 of the documents of the period stating the name
    "groups",  # log2 of the developments stating it
    "group_share",  # the largest share of a development's documents stating it
    "group_docs",  # log of the documents of that development
    "in_title",  # it stands in a title of that development
    "in_lead",  # it stands in a document's first candidate sentence
    "first_pos",  # 1 / (1 + its earliest position in a document)
    "n_words",  # words of the name
)


def name_features(material: Material, groups: list[Group]) -> tuple[list[str], np.ndarray]:
    """The names (lower-cased capitalised runs) of the candidate sentences of ``groups`` and
    their feature rows (``NAME_FEATURES``)."""
    group_of = {d: gi for gi, g in enumerate(groups) for d in g.doc_ids}
    docs_of: dict[str, set[str]] = {}
    first: dict[str, int] = {}
    for s in material.sentences:
        if s.doc_id not in group_of:
            continue
        for f in s.names:
            docs_of.setdefault(f, set()).add(s.doc_id)
            first[f] = min(first.get(f, s.pos), s.pos)
    title_names: list[set[str]] = [set() for _ in groups]
    for d, gi in group_of.items():
        title_names[gi].update(names(material.docs[d].info.title))
    rows, out = [], []
    for f, ds in docs_of.items():
        per_group: dict[int, int] = {}
        for d in ds:
            per_group[group_of[d]] = per_group.get(group_of[d], 0) + 1
        # on a tie the heavier development (lower index), not the order of a set of ids
        gi = max(per_group, key=lambda g: (per_group[g] / len(groups[g].doc_ids), per_group[g], -g))
        out.append(f)
        rows.append(
            [
                math.log2(len(ds)),
                math.log2(len(per_group)),
                per_group[gi] / len(groups[gi].doc_ids),
                math.log(len(groups[gi].doc_ids)),
                float(f in title_names[gi]),
                float(first[f] == 0),
                1.0 / (1 + first[f]),
                len(f.split()),
            ]
        )
    return out, np.asarray(rows, dtype=np.float64).reshape(len(rows), len(NAME_FEATURES))


@lru_cache(maxsize=2)
def _model(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    m = json.loads(WEIGHTS_FILE.read_text())[kind]
    if tuple(m["features"]) != {"sentence": FEATURES, "name": NAME_FEATURES}[kind]:
        raise ValueError(f"{WEIGHTS_FILE} was fitted on other features; refit it with bench/briefs_learn.py")
    return np.asarray(m["mean"]), np.asarray(m["scale"]), np.asarray(m["coef"]), float(m["intercept"])


def probabilities(x: np.ndarray, kind: str = "sentence") -> np.ndarray:
    """The fitted model's probability for each feature row (``kind``: sentence or name)."""
    mean, scale, coef, intercept = _model(kind)
    z = ((x - mean) / scale) @ coef + intercept
    return 1.0 / (1.0 + np.exp(-z))


def score(material: Material, groups: list[Group], units: bool = False) -> dict[int, float]:
    """``id(sentence) -> probability`` for the candidate sentences of ``groups`` (and their
    clause units when ``units``)."""
    sents, x = features(material, groups, units)
    if not sents:
        return {}
    return {id(s): float(p) for s, p in zip(sents, probabilities(x))}


def score_names(material: Material, groups: list[Group]) -> dict[str, float]:
    """``name (lower case) -> probability`` for the names the candidate sentences state."""
    found, x = name_features(material, groups)
    if not found:
        return {}
    return {f: float(p) for f, p in zip(found, probabilities(x, "name"))}
