"""What each rule kept beside the ranking adds: the engine with and without it, on the cached questions
where it can fire (``bench/rtqa.py`` caches), strict scoring.

    bench/rule_gain.py --cache train-keyword          # yes_no, other_entity, pair
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rtqa import briefing_for, cached_chain, load_cache, score_row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", default="train-keyword")
    p.add_argument("--data", type=Path, default=Path("/work/data"))
    p.add_argument("--rules", default="yes_no,other_entity,pair")
    p.add_argument("--ranking", default="rules", choices=["rules", "learned"])
    args = p.parse_args()
    from assistant import nlp
    from assistant.engines.extractive import ExtractiveEngine
    from assistant.engines.extractive.engine import RULES, YES_NO
    from assistant.engines.extractive.evidence import question_entities

    b = briefing_for("news", args.data, index=False, extractive_ranking=args.ranking)
    rows = load_cache(args.data, args.cache, 5)
    can_fire = {
        "yes_no": lambda q: bool(YES_NO.match(nlp.question_clause(q))),
        "other_entity": lambda q: bool((nlp.answer_types(q) or set()) & nlp.NUMERIC and question_entities(q)),
        "pair": lambda q: True,
    }
    for rule in args.rules.split(","):
        subset = [r for r in rows if can_fire[rule](r["question"])]
        out = {"rule": rule, "ranking": args.ranking, "questions": len(subset)}
        for name, rules in (("with", RULES), ("without", RULES - {rule})):
            chain = cached_chain(ExtractiveEngine(b.settings, b.embedder, rules=rules), b.embedder)
            scored = [
                score_row(r, chain(r["question"], r["passages"], date.fromisoformat(r["question_date"])))
                for r in subset
            ]
            out[name] = sum(s["correct"] for s in scored)
            out[name + "_abstained"] = sum(s["abstained"] for s in scored)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
