"""Train the extractive engine's ranker on the 2023 news quizzes and write the shipped model.

    bench/rtqa.py retrieve --set train       # once: the passages per question (cached)
    bench/train_reader.py                     # features (cached) -> week-grouped CV -> model

Candidates and features come from the engine itself (``ExtractiveEngine.candidates``) on the
cached passages of each train question, asked as of its quiz date; a candidate's label: it holds
an accepted answer (whole words) in at most ``MAX_WORDS`` words. Model: scikit-learn ``LogisticRegression`` on standardised
features; its C is chosen by 5-fold cross-validation over blocks of consecutive quiz weeks (a
week's questions share news, so they stay in one fold), by the share of questions whose top
candidate holds the answer. The abstention threshold is chosen on the out-of-fold probabilities:
the one that maximises right answers + 0.5 x abstentions on questions no candidate answers. The
same data and code give the same file (``assistant/engines/extractive/reader_model.json``).
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rtqa import ROOT, load_cache, strict_contains

from assistant.engines.extractive import ranking

FOLDS = 5
MAX_WORDS = 50
ABSTAIN_CREDIT = 0.5
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def extract(data: Path, name: str, k: int, shard: tuple[int, int] = (0, 1), hybrid: bool = False) -> dict[str, Any]:
    """Features and labels of every candidate of every question of set ``name`` (of every
    ``shard[1]``-th question from ``shard[0]``: shards run as parallel processes); ``hybrid``: the
    hand-set ranking's candidates with its verdict as features (``--ranking hybrid``)."""
    from assistant.config import Settings
    from assistant.engines.extractive import ExtractiveEngine
    from assistant.engines.extractive.engine import hybrid_candidates, learned_candidates, reading_context
    from assistant.timeframe import resolve_timeframe

    engine = ExtractiveEngine(Settings(data_dir=data / "cache" / "no-index", model_cache_dir=data / "models"))
    features = ranking.HYBRID_FEATURES if hybrid else ranking.FEATURES
    X, y, qid, rows = [], [], [], []
    t0 = time.perf_counter()
    cache = load_cache(data, name, k)
    for i, q in enumerate(cache):
        if i % shard[1] != shard[0]:
            continue
        as_of = date.fromisoformat(q["question_date"])
        frame = resolve_timeframe(q["question"], as_of)
        ctx, usable = reading_context(q["question"], q["passages"], as_of, frame, engine.embedder, embed_all=hybrid)
        cands = (hybrid_candidates if hybrid else learned_candidates)(ctx, usable) if usable else []
        for c in cands:
            X.append([c.features.get(f, 0.0) for f in features])
            y.append(strict_contains(c.text, q["answer_contains_any"]))
            qid.append(len(rows))
        rows.append({"id": q["id"], "date": q["question_date"], "n": i})
        if i % 50 == 0:
            print(f"features {i}/{len(cache)} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    return {
        "features": features,
        "X": np.array(X, dtype=np.float64),
        "y": np.array(y, dtype=bool),
        "qid": np.array(qid),
        "questions": rows,
    }


def extract_sharded(args: argparse.Namespace, feats: Path) -> dict[str, Any]:
    """Run ``--shards`` extraction processes and merge their parts in question order."""
    import subprocess

    argv = [sys.executable, __file__, "--data", str(args.data), "--set", args.set, "--k", str(args.k),
            "--ranking", args.ranking]
    # One core and one thread each: on a shared machine, ONNX threads spinning on a busy core waste it.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cpus = sorted(os.sched_getaffinity(0))
    procs = [
        subprocess.Popen(
            ["taskset", "-c", str(cpus[i % len(cpus)]), *argv, "--shards", str(args.shards), "--shard", str(i)],
            env=env,
        )
        for i in range(args.shards)
    ]
    if any(p.wait() for p in procs):
        sys.exit("feature extraction failed")
    parts = [pickle.loads(feats.with_suffix(f".{i}").read_bytes()) for i in range(args.shards)]
    order = sorted((q["n"], j, k) for j, part in enumerate(parts) for k, q in enumerate(part["questions"]))
    X, y, qid, rows = [], [], [], []
    for new, (_n, j, k) in enumerate(order):
        part = parts[j]
        mask = part["qid"] == k
        X.append(part["X"][mask])
        y.append(part["y"][mask])
        qid.append(np.full(int(mask.sum()), new))
        rows.append(part["questions"][k])
    return {
        "features": parts[0]["features"], "X": np.concatenate(X), "y": np.concatenate(y),
        "qid": np.concatenate(qid), "questions": rows,
    }  # fmt: skip


def week_folds(questions: list[dict[str, Any]], folds: int) -> np.ndarray:
    """Fold of each question: blocks of consecutive quiz dates."""
    days = sorted({q["date"] for q in questions})
    block = {d: min(folds - 1, i * folds // len(days)) for i, d in enumerate(days)}
    return np.array([block[q["date"]] for q in questions])


def fit(X: np.ndarray, y: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000)).fit(X, y)


def top1(p: np.ndarray, y: np.ndarray, qid: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the best candidate's probability and whether it holds the answer."""
    best_p, best_y = np.full(n, -1.0), np.zeros(n, dtype=bool)
    for pi, yi, q in zip(p, y, qid):
        if pi > best_p[q]:
            best_p[q], best_y[q] = pi, yi
    return best_p, best_y


def cross_validate(d: dict[str, Any], c: float, cols: np.ndarray) -> np.ndarray:
    """Out-of-fold probabilities of every candidate."""
    fold_q = week_folds(d["questions"], FOLDS)
    fold = fold_q[d["qid"]]
    p = np.zeros(len(d["y"]))
    for f in range(FOLDS):
        tr, te = fold != f, fold == f
        p[te] = fit(d["X"][tr][:, cols], d["y"][tr], c).predict_proba(d["X"][te][:, cols])[:, 1]
    return p


def choose_threshold(
    best_p: np.ndarray,
    best_y: np.ndarray,
    reachable: np.ndarray,
    grid: Any = None,
    show: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3),
) -> tuple[float, float]:
    """The threshold of ``grid`` (default 0.01..0.49) maximising right answers plus ``ABSTAIN_CREDIT``
    per abstention where no candidate answers (abstaining there is right, but a quiz scores it as a
    miss); the thresholds in ``show`` are printed."""
    best = (0.0, float(best_y.sum()))
    for t in np.round(np.arange(0.01, 0.5, 0.01), 2) if grid is None else grid:
        answered = best_p >= t
        gain = float((answered & best_y).sum() + ABSTAIN_CREDIT * (~answered & ~reachable).sum())
        if t in show:
            print(f"  threshold {t}: right {int((answered & best_y).sum())}, wrong {int((answered & ~best_y).sum())}, "
                  f"abstained {int((~answered).sum())} ({int((~answered & ~reachable).sum())} with nothing to find), "
                  f"objective {gain:.1f}")
        if gain > best[1]:
            best = (float(t), gain)
    return best


def rule_gain(d: dict[str, Any], oof: np.ndarray, reachable: np.ndarray, t: float) -> None:
    """What the ``other_entity`` abstention does on train, on the out-of-fold best candidates."""
    col = list(d["features"]).index("other_entity")
    best: dict[int, int] = {}
    for i, q in enumerate(d["qid"]):
        if q not in best or oof[i] > oof[best[q]]:
            best[q] = i
    rows = [(oof[i] >= t and d["X"][i, col] > 0, bool(d["y"][i]), bool(reachable[q])) for q, i in best.items()]
    hit = [r for r in rows if r[0]]
    print(f"rule other_entity on train: abstains on {len(hit)} answered questions: "
          f"{sum(1 for r in hit if r[1])} right answers lost, {sum(1 for r in hit if not r[2])} with no answer "
          f"to find, {sum(1 for r in hit if not r[1] and r[2])} wrong with the answer in a candidate")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=Path("/work/data"))
    p.add_argument("--set", default="train", help="the cached passages: train, or train-keyword (keyword_pool)")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--refresh", action="store_true", help="recompute the cached features")
    p.add_argument("--ranking", choices=["learned", "hybrid"], default="learned",
                   help="learned: the 30 best sentences by plain evidence; hybrid: the hand-set ranking's 20 best, "
                        "its score among the features")
    p.add_argument("--out", type=Path, help="the model file (default: the shipped one of --ranking)")
    p.add_argument("--drop", default="", help="comma-separated features to leave out (ablation)")
    p.add_argument("--shards", type=int, default=1, help="feature extraction in this many processes")
    p.add_argument("--shard", type=int, default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    hybrid = args.ranking == "hybrid"
    args.out = args.out or (ranking.HYBRID_MODEL_PATH if hybrid else ranking.MODEL_PATH)
    feats = args.data / "cache" / f"features-{args.set}-k{args.k}{'-hybrid' if hybrid else ''}.pkl"
    if args.shard is not None:  # one worker of --shards
        part = extract(args.data, args.set, args.k, (args.shard, args.shards), hybrid)
        feats.with_suffix(f".{args.shard}").write_bytes(pickle.dumps(part))
        return
    d = pickle.loads(feats.read_bytes()) if feats.exists() and not args.refresh else None
    if d is None or tuple(d["features"]) != (ranking.HYBRID_FEATURES if hybrid else ranking.FEATURES):
        d = extract_sharded(args, feats)
        feats.write_bytes(pickle.dumps(d))
    # An answer over 300 characters counts as wrong: a sentence of more than ~50 words is no answer.
    d["y"] = d["y"] & (d["X"][:, list(d["features"]).index("words")] <= math.log1p(MAX_WORDS))
    drop = {f for f in args.drop.split(",") if f}
    cols = np.array([i for i, f in enumerate(d["features"]) if f not in drop])
    n = len(d["questions"])
    reachable = np.zeros(n, dtype=bool)
    reachable[d["qid"][d["y"]]] = True
    print(f"{n} questions, {len(d['y'])} candidates, {int(d['y'].sum())} positive, "
          f"{int(reachable.sum())} questions with an answering candidate")
    scores = {}
    for c in C_GRID:
        oof = cross_validate(d, c, cols)
        bp, by = top1(oof, d["y"], d["qid"], n)
        scores[c] = (by.mean(), bp, by, oof)
        print(f"C={c}: CV top-1 {by.mean():.3f} ({int(by.sum())}/{n})")
    c = max(C_GRID, key=lambda c: (round(scores[c][0], 3), -c))
    t, _gain = choose_threshold(scores[c][1], scores[c][2], reachable)
    answered = scores[c][1] >= t
    print(f"chosen C={c}, threshold {t}: CV right {int((answered & scores[c][2]).sum())}/{n}, "
          f"abstained {int((~answered).sum())} ({int((~answered & ~reachable).sum())} with no answer to find)")
    rule_gain(d, scores[c][3], reachable, t)
    model = fit(d["X"][:, cols], d["y"], c)
    scaler, lr = model[0], model[1]
    names = tuple(d["features"][i] for i in cols)
    r = ranking.Ranker(names, scaler.mean_, scaler.scale_, lr.coef_[0], float(lr.intercept_[0]), t)
    if args.drop:
        print("ablation run: model not written")
        return
    args.out.write_text(r.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    for f, w in sorted(zip(names, lr.coef_[0]), key=lambda x: -abs(x[1]))[:12]:
        print(f"  {f:14s} {w:+.3f}")


if __name__ == "__main__":
    main()
