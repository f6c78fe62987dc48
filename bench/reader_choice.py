#!/usr/bin/env python3
"""How much a reading model gains by choosing among the hand-set ranking's best sentences (train only).

For each cached question whose ranking holds a sentence with the answer among its first ``--choices``
distinct sentences (only there can a choice change the outcome), a random sample of ``--n``: the
model chooses (``assistant.engines.extractive.reader.choose``, the shipped code) and the choice is
compared with the ranking's first. Prints gained (first wrong, choice right), lost (first right,
choice wrong), kept and still wrong. This is how the model and the number of choices were chosen
(bench/README.md, "A reading model chooses"):

    bench/reader_choice.py --model qwen-1.5b --choices 5 --n 150     # ~10 min on 2 cores
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rtqa import load_cache, strict_contains


def ranked_candidates(data: Path, cache: str, k: int) -> list[tuple[dict, list]]:
    """Each cached question with the ranking's distinct covered sentences (best first), or none."""
    from assistant.config import Settings
    from assistant.engines.extractive import ExtractiveEngine
    from assistant.engines.extractive.engine import reading_context
    from assistant.timeframe import resolve_timeframe

    engine = ExtractiveEngine(Settings(data_dir=data / "cache" / "no-index", model_cache_dir=data / "models"))
    out = []
    for q in load_cache(data, cache, k):
        as_of = date.fromisoformat(q["question_date"])
        frame = resolve_timeframe(q["question"], as_of)
        ctx, usable = reading_context(q["question"], q["passages"], as_of, frame, engine.embedder, embed_all=True)
        ranked = engine._rules(ctx, usable)[0] if usable else []
        out.append((q, ranked))
    return out


def main(argv: list[str] | None = None) -> None:
    from assistant.config import Settings
    from assistant.engines.extractive import reader

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data"))
    ap.add_argument("--cache", default="train-t2", help="cached passages of a train set (bench/rtqa.py)")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--model", default="qwen-1.5b", help="a BRIEFING_LOCAL_MODEL name or GGUF path")
    ap.add_argument("--choices", type=int, default=reader.CHOICES)
    ap.add_argument("--n", type=int, default=150)
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args(argv)
    if "test" in args.cache:
        sys.exit("choices are made on train: pass a train cache")

    rows = []
    for q, ranked in ranked_candidates(args.data, args.cache, args.k):
        choices = reader.distinct_choices(ranked, args.choices)
        labels = {s.text: strict_contains(s.text, q["answer_contains_any"]) for s in choices}
        if any(labels.values()):
            rows.append((q, ranked, labels))
    random.Random(args.seed).shuffle(rows)
    complete = reader.model_call(Settings(extractive_reader=args.model, model_cache_dir=args.data / "models"))
    gained = lost = kept = wrong = 0
    t0 = time.perf_counter()
    for q, ranked, labels in rows[: args.n]:
        first, chosen = labels[ranked[0].text], labels[reader.choose(q["question"], ranked, complete, args.choices).text]
        gained += chosen and not first
        lost += first and not chosen
        kept += first and chosen
        wrong += not first and not chosen
    n = min(args.n, len(rows))
    print(
        f"{args.model}, {args.choices} choices, {n} of {len(rows)} questions with an answer among them: "
        f"gained {gained}, lost {lost}, kept {kept}, still wrong {wrong}; {(time.perf_counter() - t0) / max(n, 1):.1f} s a question"
    )


if __name__ == "__main__":
    main()
