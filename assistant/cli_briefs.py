"""``briefing brief`` and ``briefing briefs``: draft or reopen a cited brief, list the stored ones."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from assistant.cli_common import load_briefing, print_listing


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """brief, briefs: draft or reopen a cited brief, list the stored ones."""
    s = sub.add_parser("brief", help="draft a cited brief of a period (default: the day before --as-of)")
    s.add_argument("--date", metavar="DATE", help="the one day to brief (YYYY-MM-DD)")
    s.add_argument("--since", metavar="DATE", help="first day of the period")
    s.add_argument("--until", metavar="DATE", help="last day of the period (default: --as-of)")
    s.add_argument("--source", action="append", help="only this source (repeatable)")
    s.add_argument("--topic", help="only documents about this topic")
    s.add_argument("--max-words", type=int, help="length limit in words, 50 to 5000, the source list aside (default: BRIEFING_BRIEF_MAX_WORDS, 800)")
    s.add_argument("--engine", choices=["auto", "extractive", "openai", "local"], help="drafting engine")
    s.add_argument("--as-of", metavar="DATE", help="the date the brief is written on (default: today)")
    s.add_argument("--format", choices=["md", "html", "json"], default="md", help="output format (default md)")
    s.add_argument("--out", metavar="FILE", help="write the brief to FILE instead of printing it")
    s.add_argument("--show", metavar="ID", help="reopen a stored brief instead of drafting one")

    s = sub.add_parser("briefs", help="list stored briefs")
    s.add_argument("--json", action="store_true")


_DRAFTING = ("date", "since", "until", "source", "topic", "max_words", "engine", "as_of")  # what --show cannot take


def _cmd_brief(args: argparse.Namespace) -> int:
    from pathlib import Path

    from assistant.briefs.render import render
    from assistant.errors import EmptyPeriodError, InputError

    out = Path(args.out) if args.out else None
    if out is not None and (out.is_dir() or not out.parent.is_dir()):  # before drafting, not after
        what = "is a folder" if out.is_dir() else f"has no folder {out.parent}"
        raise InputError(f"--out {args.out} {what}; give a file in an existing folder")
    drafting = [f"--{k.replace('_', '-')}" for k in _DRAFTING if getattr(args, k) is not None]
    if args.show and drafting:
        raise InputError(f"--show reopens a stored brief as it was drafted; drop {', '.join(drafting)}")
    b = load_briefing()
    if args.show:
        brief = b.get_brief(args.show)
    else:
        try:
            brief = b.brief(
                date=args.date,
                since=args.since,
                until=args.until,
                sources=args.source,
                topic=args.topic,
                max_words=args.max_words,
                engine=args.engine,
                as_of=args.as_of,
            )
        except EmptyPeriodError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    text = render(brief, args.format)
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write --out {args.out}: {exc.strerror}; brief {brief.id} is stored") from exc
        print(f"brief {brief.id}: {brief.words} words, {len(brief.sources)} sources -> {args.out}")
    else:
        print(text)
    return 0


def _cmd_briefs(args: argparse.Namespace) -> int:
    from assistant.briefs.render import period_label, scope_label

    def line(i: Any) -> str:
        return (
            f"{i.id:<20} {period_label(i.since, i.until):<24} {i.engine:<10} {i.words:>4} words "
            f"{i.n_sections:>3} sections {i.n_documents:>3} sources  scope: {scope_label(i.scope) or 'all'}"
        )

    return print_listing(load_briefing().briefs(), args.json, "no briefs yet: briefing brief", line)


COMMANDS = {"brief": _cmd_brief, "briefs": _cmd_briefs}
