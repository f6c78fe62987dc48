"""How likely a candidate sentence states something a reader will be asked about: a logistic
model over cheap features of the sentence, its document and its development.

The weights are data, not rules: ``scorer.json`` beside this file, fitted by
``bench/briefs_learn.py`` on train-2023 (label: the sentence holds an answer of that week's news
quiz), cross-validated by week. Applying them needs numpy only.
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

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")
_DATEISH = re.compile(
    r"\b(Jan(uary)?|Feb(ruary)?|March|April|May|June|July|Aug(ust)?|Sept?(ember)?|Oct(ober)?|Nov(ember)?|"
    r"Dec(ember)?|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tonight)\b"
)
_QUOTE = re.compile(r"[\"“”]")

FEATURES = (
    "lead",  # the document's first candidate sentence
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


def features(material: Material, groups: list[Group]) -> tuple[list[Sentence], np.ndarray]:
    """The candidate sentences of documents in ``groups`` and their feature rows (``FEATURES``)."""
    group_of = {d: gi for gi, g in enumerate(groups) for d in g.doc_ids}
    sents = [s for s in material.sentences if s.doc_id in group_of]
    # per development: documents stating each fact / holding each content word, names in titles
    fact_df: list[dict[str, int]] = [{} for _ in groups]
    term_df: list[dict[str, int]] = [{} for _ in groups]
    doc_facts: dict[str, set[str]] = {}
    doc_terms: dict[str, set[str]] = {}
    for s in sents:
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
                float(s.pos == 0),
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


@lru_cache(maxsize=1)
def _model() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    m = json.loads(WEIGHTS_FILE.read_text())
    if tuple(m["features"]) != FEATURES:
        raise ValueError(f"{WEIGHTS_FILE} was fitted on other features; refit it with bench/briefs_learn.py")
    return np.asarray(m["mean"]), np.asarray(m["scale"]), np.asarray(m["coef"]), float(m["intercept"])


def probabilities(x: np.ndarray) -> np.ndarray:
    """The fitted model's probability for each feature row."""
    mean, scale, coef, intercept = _model()
    z = ((x - mean) / scale) @ coef + intercept
    return 1.0 / (1.0 + np.exp(-z))


def score(material: Material, groups: list[Group]) -> dict[int, float]:
    """``id(sentence) -> probability`` for the candidate sentences of ``groups``."""
    sents, x = features(material, groups)
    if not sents:
        return {}
    return {id(s): float(p) for s, p in zip(sents, probabilities(x))}
