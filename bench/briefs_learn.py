"""Fit the brief's scorers (``assistant/briefs/scorer.json``) on a training set.

For each quiz week of the set, the week's material is gathered and grouped as a brief would be;
every candidate sentence gets the features of ``assistant.briefs.scorer`` and the label "holds an
answer of that week's quiz" (whole word, case-insensitive; answers that are stop words such as
"May" or "six", or true/false, label nothing); every name the sentences state, the label "an
answer stands in it". Logistic regressions (scikit-learn, standardised features) are
cross-validated by week (no week on both sides) and fitted on all weeks. Train only, never test:

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

from assistant import Briefing, nlp
from assistant.briefs import scorer
from assistant.briefs.grouping import group
from assistant.briefs.material import gather
from assistant.config import Settings
from bench.briefs import SETS, holds

KINDS = {"sentence": scorer.FEATURES, "name": scorer.NAME_FEATURES}
Rows = dict[str, tuple[np.ndarray, np.ndarray]]  # kind -> (features, labels)


def week_rows(b: Briefing, day: date, answers: list[str]) -> Rows:
    """Feature rows and labels of the candidate sentences and names of the week ending ``day``."""
    m = gather(b.store, b.embedder, day - timedelta(days=6), day)
    if not m.docs:
        return {k: (np.zeros((0, len(f))), np.zeros(0)) for k, f in KINDS.items()}
    answers = [a for a in answers if not nlp.is_stop(a) and a.lower() not in {"true", "false"}]  # "May", "Six"
    groups = group(m, set())
    sents, x = scorer.features(m, groups)
    found, xn = scorer.name_features(m, groups)
    return {
        "sentence": (x, np.asarray([any(holds(a, s.text) for a in answers) for s in sents], dtype=np.float64)),
        "name": (xn, np.asarray([any(holds(a, f) for a in answers) for f in found], dtype=np.float64)),
    }


def collect(args: argparse.Namespace) -> dict[str, np.ndarray]:
    """``{kind}_x``, ``{kind}_y``, ``{kind}_weeks`` over every quiz week of the set."""
    b = Briefing(Settings(data_dir=args.index, model_cache_dir=args.models))
    by_date: dict[str, list[str]] = {}
    for line in SETS[args.set][0].open():
        q = json.loads(line)
        by_date.setdefault(q["question_date"], []).extend(a for g in q["answer_contains_any"] for a in g)
    parts: dict[str, list[np.ndarray]] = {}
    for w, d in enumerate(sorted(by_date)):
        t0 = time.perf_counter()
        rows = week_rows(b, date.fromisoformat(d), by_date[d])
        for k, (x, y) in rows.items():
            parts.setdefault(f"{k}_x", []).append(x)
            parts.setdefault(f"{k}_y", []).append(y)
            parts.setdefault(f"{k}_weeks", []).append(np.full(len(y), w))
        x, y = rows["sentence"]
        print(f"  {d}: {len(y)} sentences, {int(y.sum())} holding an answer, {time.perf_counter() - t0:.1f}s", flush=True)
    return {k: np.concatenate(v) for k, v in parts.items()}


def fit(kind: str, x: np.ndarray, y: np.ndarray, weeks: np.ndarray, args: argparse.Namespace) -> dict:
    """Cross-validate by week, fit on all weeks; the model as written to the weights file."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import GroupKFold

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    xs = (x - mean) / scale
    pred = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=args.folds).split(xs, y, weeks):
        pred[te] = LogisticRegression(C=args.C, max_iter=2000).fit(xs[tr], y[tr]).predict_proba(xs[te])[:, 1]
    auc, ap = roc_auc_score(y, pred), average_precision_score(y, pred)
    print(f"{kind}: {len(y)} rows of {len(set(weeks))} weeks, {int(y.sum())} positive (base rate {y.mean():.3f}); "
          f"cross-validated by week ({args.folds} folds): ROC AUC {auc:.3f}, average precision {ap:.3f}")
    model = LogisticRegression(C=args.C, max_iter=2000).fit(xs, y)
    out = {
        "trained_on": f"{args.set}: {len(set(weeks))} quiz weeks, {len(y)} rows, {int(y.sum())} positive",
        "cv_by_week": {"folds": args.folds, "roc_auc": round(auc, 4), "average_precision": round(ap, 4)},
        "C": args.C,
        "features": list(KINDS[kind]),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
    }
    for f, c in sorted(zip(KINDS[kind], out["coef"]), key=lambda t: -abs(t[1])):
        print(f"  {f:14s} {c:+.3f}")
    return out


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
    if args.cache and args.cache.exists():
        data = dict(np.load(args.cache))
    else:
        data = collect(args)
        if args.cache:
            np.savez_compressed(args.cache, **data)
    out = {
        "about": "Logistic models of 'this candidate sentence holds / this name is an answer of the week's "
        "news quiz'; written by bench/briefs_learn.py",
        **{k: fit(k, data[f"{k}_x"], data[f"{k}_y"], data[f"{k}_weeks"], args) for k in KINDS},
    }
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
