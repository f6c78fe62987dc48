"""Choose the hand-set ranking's abstention threshold (``rules.ABSTAIN_THRESHOLD``) on train.

The cached train passages are read once through the code's own chain with the threshold off (the
coverage gates still abstain), recording each question's best score; then every threshold of the
grid is scored on those answers: a question whose best score is under it abstains. The objective
is the learned ranker's (``train_reader.choose_threshold``): right answers + 0.5 x abstentions where
the answer is nowhere in the passages. Train only, never test:

    .venv/bin/python bench/abstain_threshold.py --cache train-t2 --data /work/data2   # ~4 minutes
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rtqa import ROOT, briefing_for, cached_chain, load_cache, score_row
from train_reader import choose_threshold

GRID = (0.2, 0.25, 0.3, 0.35, 0.38, 0.4, 0.42, 0.45, 0.5)


def best_scores(data: Path, cache: str) -> list[tuple[dict, float | None]]:
    """Each train question's strict figures (threshold off) and its best sentence's score."""
    os.environ["BRIEFING_ABSTAIN_THRESHOLD"] = "-1000"
    from assistant.engines.extractive import engine as extractive

    seen: list[float] = []
    rules = extractive.ExtractiveEngine._rules

    def recording(self, ctx, usable):  # the ranking as it is, its best score noted
        covered, best, reason = rules(self, ctx, usable)
        seen.append(best.score)
        return covered, best, reason

    extractive.ExtractiveEngine._rules = recording
    b = briefing_for("train", data, index=False)
    chain = cached_chain(b.engine("extractive"), b.embedder)
    out = []
    for q in load_cache(data, cache, 5):
        seen.clear()
        answer = chain(q["question"], q["passages"], date.fromisoformat(q["question_date"]))
        out.append((score_row(q, answer), seen[-1] if seen else None))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=Path("/work/data"))
    p.add_argument("--cache", default="train", help="the cached train passages (bench/rtqa.py ask --save-cache)")
    args = p.parse_args()
    if not args.cache.startswith("train"):
        sys.exit("choose on train only")
    rows = best_scores(args.data, args.cache)
    # a question the gates abstain on stays abstained at every threshold
    best = np.array([-np.inf if r["abstained"] or s is None else s for r, s in rows])
    right = np.array([r["correct"] for r, _s in rows])
    reach = np.array([r["reach"] for r, _s in rows])
    t, objective = choose_threshold(best, right, reach, grid=GRID, show=GRID)
    print(f"chosen: {t} (objective {objective:.1f}; set rules.ABSTAIN_THRESHOLD in {ROOT / 'assistant/engines/extractive/rules.py'})")


if __name__ == "__main__":
    main()
