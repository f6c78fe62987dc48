"""Local models beside the extractive engine: answer accuracy, citation validity, seconds and prompt tokens per answer.

Sets (read in ``../shared/eval``, never copied):

* ``news`` -- the October 2024 month (602 articles, 31 questions, each asked as of its
  ``question_date``), from a prebuilt index (``--news-index``, default /work/data/news, copied
  into ``--work`` first because it is read-only; else the corpus is ingested there);
* ``rgb``  -- RGB ``--split`` (default test, 50 questions) over its 969 passages, ingested once
  into ``--work`` as ``bench/rgb.py`` does.

Systems: ``extractive`` and ``local:<model>`` for each local model (smollm2, qwen-0.5b,
qwen-1.5b), run smallest first. Matching is strict: an expected answer counts only as whole
words (``contains_facts(...)``). Citation validity: of the right answers, the
share whose cited passages' quotes hold the answer. Seconds per answer are wall time of ``ask``
(retrieval + generation + citation check), CPU seconds the process's CPU time for it (all
threads; on a shared machine the steadier figure: a quiet 2-core run takes about CPU s / 2),
load the 1-minute load average when it ended; prompt tokens are those the model read (from
llama.cpp's timings, cached prefix included).

Every answer is appended to ``--out`` (JSONL) as it comes, and rows already there are skipped,
so a long run can be stopped and resumed; ``--summary`` only prints the tables of ``--out``;
``--prompt-sizes`` compares the full answer prompt with the local engine's compact one.

    nice -n 10 .venv/bin/python bench/local_models.py --systems extractive,local:smollm2 --sets news,rgb
    .venv/bin/python bench/local_models.py --summary
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Briefing
from assistant.config import Settings
from assistant.evaluation import contains_facts, load_cases

EVAL = ROOT.parent / "shared" / "eval"
SYSTEMS = "extractive,local:smollm2,local:qwen-0.5b,local:qwen-1.5b"


def open_set(name: str, args: argparse.Namespace) -> tuple[Settings, list[dict[str, Any]]]:
    """Settings of the set's index (built or copied into ``--work`` once) and its questions."""
    work = args.work / name
    base = Settings(data_dir=work, model_cache_dir=args.models)
    done = work / "READY"
    if name == "news":
        cases = load_cases(EVAL / "news" / "questions.jsonl")
        if not done.exists():
            shutil.rmtree(work, ignore_errors=True)
            if (args.news_index / "DONE").exists():
                shutil.copytree(args.news_index, work, ignore=shutil.ignore_patterns("DONE"))
            else:
                Briefing(base).ingest([str(EVAL / "news" / "corpus.jsonl")])
            done.touch()
    else:
        cases = load_cases(EVAL / "rgb" / "questions.jsonl", args.split)
        if not done.exists():
            shutil.rmtree(work, ignore_errors=True)
            Briefing(base).ingest([str(EVAL / "rgb" / "corpus.jsonl")])
            done.touch()
    if args.limit:
        cases = cases[: args.limit]
    return base, cases


def briefing_for(system: str, base: Settings, threads: int | None) -> Briefing:
    if system == "extractive":
        return Briefing(base.model_copy(update={"engine": "extractive"}))
    _, model = system.split(":", 1)
    return Briefing(
        base.model_copy(update={"engine": "local", "local_model": model, "local_threads": threads})
    )


def ask(b: Briefing, system: str, case: dict[str, Any]) -> dict[str, Any]:
    groups = case.get("answer_contains_any") or []
    answerable = bool(case.get("answerable", True))
    t0, c0 = time.perf_counter(), time.process_time()
    a = b.ask(case["question"], as_of=case.get("question_date"))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    correct = (
        (not a.abstained and contains_facts(a.answer, groups))
        if answerable
        else a.abstained
    )
    quotes = " ".join(c.quote for c in a.citations)
    row: dict[str, Any] = {
        "system": system,
        "id": case.get("id"),
        "answerable": answerable,
        "correct": correct,
        "abstained": a.abstained,
        "citations_valid": bool(a.citations) and contains_facts(quotes, groups)
        if answerable and correct and not a.abstained
        else None,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "load": round(os.getloadavg()[0], 1),
        "answer": a.answer,
        "threads": b.settings.local_threads or os.cpu_count(),
    }
    if system != "extractive":
        stats = b.engine().last_stats
        row.update(
            prompt_tokens=stats.prompt_tokens,
            cached_tokens=stats.cached_tokens,
            completion_tokens=stats.completion_tokens,
            generation_seconds=round(stats.seconds, 3),
        )
    return row


def prompt_sizes(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Prompt tokens (SmolLM2's tokenizer) of the full answer prompt and of the local engine's compact one."""
    from assistant.engines.llm_common import answer_messages

    base, cases = open_set(name, args)
    b = briefing_for("local:smollm2", base, args.threads)
    engine = b.engine()
    full, compact = [], []
    for case in cases:
        passages = b.retrieve(case["question"], as_of=case.get("question_date"))
        full.append(engine._prompt_tokens(answer_messages(case["question"], passages)))
        compact.append(engine._prompt_tokens(engine.answer_messages(case["question"], passages)))
    return {
        "set": name,
        "questions": len(cases),
        "full_prompt_tokens_mean": statistics.mean(full),
        "compact_prompt_tokens_mean": statistics.mean(compact),
        "compact_prompt_tokens_max": max(compact),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["system"], r["set"]), []).append(r)
    out = {}
    for key, rs in groups.items():
        answerable = [r for r in rs if r["answerable"]]
        valid = [r["citations_valid"] for r in rs if r["citations_valid"] is not None]
        prompt = [r["prompt_tokens"] for r in rs if "prompt_tokens" in r]
        seconds = [r["seconds"] for r in rs]
        cpu = [r["cpu_seconds"] for r in rs if "cpu_seconds" in r]
        out[key] = {
            "questions": len(rs),
            "answer_accuracy": sum(r["correct"] for r in answerable) / len(answerable)
            if answerable
            else None,
            "correct": sum(r["correct"] for r in answerable),
            "answerable": len(answerable),
            "citation_validity": sum(valid) / len(valid) if valid else None,
            "abstained": sum(r["abstained"] for r in rs) / len(rs),
            "seconds_mean": statistics.mean(seconds),
            "seconds_p50": statistics.median(seconds),
            "cpu_seconds_mean": statistics.mean(cpu) if cpu else None,
            "load_mean": statistics.mean(r["load"] for r in rs if "load" in r) if cpu else None,
            "prompt_tokens_mean": statistics.mean(prompt) if prompt else None,
        }
    return out


def markdown(summary: dict[tuple[str, str], dict[str, Any]]) -> str:
    lines = [
        (
            "| system | set | questions | answer acc. (right/answerable) | citations valid | abstained "
            "| s/answer mean (p50) | CPU s/answer | load | prompt tokens |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = {s: i for i, s in enumerate(SYSTEMS.split(","))}
    for (system, name), s in sorted(summary.items(), key=lambda kv: (kv[0][1], order.get(kv[0][0], 99))):
        acc = (
            "n/a"
            if s["answer_accuracy"] is None
            else f"{s['answer_accuracy']:.2f} ({s['correct']}/{s['answerable']})"
        )
        cit = "n/a" if s["citation_validity"] is None else f"{s['citation_validity']:.2f}"
        tok = "n/a" if s["prompt_tokens_mean"] is None else f"{s['prompt_tokens_mean']:.0f}"
        cpu = "n/a" if s["cpu_seconds_mean"] is None else f"{s['cpu_seconds_mean']:.1f}"
        load = "n/a" if s["load_mean"] is None else f"{s['load_mean']:.0f}"
        lines.append(
            f"| {system} | {name} | {s['questions']} | {acc} | {cit} | {s['abstained']:.2f} "
            f"| {s['seconds_mean']:.1f} ({s['seconds_p50']:.1f}) | {cpu} | {load} | {tok} |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--systems", default=SYSTEMS, help=f"comma-separated, run in this order (default {SYSTEMS})"
    )
    ap.add_argument("--sets", default="news,rgb")
    ap.add_argument("--split", choices=["dev", "test"], default="test", help="RGB split (default test)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions of each set")
    ap.add_argument("--news-index", type=Path, default=Path("/work/data/news"), help="prebuilt news index")
    ap.add_argument(
        "--work", type=Path, default=Path("/tmp/bench-local-models"), help="indexes built or copied here"
    )
    ap.add_argument("--models", type=Path, default=Path("/tmp/briefing-bench-models"), help="model cache")
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench-local-models.jsonl"), help="rows, appended")
    ap.add_argument(
        "--threads", type=int, default=None, help="CPU threads of the local model (default: all cores)"
    )
    ap.add_argument("--summary", action="store_true", help="only print the tables of --out")
    ap.add_argument(
        "--common",
        action="store_true",
        help="summarise only the questions every system in --systems answered",
    )
    ap.add_argument("--prompt-sizes", action="store_true", help="only measure prompt sizes (no generation)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    if args.prompt_sizes:
        for name in args.sets.split(","):
            print(json.dumps(prompt_sizes(name, args)))
        return

    rows = (
        [json.loads(x) for x in args.out.read_text().splitlines() if x.strip()] if args.out.exists() else []
    )
    if not args.summary:
        seen = {(r["system"], r["set"], r["id"]) for r in rows}
        for system in args.systems.split(","):
            for name in args.sets.split(","):
                base, cases = open_set(name, args)
                todo = [c for c in cases if (system, name, c.get("id")) not in seen]
                if not todo:
                    continue
                b = briefing_for(system, base, args.threads)
                for case in todo:
                    row = {"set": name, **ask(b, system, case)}
                    rows.append(row)
                    with args.out.open("a", encoding="utf-8") as f:
                        f.write(json.dumps(row, ensure_ascii=False) + "\n")
                    print(
                        f"{system} {name} {row['id']}: {'right' if row['correct'] else 'wrong'} "
                        f"{row['seconds']:.1f}s {row.get('prompt_tokens', '')}",
                        file=sys.stderr,
                        flush=True,
                    )
    if args.common:
        systems = args.systems.split(",")
        done: dict[tuple[str, str], set[str]] = {}
        for r in rows:
            done.setdefault((r["set"], r["id"]), set()).add(r["system"])
        rows = [r for r in rows if r["system"] in systems and set(systems) <= done[(r["set"], r["id"])]]
    summary = summarise(rows)
    if args.json:
        print(json.dumps({f"{k[0]} {k[1]}": v for k, v in summary.items()}, indent=2))
    else:
        print(f"{os.cpu_count()} CPUs; strict whole-word matching")
        print(markdown(summary))


if __name__ == "__main__":
    main()
