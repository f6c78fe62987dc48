"""RGB retrieval and answers: Briefing beside the plain LangChain dense path and bm25s alone, in one run.

Data: ``../shared/eval/rgb`` (read there, never copied: CC BY-NC-SA). 969 news/web snippets, 100
questions with gold passage ids; ``--split dev`` (ids 000-049) is for tuning, ``test`` (050-099,
the default) for reporting once per change.

Everything is ingested into throw-away indexes under a temp folder (the exported ONNX model is
cached in ``--models``, default /tmp/briefing-bench-models, so the export runs once per machine).
Rows, all on the same questions in the same run:

* ``briefing``            -- ``assistant.evaluation.run_eval``: hit@1, hit@5, MRR@10 of the gold
                             passages (as retrieved for the answer), answer accuracy, citation
                             validity, ask latency; plus ``search`` latency (k=10) on its own;
* ``briefing-no-rerank``  -- the same with ``rerank=False`` (hybrid RRF fusion only);
* ``langchain-dense``     -- HuggingFaceEmbeddings (the packaged MiniLM) + ``Chroma.from_documents``,
                             ``similarity_search(k=10)`` (``bench/ingest.py``'s ``run_plain``);
* ``bm25s``               -- bm25s alone over the same tokens Briefing's keyword index uses.

``--counterfactual`` also ingests, into another index, the corpus plus every question's
``false_passages`` (records ``cf-<qid>-<i>``, source ``counterfactual``), asks the questions and
counts answers holding the false answer, the true one, both, or abstaining, the answers that hold
the false answer without flagging a conflict (``Answer.conflicts`` empty; their question ids in
``false_without_conflict_ids``), and how often a false
passage is retrieved first / in the top 5. The plain run reports how often it flags a conflict too.

    .venv/bin/python bench/rgb.py                         # test split, Markdown
    .venv/bin/python bench/rgb.py --split dev --json
    .venv/bin/python bench/rgb.py --counterfactual
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant import Briefing
from assistant.config import Settings
from assistant.evaluation import contains_facts, load_cases, mentions, run_eval

RGB = ROOT.parent / "shared" / "eval" / "rgb"
K = 10


def load_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else 0.0


def ranking_figures(ranked: list[list[str]], cases: list[dict], ms: list[float]) -> dict[str, Any]:
    """hit@1, hit@5, MRR@10 of the gold passages over ranked doc-id lists (one per case)."""
    ranks = []
    for ids, case in zip(ranked, cases):
        gold = set(case.get("gold_doc_ids") or [])
        seen = list(dict.fromkeys(ids))[:K]
        ranks.append(next((i for i, d in enumerate(seen, 1) if d in gold), None))
    n = len(ranks)
    return {
        "hit@1": sum(1 for r in ranks if r == 1) / n,
        "hit@5": sum(1 for r in ranks if r and r <= 5) / n,
        "mrr@10": sum(1 / r for r in ranks if r) / n,
        "search_ms_p50": pct(ms, 0.5),
        "search_ms_p95": pct(ms, 0.95),
    }


def timed_search(search, cases: list[dict]) -> tuple[list[list[str]], list[float]]:
    search("warm up")
    ranked, ms = [], []
    for case in cases:
        t0 = time.perf_counter()
        ranked.append(search(case["question"]))
        ms.append((time.perf_counter() - t0) * 1000)
    return ranked, ms


def ours(b: Briefing, qpath: Path, split: str, cases: list[dict]) -> dict[str, Any]:
    from assistant import nlp

    for cache in ("_ENT_CACHE", "_EMB_CACHE"):  # memoised NER/embeddings: each system starts cold
        getattr(nlp, cache, {}).clear()
    report = run_eval(b, qpath, split=split)
    _, ms = timed_search(lambda q: [h.doc_id for h in b.search(q, K)], cases)
    keep = (
        "hit@1",
        "hit@5",
        "mrr@10",
        "answer_accuracy",
        "answers_cut_too_long",
        "answers_flagging_conflicts",
        "citation_validity",
        "latency_ms_p50",
        "latency_ms_p95",
    )
    return {
        **{key: report.get(key) for key in keep},
        "search_ms_p50": pct(ms, 0.5),
        "search_ms_p95": pct(ms, 0.95),
    }


def langchain_dense(records: list[dict], cases: list[dict], work: Path) -> dict[str, Any]:
    from ingest import run_plain  # bench/ingest.py: the plain LangChain path

    _, seconds, store = run_plain(records, work)
    ranked, ms = timed_search(
        lambda q: [d.metadata["doc_id"] for d in store.similarity_search(q, k=K)], cases
    )
    return {**ranking_figures(ranked, cases, ms), "ingest_s": seconds}


def bm25_alone(records: list[dict], cases: list[dict]) -> dict[str, Any]:
    import logging

    import bm25s

    from index.search import tokenize

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    ids = [str(r["id"]) for r in records]
    bm25 = bm25s.BM25()
    bm25.index(tokenize([r["text"] for r in records]), show_progress=False)

    def search(q: str) -> list[str]:
        toks = [t for t in tokenize([q])[0] if t in bm25.vocab_dict]
        if not toks:
            return []
        docs, scores = bm25.retrieve([toks], k=K, show_progress=False, n_threads=1)
        return [ids[i] for i, s in zip(docs[0], scores[0]) if s > 0]

    ranked, ms = timed_search(search, cases)
    return ranking_figures(ranked, cases, ms)


def counterfactual(data: Path, cases: list[dict], settings: Settings, work: Path) -> dict[str, Any]:
    """Ask with the false passages indexed beside the true ones; count what the answers say."""
    corpus = data / "corpus.jsonl"
    cf = {c["id"]: c for c in load_records(data / "counterfactual.jsonl")}
    extra = work / "counterfactual.jsonl"
    with extra.open("w", encoding="utf-8") as f:
        for case in cases:
            for i, text in enumerate(cf.get(case["id"], {}).get("false_passages", [])):
                rec = {"id": f"cf-{case['id']}-{i}", "text": text, "source": "counterfactual"}
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    b = Briefing(settings.model_copy(update={"data_dir": work / "cf"}))
    report = b.ingest([str(corpus), str(extra)])
    keys = ("false", "true", "both", "neither", "abstained", "cf_top1", "cf_top5", "false_unflagged", "flagged")
    counts = dict.fromkeys(keys, 0)
    asked, unflagged_ids = 0, []
    for case in cases:
        item = cf.get(case["id"])
        if not item or not item.get("false_passages"):
            continue
        asked += 1
        a = b.ask(case["question"])
        has_false = mentions(a.answer, item["false_answer"])
        has_true = contains_facts(a.answer, case.get("answer_contains_any") or [])
        counts["false_unflagged"] += has_false and not a.conflicts
        if has_false and not a.conflicts:
            unflagged_ids.append(case["id"])
        counts["flagged"] += bool(a.conflicts)
        if a.abstained:
            counts["abstained"] += 1
        elif has_false and has_true:
            counts["both"] += 1
        elif has_false:
            counts["false"] += 1
        elif has_true:
            counts["true"] += 1
        else:
            counts["neither"] += 1
        sources = [h.source for h in b.search(case["question"], 5)]
        counts["cf_top1"] += bool(sources) and sources[0] == "counterfactual"
        counts["cf_top5"] += "counterfactual" in sources
    n = max(asked, 1)
    return {
        "questions": asked,
        "false_passages": sum(1 for _ in extra.open()),
        "documents": report.count("added"),
        "answer_contains_false": (counts["false"] + counts["both"]) / n,
        "false_without_conflict": counts["false_unflagged"] / n,
        "false_without_conflict_ids": unflagged_ids,
        "conflict_flagged": counts["flagged"] / n,
        "answer_contains_true": (counts["true"] + counts["both"]) / n,
        "answer_only_false": counts["false"] / n,
        "answer_only_true": counts["true"] / n,
        "answer_both": counts["both"] / n,
        "answer_neither": counts["neither"] / n,
        "abstained": counts["abstained"] / n,
        "false_passage_top1": counts["cf_top1"] / n,
        "false_passage_in_top5": counts["cf_top5"] / n,
    }


def _f(v: Any, ms: bool = False) -> str:
    if v is None:
        return "n/a"
    return f"{v:.0f}" if ms else f"{v:.2f}"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        (
            f"RGB {result['split']} split: {result['questions']} questions over {result['passages']} passages "
            f"({result['cpus']} CPUs; Briefing embedder {result['embedder']})"
        ),
        "",
        "| system | hit@1 | hit@5 | MRR@10 | answer acc. | citations valid | search ms p50/p95 | ask ms p50/p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in result["systems"].items():
        ask = (
            f"{_f(r['latency_ms_p50'], True)}/{_f(r['latency_ms_p95'], True)}"
            if "latency_ms_p50" in r
            else "n/a"
        )
        lines.append(
            f"| {name} | {_f(r['hit@1'])} | {_f(r['hit@5'])} | {_f(r['mrr@10'])} | {_f(r.get('answer_accuracy'))} "
            f"| {_f(r.get('citation_validity'))} | {_f(r['search_ms_p50'], True)}/{_f(r['search_ms_p95'], True)} "
            f"| {ask} |"
        )
    cf = result.get("counterfactual")
    if cf:
        lines += [
            "",
            (
                f"Counterfactual: {cf['false_passages']} false passages indexed beside the corpus, "
                f"{cf['questions']} questions asked."
            ),
            "",
            (
                "| false answer without a conflict flagged | conflict flagged "
                "| answer holds false answer | holds true answer | only false | only true | both | neither "
                "| abstained | false passage first | false passage in top 5 |"
            ),
            "|---|---|---|---|---|---|---|---|---|---|---|",
            (
                f"| {_f(cf['false_without_conflict'])} | {_f(cf['conflict_flagged'])} "
                f"| {_f(cf['answer_contains_false'])} | {_f(cf['answer_contains_true'])} | {_f(cf['answer_only_false'])} "
                f"| {_f(cf['answer_only_true'])} | {_f(cf['answer_both'])} | {_f(cf['answer_neither'])} "
                f"| {_f(cf['abstained'])} | {_f(cf['false_passage_top1'])} | {_f(cf['false_passage_in_top5'])} |"
            ),
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=["dev", "test"], default="test")
    ap.add_argument("--data", type=Path, default=RGB, help="the RGB folder (default ../shared/eval/rgb)")
    ap.add_argument(
        "--models", type=Path, default=Path("/tmp/briefing-bench-models"), help="ONNX model cache"
    )
    ap.add_argument("--skip-baselines", action="store_true", help="only Briefing's rows")
    ap.add_argument(
        "--counterfactual", action="store_true", help="also measure answers with false passages indexed"
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    corpus, qpath = args.data / "corpus.jsonl", args.data / "questions.jsonl"
    records = load_records(corpus)
    cases = load_cases(qpath, args.split)
    work = Path(tempfile.mkdtemp(prefix="bench-rgb-"))
    try:
        settings = Settings(data_dir=work / "ours", model_cache_dir=args.models)
        b = Briefing(settings)
        t0 = time.perf_counter()
        report = b.ingest([str(corpus)])
        ingest_s = time.perf_counter() - t0
        if not report.ok:
            print(
                f"warning: {len(report.failed)} inputs failed, e.g. {report.failed[0].reason}",
                file=sys.stderr,
            )
        systems: dict[str, dict[str, Any]] = {}
        systems["briefing"] = {**ours(b, qpath, args.split, cases), "ingest_s": ingest_s}
        plain = Briefing(settings.model_copy(update={"rerank": False}))
        systems["briefing-no-rerank"] = ours(plain, qpath, args.split, cases)
        if not args.skip_baselines:
            systems["langchain-dense"] = langchain_dense(records, cases, work)
            systems["bm25s"] = bm25_alone(records, cases)
        result: dict[str, Any] = {
            "split": args.split,
            "questions": len(cases),
            "passages": len(records),
            "cpus": os.cpu_count(),
            "embedder": b.embedder.name,
            "settings": {
                key: getattr(settings, key)
                for key in (
                    "k",
                    "candidates",
                    "rrf_k",
                    "dense_weight",
                    "bm25_weight",
                    "rerank",
                    "rerank_depth",
                )
            },
            "systems": systems,
        }
        if args.counterfactual:
            result["counterfactual"] = counterfactual(args.data, cases, settings, work)
        if args.json:
            print(json.dumps(result, indent=2, default=str))
        else:
            print(markdown(result))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
