"""Weekly news quizzes (RealTimeQA: train 2023, test 2025 first half, October 2024): retrieval once, reading many times.

Each question is asked against its set's whole index as of its ``question_date``. Prebuilt,
read-only indexes (``briefing ingest`` of each corpus) are expected under ``--data`` (default
/work/data): ``news``, ``rtqa-train``, ``rtqa-test``; the exported model under ``<data>/models``.

    bench/rtqa.py retrieve --set train      # passages the engine gets, cached as JSONL
    bench/rtqa.py read --set train          # the engine on the cached passages -> figures
    bench/rtqa.py ask --set test            # the whole path (Briefing.ask), as a user would

Figures (strict: expected answers as whole words, case-insensitive; an answer over 300
characters counts as wrong): answer accuracy, citation validity (a right answer's cited passages
hold the answer), median answer length, reach (the answer is in the passages handed to the
engine), gold citation (an answer cites an article known to hold the answer), abstentions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
# The code under test: this checkout, or another one (BRIEFING_BENCH_CODE=/path/to/main) for a baseline.
sys.path.insert(0, os.environ.get("BRIEFING_BENCH_CODE", str(ROOT)))
sys.path.insert(1, str(ROOT / "bench"))

EVAL = ROOT.parent / "shared" / "eval"
SETS = {
    "news": ("news", EVAL / "news" / "questions.jsonl"),
    "train": ("rtqa-train", EVAL / "rtqa" / "train-2023" / "questions.jsonl"),
    "test": ("rtqa-test", EVAL / "rtqa" / "test-2025h1" / "questions.jsonl"),
}
CORPORA = {"train": "train-2023.jsonl", "test": "test-2025h1.jsonl"}  # unpacked under <data>/raw
MAX_CHARS = 300


def strict_contains(text: str, groups: list[list[str]]) -> bool:
    """Every group has an alternative in ``text`` as whole words ("100" does not match "1000")."""
    return all(
        any(re.search(rf"(?<!\w){re.escape(alt)}(?!\w)", text, re.IGNORECASE) for alt in group)
        for group in groups
    )


def load_questions(name: str, limit: int | None = None) -> list[dict[str, Any]]:
    path = SETS[name][1]
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def briefing_for(name: str, data: Path, *, index: bool = True, **overrides: Any) -> Any:
    """A Briefing on the set's prebuilt index; ``index=False``: without one (engine and embedder only)."""
    from assistant import Briefing
    from assistant.config import Settings

    folder = data / SETS[name][0]
    if not index:
        folder = data / "cache" / "no-index"
    elif not (folder / "DONE").exists():
        sys.exit(f"{folder} is not built yet (no DONE file)")
    return Briefing(Settings(data_dir=folder, model_cache_dir=data / "models", **overrides))


def cache_path(data: Path, name: str, k: int) -> Path:
    return data / "cache" / f"{name}-k{k}.jsonl"


def retrieve(args: argparse.Namespace) -> None:
    """Cache, per question, the passages the chain hands the engine (``Briefing.retrieve``), or
    with ``--keyword-only`` those of ``keyword_pool`` (no index needed; see there)."""
    qs = load_questions(args.set, args.limit)
    if args.keyword_only:
        from keyword_pool import keyword_passages

        corpus = str(args.data / "raw" / CORPORA[args.set])
        pairs = keyword_passages(corpus, qs, args.k, collapse=not args.no_collapse)
    else:
        b = briefing_for(args.set, args.data)
        pairs = ((q, b.retrieve(q["question"], k=args.k, as_of=q["question_date"])) for q in qs)
    name = args.set + ("-keyword" if args.keyword_only else "") + ("-nocollapse" if args.no_collapse else "")
    out = cache_path(args.data, name, args.k)
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with out.open("w", encoding="utf-8") as f:
        for i, (q, hits) in enumerate(pairs):
            f.write(json.dumps({**q, "passages": [h.model_dump(mode="json") for h in hits]}) + "\n")
            if i % 50 == 0:
                print(f"{i}/{len(qs)} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    print(f"{len(qs)} questions -> {out} in {time.perf_counter() - t0:.0f}s")


def load_cache(data: Path, name: str, k: int) -> list[dict[str, Any]]:
    """Cached questions with their passages as ``Hit`` objects."""
    from assistant.types import Hit

    path = cache_path(data, name, k)
    if not path.exists():
        sys.exit(f"no cache {path}: run `bench/rtqa.py retrieve --set {name} --k {k}` first")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        r["passages"] = [Hit(**h) for h in r["passages"]]
    return rows


def score_row(q: dict[str, Any], answer: Any) -> dict[str, Any]:
    """One question's strict figures from its ``Answer``."""
    groups = q["answer_contains_any"]
    gold = set(q.get("gold_doc_ids") or [])
    text = answer.answer
    right = not answer.abstained and len(text) <= MAX_CHARS and strict_contains(text, groups)
    quotes = " ".join(c.quote for c in answer.citations)
    return {
        "id": q["id"],
        "question": q["question"],
        "answer": text,
        "abstained": answer.abstained,
        "correct": right,
        "cut": not answer.abstained and len(text) > MAX_CHARS and strict_contains(text, groups),
        "chars": len(text),
        "citations_valid": strict_contains(quotes, groups) if right else None,
        "reach": strict_contains(" ".join(h.text for h in answer.passages), groups),
        "gold_cited": bool(gold & {c.doc_id for c in answer.citations}),
        "support": next((float(n.split()[1]) for n in answer.notes if n.startswith("support ")), None),
    }


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    answered = [r for r in rows if not r["abstained"]]
    valid = [r["citations_valid"] for r in rows if r["citations_valid"] is not None]
    return {
        "questions": n,
        "answer_accuracy": round(sum(r["correct"] for r in rows) / n, 3),
        "correct": sum(r["correct"] for r in rows),
        "citation_validity": round(sum(valid) / len(valid), 3) if valid else None,
        "median_answer_chars": statistics.median(r["chars"] for r in answered) if answered else None,
        "reach": round(sum(r["reach"] for r in rows) / n, 3),
        "gold_cited": round(sum(r["gold_cited"] for r in rows) / n, 3),
        "abstained": sum(r["abstained"] for r in rows),
        "cut_over_300": sum(r["cut"] for r in rows),
    }


def read(args: argparse.Namespace) -> None:
    """The engine, conflicts and the citation check on cached passages: the chain's own second half."""
    b = briefing_for(args.set, args.data, index=False)
    chain = cached_chain(b.engine(args.engine), b.embedder)
    rows = []
    t0 = time.perf_counter()
    i, n = (int(x) for x in args.shard.split("/"))
    for j, q in enumerate(load_cache(args.data, args.cache or args.set, args.k)[: args.limit]):
        if j % n != i:
            continue
        answer = chain(q["question"], q["passages"], date.fromisoformat(q["question_date"]))
        rows.append(score_row(q, answer))
        if args.details:  # as it goes: a long run on a busy machine keeps what it did
            Path(args.details).write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report(args, rows, time.perf_counter() - t0)


def cached_chain(engine: Any, embedder: Any) -> Any:
    """``(question, passages, as_of) -> Answer`` through the code's own chain (``build_chain``) with its
    retrieval step replaced by the cached passages, so any version of the code (a baseline too) reads
    them exactly as ``Briefing.ask`` would."""
    import assistant.chain as chain_module

    holder: list[list[Any]] = [[]]

    def cached(_searcher: Any, _k: int, x: Any) -> Any:
        if isinstance(x, dict):  # code before the typed state
            return {**x, "passages": holder[0]}
        x.passages = holder[0]
        return x

    chain_module._retrieve = cached
    runnable = chain_module.build_chain(engine, None, embedder, default_k=5)

    def run(question: str, passages: list[Any], as_of: date) -> Any:
        holder[0] = passages
        return [e for e in runnable.stream({"question": question, "as_of": as_of}) if hasattr(e, "citations")][-1]

    return run


def ask(args: argparse.Namespace) -> None:
    """The whole path, retrieval included, through ``Briefing.ask``."""
    b = briefing_for(args.set, args.data)
    rows = []
    t0 = time.perf_counter()
    cache = cache_path(args.data, args.save_cache, args.k).open("w", encoding="utf-8") if args.save_cache else None
    for j, q in enumerate(load_questions(args.set, args.limit)):
        answer = b.ask(q["question"], engine=args.engine, k=args.k, as_of=q["question_date"])
        rows.append(score_row(q, answer))
        if cache:  # the passages handed to the engine, for `read` (other readers on the same passages)
            cache.write(json.dumps({**q, "passages": [h.model_dump(mode="json") for h in answer.passages]}) + "\n")
            cache.flush()
        if args.details:
            Path(args.details).write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
        if j % 25 == 0:
            print(f"{j} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    report(args, rows, time.perf_counter() - t0)


def report(args: argparse.Namespace, rows: list[dict[str, Any]], secs: float) -> None:
    if args.details:
        Path(args.details).write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = {"set": args.set, "mode": args.cmd, **summary(rows), "seconds": round(secs)}
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", choices=["retrieve", "read", "ask"])
    p.add_argument("--set", choices=sorted(SETS), default="news")
    p.add_argument("--data", type=Path, default=Path("/work/data"))
    p.add_argument("--k", type=int, default=5, help="passages per question (the settings' default: 5)")
    p.add_argument("--engine", default="extractive")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--details", help="write one JSON line per question here")
    p.add_argument("--keyword-only", action="store_true", help="retrieve: BM25 over the raw corpus, no index")
    p.add_argument("--shard", default="0/1", help="read: every n-th question from i (i/n), for parallel runs")
    p.add_argument("--no-collapse", action="store_true", help="retrieve --keyword-only: keep near-copies")
    p.add_argument("--save-cache", help="ask: also cache the passages under this name (for `read --cache`)")
    p.add_argument("--cache", help="read: the cache's name when not the set's (e.g. train-keyword)")
    args = p.parse_args(argv)
    {"retrieve": retrieve, "read": read, "ask": ask}[args.cmd](args)


if __name__ == "__main__":
    main()
