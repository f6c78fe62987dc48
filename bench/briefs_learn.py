"""Fit the brief's sentence scorer (``assistant/briefs/scorer.json``) on a training set.

For each quiz week of the set, the week's material is gathered and grouped as a brief would be;
every candidate sentence gets the features of ``assistant.briefs.scorer`` and the label "holds an
answer of that week's quiz" (whole word, case-insensitive). A logistic regression (scikit-learn,
standardised features) is cross-validated by week (no week in both sides) and fitted on all weeks.
Train only, never test:

    .venv/bin/python bench/briefs_learn.py --index /work/data/rtqa-train [--cache rows.npz]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Briefing
from assistant.briefs import scorer
from assistant.briefs.grouping import group
from assistant.briefs.material import gather
from assistant.config import Settings
from bench.briefs import SETS, holds


def week_rows(b: Briefing, day: date, answers: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels of the candidate sentences of the week ending ``day``."""
    m = gather(b.store, b.embedder, day - timedelta(days=6), day)
    if not m.docs:
        return np.zeros((0, len(scorer.FEATURES))), np.zeros(0)
    sents, x = scorer.features(m, group(m, set()))
    y = np.asarray([any(holds(a, s.text) for a in answers) for s in sents], dtype=np.float64)
    return x, y


def collect(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = Briefing(Settings(data_dir=args.index, model_cache_dir=args.models))
    by_date: dict[str, list[str]] = {}
    for line in SETS[args.set][0].open():
        q = json.loads(line)
        by_date.setdefault(q["question_date"], []).extend(a for g in q["answer_contains_any"] for a in g)
    xs, ys, weeks = [], [], []
    for w, d in enumerate(sorted(by_date)):
        t0 = time.perf_counter()
        x, y = week_rows(b, date.fromisoformat(d), by_date[d])
        xs.append(x)
        ys.append(y)
        weeks.append(np.full(len(y), w))
        print(f"  {d}: {len(y)} sentences, {int(y.sum())} holding an answer, {time.perf_counter() - t0:.1f}s", flush=True)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(weeks)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", choices=["train"], default="train", help="never test")
    p.add_argument("--index", type=Path, required=True, help="data_dir of the set's index (read only)")
    p.add_argument("--models", type=Path, default=Path("/work/data/models"))
    p.add_argument("--cache", type=Path, help="keep the feature rows here (reused when present)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    p.add_argument("--out", type=Path, default=scorer.WEIGHTS_FILE)
    args = p.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import GroupKFold

    if args.cache and args.cache.exists():
        z = np.load(args.cache)
        x, y, weeks = z["x"], z["y"], z["weeks"]
    else:
        x, y, weeks = collect(args)
        if args.cache:
            np.savez_compressed(args.cache, x=x, y=y, weeks=weeks)
    print(f"{len(y)} sentences of {len(set(weeks))} weeks, {int(y.sum())} holding an answer", flush=True)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    xs = (x - mean) / scale
    pred = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=args.folds).split(xs, y, weeks):
        pred[te] = LogisticRegression(C=args.C, max_iter=2000).fit(xs[tr], y[tr]).predict_proba(xs[te])[:, 1]
    auc, ap = roc_auc_score(y, pred), average_precision_score(y, pred)
    print(f"cross-validated by week ({args.folds} folds): ROC AUC {auc:.3f}, average precision {ap:.3f} "
          f"(base rate {y.mean():.3f})")
    model = LogisticRegression(C=args.C, max_iter=2000).fit(xs, y)
    out = {
        "about": "Logistic model of 'this candidate sentence holds an answer of the week's news quiz'; "
        "written by bench/briefs_learn.py",
        "trained_on": f"{args.set}: {len(set(weeks))} quiz weeks, {len(y)} sentences, {int(y.sum())} positive",
        "cv_by_week": {"folds": args.folds, "roc_auc": round(auc, 4), "average_precision": round(ap, 4)},
        "C": args.C,
        "features": list(scorer.FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
    }
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    for f, c in sorted(zip(scorer.FEATURES, out["coef"]), key=lambda t: -abs(t[1])):
        print(f"  {f:14s} {c:+.3f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
