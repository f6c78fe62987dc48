"""Choose the hand-set ranking's abstention threshold (``rules.ABSTAIN_THRESHOLD``) on train.

The cached train passages are read once through the code's own chain with the threshold off (the
coverage gates still abstain), recording each question's best score; then every threshold of the
grid is scored on those answers: a question whose best score is under it abstains. The objective
is the learned ranker's (``bench/train_reader.py``): right answers + 0.5 x abstentions where the
answer is nowhere in the passages. Train only, never test:

    .venv/bin/python bench/abstain_threshold.py --cache train-t2 --data /work/data2   # ~4 minutes
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rtqa import ROOT, briefing_for, cached_chain, load_cache, score_row

ABSTAIN_CREDIT = 0.5
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
    best = None
    print("threshold  right  wrong  abstained  (nothing to find)  objective")
    for t in GRID:
        right = wrong = abstained = nothing = 0
        for r, score in rows:
            if r["abstained"] or (score is not None and score < t):
                abstained += 1
                nothing += not r["reach"]
            elif r["correct"]:
                right += 1
            else:
                wrong += 1
        objective = right + ABSTAIN_CREDIT * nothing
        print(f"{t:9.2f}  {right:5d}  {wrong:5d}  {abstained:9d}  {nothing:17d}  {objective:9.1f}")
        if best is None or objective > best[1]:
            best = (t, objective)
    print(f"chosen: {best[0]} (set rules.ABSTAIN_THRESHOLD in {ROOT / 'assistant/engines/extractive/rules.py'})")


if __name__ == "__main__":
    main()
