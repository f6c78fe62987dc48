"""Choose the brief's selection knobs on a training set: quiz coverage for a grid of settings.

Each quiz week's material is gathered once; then, for every setting of the grid, the week is
grouped and drafted again and scored as in ``bench/briefs.py`` (an answer counts when it stands in
a cited point whose passage holds it). Run it on ``train`` (and ``news``), never on ``test``.

    .venv/bin/python bench/briefs_tune.py --set train --index DATA_DIR [--every 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Briefing
from assistant.briefs import scorer, select
from assistant.briefs.draft import Layout, draft
from assistant.briefs.grouping import group
from assistant.briefs.material import gather
from assistant.config import Settings
from assistant.types import BriefScope
from bench.briefs import SETS, answered, holds

GRID = {  # the chosen values; give others with --grid
    "threshold": [0.5],
    "word_offset": [20.0],
    "decay": [3.0],
    "learned": [1.0],
    "handmade": [0.0],
    "group_power": [1.0],
    "units": [True],
    "actors": [30],
    "learned_actors": [True],
    "figures": [10],
    "watch": [3],
    "section_min_points": [3],
    "list_sentences": [100],
    "lists_new_first": [True],
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", choices=["train", "news"], default="train")
    p.add_argument("--index", type=Path, required=True, help="data_dir of the set's index (read only)")
    p.add_argument("--models", type=Path, default=Path("/work/data/models"))
    p.add_argument("--every", type=int, default=1, help="use every N-th quiz date")
    p.add_argument("--max-words", type=int, default=800)
    p.add_argument("--grid", type=json.loads, default={}, help='JSON, e.g. \'{"decay": [0.5, 1]}\': overrides GRID')
    args = p.parse_args()
    grid = {**GRID, **args.grid}
    from assistant import nlp

    # every week's sentences stay memoised across the grid (the limits live where they are read)
    nlp.ner._ENT_CACHE_MAX = nlp.embedding_cache._EMB_CACHE_MAX = 200_000
    b = Briefing(Settings(data_dir=args.index, model_cache_dir=args.models))
    questions = [json.loads(line) for line in SETS[args.set][0].open()]
    by_date: dict[str, list[dict]] = {}
    for q in questions:
        by_date.setdefault(q["question_date"], []).append(q)
    weeks = []
    for d in sorted(by_date)[:: args.every]:
        day = date.fromisoformat(d)
        m = gather(b.store, b.embedder, day - timedelta(days=6), day)
        if not m.docs:
            continue
        qs = [q for q in by_date[d] if any(any(holds(a, x.text) for a in q["answer_contains_any"][0]) for x in m.docs.values())]
        weeks.append((day, m, qs))
    ceiling = sum(len(qs) for _d, _m, qs in weeks)
    print(f"{len(weeks)} weeks, ceiling {ceiling}", flush=True)
    results = []
    grouped: dict[tuple[int, float], tuple[list, dict[int, float]]] = {}  # (week, threshold) -> groups, probs
    for values in itertools.product(*grid.values()):
        knobs = dict(zip(grid, values))
        w = replace(
            select.Weights(), **{k: v for k, v in knobs.items() if k in select.Weights.__dataclass_fields__}
        )
        t0 = time.perf_counter()
        got = 0
        for wi, (day, m, qs) in enumerate(weeks):
            key = (wi, knobs["threshold"])
            if key not in grouped:
                gs = group(m, set(), knobs["threshold"])
                grouped[key] = (gs, scorer.score(m, gs, units=True))  # whole sentences score the same either way
            gs, probs = grouped[key]
            brief = draft(
                m,
                gs,
                as_of=day,
                scope=BriefScope(),
                max_words=args.max_words,
                embedder=b.embedder,
                layout=Layout(**{k: v for k, v in knobs.items() if k in Layout.__dataclass_fields__}),
                weights=w,
                probs=probs,
            )
            points = [(t, [c.quote for c in cits]) for t, cits in brief.cited_points()]
            got += sum(answered(q, points) for q in qs)
        results.append((got, knobs))
        print(f"{got}/{ceiling} {knobs} {time.perf_counter() - t0:.0f}s", flush=True)
    best = max(results, key=lambda r: r[0])
    print("best", best)


if __name__ == "__main__":
    main()
