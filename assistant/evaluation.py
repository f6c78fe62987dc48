"""``briefing eval``: answer quality, abstention, citation validity, retrieval and latency on a question set.

A case is a JSON line: ``question``, ``answer_contains_any`` (groups of alternatives; a right
answer holds one alternative of every group), ``answerable``, optional ``gold_doc_ids``,
``question_date`` (the as-of date for relative time) and ``split``.

Matching is strict (``mentions``): an alternative counts as whole words, case-insensitive ("100"
does not match "1000" or "100.5", "Fox" does not match "Foxconn"), and an answer longer than
``MAX_ANSWER_CHARS`` does not count as right however much it holds (a long quote that happens to
contain the words is not an answer). Every scorer (this module, ``bench/rgb.py``, the tests) uses it.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import BriefingError


def load_cases(path: str | Path, split: str | None = None) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.is_file():
        raise BriefingError(f"no such question file: {p}")
    cases = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BriefingError(f"{p} line {n}: malformed JSON ({exc.msg})") from exc
        if "question" not in case:
            raise BriefingError(f"{p} line {n}: no 'question' field")
        if split is None or case.get("split") == split:
            cases.append(case)
    if not cases:
        raise BriefingError(f"no questions in {p}" + (f" with split {split!r}" if split else ""))
    return cases


MAX_ANSWER_CHARS = 300
"""An answer longer than this (markers included) is not counted as right."""

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


@lru_cache(maxsize=4096)
def _phrase_re(phrase: str) -> re.Pattern[str]:
    """``phrase`` as whole words: no letter or digit may touch its letter/digit ends, and a number
    is not the start or end of a longer one ("100" in "1,000" or "100.5")."""
    body = r"\s+".join(re.escape(w) for w in phrase.translate(_QUOTES).split())
    head = r"(?<![^\W_])(?<!\d[.,])" if phrase[:1].isalnum() else ""
    tail = r"(?![^\W_])(?![.,]\d)" if phrase[-1:].isalnum() else ""
    return re.compile(head + body + tail, re.IGNORECASE)


def mentions(text: str, phrase: str) -> bool:
    """Whether ``text`` states ``phrase`` as whole words (case-insensitive, spacing and curly quotes
    normalised): "$425 million" is in "a $425 million deal", "100" is not in "1000"."""
    return bool(phrase.strip()) and bool(_phrase_re(phrase.strip()).search(text.translate(_QUOTES)))


def contains_facts(text: str, groups: list[list[str]]) -> bool:
    """True when ``text`` mentions at least one alternative of every group (``mentions``)."""
    return all(any(mentions(text, alt) for alt in group) for group in groups)


def answer_correct(answer: str, groups: list[list[str]]) -> bool:
    """A right answer: it holds every fact and is no longer than ``MAX_ANSWER_CHARS``."""
    return len(answer) <= MAX_ANSWER_CHARS and contains_facts(answer, groups)


def _rank(doc_ids: list[str], gold: set[str]) -> int | None:
    seen: list[str] = []
    for d in doc_ids:
        if d not in seen:
            seen.append(d)
    for i, d in enumerate(seen, 1):
        if d in gold:
            return i
    return None


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def run_eval(
    briefing: Any,
    path: str | Path,
    *,
    split: str | None = None,
    engine: str | None = None,
    k: int | None = None,
    details: str | Path | None = None,
) -> dict[str, Any]:
    """Ask every case and measure; returns a dict of figures (see ``format_report``)."""
    cases = load_cases(path, split)
    k = k or briefing.settings.k
    rows: list[dict[str, Any]] = []
    for case in cases:
        groups = case.get("answer_contains_any") or []
        answerable = bool(case.get("answerable", True))
        t0 = time.perf_counter()
        a = briefing.ask(case["question"], engine=engine, k=k, as_of=case.get("question_date"))
        latency = (time.perf_counter() - t0) * 1000
        holds = not a.abstained and contains_facts(a.answer, groups)
        correct = (holds and len(a.answer) <= MAX_ANSWER_CHARS) if answerable else a.abstained
        quotes = " ".join(c.quote for c in a.citations)
        row: dict[str, Any] = {
            "id": case.get("id"),
            "question": case["question"],
            "answerable": answerable,
            "abstained": a.abstained,
            "correct": correct,
            "too_long": answerable and holds and not correct,
            "conflicts": len(a.conflicts),
            "answer": a.answer,
            "answer_chars": len(a.answer),
            "latency_ms": latency,
            "citations_valid": bool(a.citations) and contains_facts(quotes, groups)
            if answerable and not a.abstained
            else None,
            "in_top5": contains_facts(" ".join(h.text for h in a.passages[:5]), groups)
            if answerable and groups
            else None,
        }
        gold = set(case.get("gold_doc_ids") or [])
        if gold:
            t1 = time.perf_counter()
            hits = briefing.retrieve(case["question"], k=10, as_of=case.get("question_date"))
            row["retrieval_ms"] = (time.perf_counter() - t1) * 1000
            row["gold_rank"] = _rank([h.doc_id for h in hits], gold)
        rows.append(row)
    if details:
        Path(details).write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
        )
    return summarise(
        rows, k=k, engine=engine or briefing.settings.resolved_engine(), path=str(path), split=split
    )


def summarise(rows: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    answered = [r for r in answerable if not r["abstained"]]
    valid = [r["citations_valid"] for r in answered if r["citations_valid"] is not None and r["correct"]]
    ranked = [r for r in rows if "gold_rank" in r]
    ceiling = [r["in_top5"] for r in answerable if r["in_top5"] is not None]
    out: dict[str, Any] = {
        **meta,
        "questions": len(rows),
        "answer_accuracy": sum(r["correct"] for r in answerable) / len(answerable) if answerable else None,
        "answers_cut_too_long": sum(bool(r.get("too_long")) for r in answerable),
        "answers_flagging_conflicts": sum(bool(r.get("conflicts")) for r in rows),
        "abstention_accuracy": sum(r["abstained"] == (not r["answerable"]) for r in rows) / len(rows),
        "unanswerable_abstained": (
            sum(r["abstained"] for r in rows if not r["answerable"])
            / max(1, sum(not r["answerable"] for r in rows))
            if any(not r["answerable"] for r in rows)
            else None
        ),
        "citation_validity": sum(valid) / len(valid) if valid else None,
        "median_answer_chars": statistics.median(r["answer_chars"] for r in answered) if answered else None,
        "retrieval_ceiling_top5": sum(ceiling) / len(ceiling) if ceiling else None,
        "latency_ms_p50": _pct([r["latency_ms"] for r in rows], 0.5),
        "latency_ms_p95": _pct([r["latency_ms"] for r in rows], 0.95),
    }
    if ranked:
        ranks = [r["gold_rank"] for r in ranked]
        out.update(
            {
                "hit@1": sum(1 for x in ranks if x and x <= 1) / len(ranks),
                "hit@5": sum(1 for x in ranks if x and x <= 5) / len(ranks),
                "recall@10": sum(1 for x in ranks if x) / len(ranks),
                "mrr@10": sum(1 / x for x in ranks if x) / len(ranks),
                "retrieval_ms_p50": _pct([r["retrieval_ms"] for r in ranked], 0.5),
            }
        )
    return out


def format_report(report: dict[str, Any]) -> str:
    """The figures as a short Markdown table."""
    lines = ["| metric | value |", "|---|---|"]
    for key, value in report.items():
        if isinstance(value, float):
            value = f"{value:.1f}" if key.endswith(("_ms_p50", "_ms_p95", "chars")) else f"{value:.3f}"
        lines.append(f"| {key} | {value} |")
    return "\n".join(lines)
