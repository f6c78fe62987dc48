"""Briefs against the news quizzes: does the brief of a quiz week hold that week's answers?

For each quiz date D of a question set, the brief of the 7 days D-6..D (by published date, at most
``--max-words`` words, over the whole index) is drafted, and each question scores when one of its
answers (``answer_contains_any``, whole word, case-insensitive) stands in a cited point whose
passage holds it too. Beside it, on the same weeks: the ceiling (the answer is in an article
published in those 7 days) and a naive brief (the lead 2 sentences of each article, newest first,
cut at the same number of words). Also: every citation checked against the stored text, words,
wall and CPU seconds per brief (CPU time stands for a quiet machine when others share the cores).

    .venv/bin/python bench/briefs.py --set news --set train [--limit 20] [--details out.jsonl]

The indexes are copied to a temporary folder first (the originals stay untouched). Choose
anything on ``train`` and ``news``; run ``test`` once per change and report it as it comes out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Briefing, nlp
from assistant.config import Settings
from assistant.errors import EmptyPeriodError

SHARED = ROOT.parent / "shared" / "eval"
SETS = {
    "news": (SHARED / "news" / "questions.jsonl", Path("/work/data/news")),
    "train": (SHARED / "rtqa" / "train-2023" / "questions.jsonl", Path("/work/data/rtqa-train")),
    "test": (SHARED / "rtqa" / "test-2025h1" / "questions.jsonl", Path("/work/data/rtqa-test")),
}
LEAD_SENTENCES = 2


def holds(answer: str, text: str) -> bool:
    """``answer`` stands in ``text`` as whole words, case-insensitive."""
    return re.search(r"(?<!\w)" + re.escape(answer) + r"(?!\w)", text, re.IGNORECASE) is not None


def answered(q: dict, points: list[tuple[str, list[str]]]) -> bool:
    """Some answer of every group stands in one point's text and in a passage it cites."""
    for text, passages in points:
        if all(any(holds(a, text) and any(holds(a, p) for p in passages) for a in g) for g in q["answer_contains_any"]):
            return True
    return False


def naive(docs: list, texts: dict[str, str], max_words: int) -> list[tuple[str, list[str]]]:
    """The lead sentences of each article, newest first, cut at ``max_words`` words."""
    out: list[tuple[str, list[str]]] = []
    words = 0
    for d in sorted(docs, key=lambda d: (d.published, d.doc_id), reverse=True):
        text = texts[d.doc_id]
        for a, b in nlp.split_sentences(text)[:LEAD_SENTENCES]:
            s = text[a:b]
            n = len(s.split())
            if words + n > max_words:
                s = " ".join(s.split()[: max_words - words])
                n = max_words - words
            if n <= 0:
                return out
            out.append((s, [s]))
            words += n
    return out


def citation_valid(c, texts: dict[str, str]) -> bool:
    text = texts.get(c.doc_id)
    if text is None or text[c.start : c.end] != c.quote:
        return False
    return c.evidence_start is None or text[c.evidence_start : c.evidence_end] == c.evidence


def run_set(name: str, args: argparse.Namespace, work: Path) -> dict:
    qfile, index = SETS[name]
    if args.index:  # an index of one's own (e.g. only the quiz weeks' articles), used in place
        copy = args.index
    elif not (index / "DONE").exists():
        print(f"{name}: index {index} not complete (no DONE file); skipped")
        return {}
    else:
        copy = work / name
        if not copy.exists():
            shutil.copytree(index, copy)
    settings = Settings(data_dir=copy, model_cache_dir=args.models, briefs_dir=work / f"{name}-briefs")
    b = Briefing(settings)
    questions = [json.loads(line) for line in qfile.open()]
    by_date: dict[str, list[dict]] = {}
    for q in questions:
        by_date.setdefault(q["question_date"], []).append(q)
    dates = sorted(by_date)[: args.limit] if args.limit else sorted(by_date)
    totals = {"questions": 0, "brief": 0, "ceiling": 0, "naive": 0, "brief_in_ceiling": 0}
    words, secs, cpu, bad, n_cit = [], [], [], 0, 0
    details = []
    b.embedder.embed(["warm up"])  # load the models before timing
    nlp.entities(["Warm up in Paris."])
    nlp.parse("Warm up.")
    for d in dates:
        day = date.fromisoformat(d)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            brief = b.brief(since=day - timedelta(days=6), until=day, as_of=day, save=False, engine=args.engine)
        except EmptyPeriodError:  # no article that week: nothing to brief, nothing in the ceiling
            totals["questions"] += len(by_date[d])
            print(f"  {d}: no documents", flush=True)
            continue
        secs.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        words.append(brief.words)
        docs = [i for i in b.store.infos(_period_ids(b, day)).values()]
        texts = b.store.texts(i.doc_id for i in docs)
        cited = {c.doc_id for _t, cits in brief.cited_points() for c in cits}
        all_texts = {**texts, **b.store.texts(cited - set(texts))}
        points = [(t, [c.quote for c in cits]) for t, cits in brief.cited_points()]
        for _t, cits in brief.cited_points():
            for c in cits:
                n_cit += 1
                bad += not citation_valid(c, all_texts)
        base = naive(docs, texts, args.max_words)
        for q in by_date[d]:
            groups = q["answer_contains_any"]
            ceil = any(all(any(holds(a, t) for a in g) for g in groups) for t in texts.values())
            got = answered(q, points)
            nv = answered(q, base)
            totals["questions"] += 1
            totals["ceiling"] += ceil
            totals["brief"] += got
            totals["brief_in_ceiling"] += got and ceil
            totals["naive"] += nv
            details.append({"id": q["id"], "date": d, "question": q["question"], "answers": groups,
                            "ceiling": ceil, "brief": got, "naive": nv})
        print(f"  {d}: {len(docs)} docs, {brief.words} words, {secs[-1]:.1f}s, "
              f"{sum(x['brief'] for x in details if x['date'] == d)}/{len(by_date[d])}", flush=True)
    out = {
        "set": name,
        "quiz_dates": len(dates),
        "briefs": len(words),
        **totals,
        "citations": n_cit,
        "citations_invalid": bad,
        "words_max": max(words, default=0),
        "words_mean": round(statistics.mean(words), 1) if words else 0,
        "seconds_mean": round(statistics.mean(secs), 2) if secs else 0,
        "seconds_max": round(max(secs, default=0), 2),
        "cpu_seconds_mean": round(statistics.mean(cpu), 2) if cpu else 0,
        "cpu_seconds_max": round(max(cpu, default=0), 2),
        "load_average": round(os.getloadavg()[0], 1),
    }
    if args.details:
        with open(f"{args.details}.{name}.jsonl", "w") as f:
            f.writelines(json.dumps(row) + "\n" for row in details)
    return out


def _period_ids(b: Briefing, day: date) -> list[str]:
    lo, hi = (day - timedelta(days=6)).toordinal(), day.toordinal()
    return [d.doc_id for d in b.documents() if d.published and lo <= d.published.toordinal() <= hi]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--set", action="append", choices=sorted(SETS), help="question set (repeatable)")
    p.add_argument("--limit", type=int, help="only the first N quiz dates")
    p.add_argument("--max-words", type=int, default=800)
    p.add_argument("--engine", default="extractive")
    p.add_argument("--models", type=Path, default=Path("/work/data/models"))
    p.add_argument("--work", type=Path, help="folder for the index copies (default: a temporary one)")
    p.add_argument("--details", help="write per-question rows to DETAILS.<set>.jsonl")
    p.add_argument("--index", type=Path, help="use this data_dir (one's own, used in place) for the one --set")
    args = p.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-briefs-"))
    work.mkdir(parents=True, exist_ok=True)
    for name in args.set or ["news"]:
        res = run_set(name, args, work)
        if res:
            print(json.dumps(res))


if __name__ == "__main__":
    main()
