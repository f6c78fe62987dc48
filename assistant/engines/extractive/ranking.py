"""The learned ranker: a logistic model over the candidates' features, read from ``reader_model.json``
(written by ``bench/train_reader.py`` from the 2023 news quizzes; see bench/README.md)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.engines.extractive.candidates import Sentence
from assistant.engines.extractive.evidence import EVIDENCE_FEATURES

MODEL_PATH = Path(__file__).with_name("reader_model.json")
HYBRID_MODEL_PATH = Path(__file__).with_name("reader_hybrid.json")
BASE_FEATURES = (
    "cos", "cos_win", "cos_gap", "lex", "lex_win", "lex_gap", "cov_all", "cov_key", "cov_other", "win_key",
    "rank", "first_passage", "pos", "doc_offset", "terminated", "leans_back", "year_conflict", "age",
    "undated", "fresh", "in_period", "words", "digits", "copies",
)  # fmt: skip
FEATURES = BASE_FEATURES + EVIDENCE_FEATURES
RULE_FEATURES = ("rule_score", "rule_gap", "rule_rank", "uncovered")
"""The hand-set ranking's verdict on a candidate: its score, the gap to the best, its rank, and whether
its passage fails the coverage gates (``rules.uncovered``)."""
HYBRID_FEATURES = FEATURES + RULE_FEATURES


@dataclass(frozen=True)
class Ranker:
    """``p(answer) = sigmoid(intercept + coef . (x - mean) / scale)`` per candidate; ``threshold``:
    the probability under which the best candidate is no answer (abstain)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float

    def matrix(self, cands: list[Sentence]) -> np.ndarray:
        return np.array([[c.features.get(f, 0.0) for f in self.features] for c in cands], dtype=np.float64)

    def probabilities(self, cands: list[Sentence]) -> np.ndarray:
        if not cands:
            return np.zeros(0)
        z = self.intercept + ((self.matrix(cands) - self.mean) / self.scale) @ self.coef
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "model": "logistic regression over candidate sentences (bench/train_reader.py)",
                "threshold": self.threshold,
                "intercept": self.intercept,
                "features": [
                    {"name": f, "mean": _r(m), "scale": _r(s), "weight": _r(w)}
                    for f, m, s, w in zip(self.features, self.mean, self.scale, self.coef)
                ],
            },
            indent=1,
        )


def _r(x: float) -> float:
    return float(f"{x:.6g}") if math.isfinite(x) else 0.0


def from_json(text: str) -> Ranker:
    d = json.loads(text)
    fs = d["features"]
    return Ranker(
        tuple(f["name"] for f in fs),
        np.array([f["mean"] for f in fs]),
        np.array([f["scale"] or 1.0 for f in fs]),
        np.array([f["weight"] for f in fs]),
        float(d["intercept"]),
        float(d["threshold"]),
    )


@lru_cache(maxsize=4)
def load(path: Path = MODEL_PATH) -> Ranker:
    """The shipped model (read once per process)."""
    from assistant.errors import ConfigError

    if not path.is_file():
        raise ConfigError(f"the extractive reader's model {path} is missing: run bench/train_reader.py")
    return from_json(path.read_text(encoding="utf-8"))
