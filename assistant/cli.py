"""``briefing``: the command line, a thin mirror of ``assistant.Briefing``. The index and question
commands are here; the brief commands are in ``cli_briefs``, status and the servers in ``cli_service``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

from assistant import cli_briefs, cli_service
from assistant.cli_common import load_briefing, print_listing, print_report

EPILOG = """Configuration: BRIEFING_* environment variables or briefing.toml (see README).
Examples:
  briefing ingest assistant/sample            # the sample corpus
  briefing search "drones intercepted over Kyiv" --json
  briefing ask "How many drones were intercepted?" --json
  briefing ui                                 # the chat workspace on http://127.0.0.1:7860
  briefing model-server --model qwen-0.5b     # the local model for the openai engine
  briefing serve --port 7860                  # REST API + UI; a client: assistant.client.Client
  briefing brief --date 2024-11-02 --format md   # a cited brief of that day
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="briefing",
        description="Grounded, cited answers over your documents, offline by default.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    _index_commands(sub)
    _question_commands(sub)
    cli_briefs.add_commands(sub)
    cli_service.add_commands(sub)
    return p


def _index_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """ingest, remove, docs, search: fill the index and look into it."""
    s = sub.add_parser("ingest", help="add files, folders and URLs to the index")
    s.add_argument("paths", nargs="+", metavar="PATH", help="file, folder (recursive) or http(s) URL")
    s.add_argument("--source", help="source name for these documents (default: from the record/URL/folder)")
    s.add_argument("--published", metavar="DATE", help="publication date YYYY-MM-DD for these documents")
    s.add_argument("--json", action="store_true", help="print the report as JSON")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")

    s = sub.add_parser("remove", help="delete a document and its chunks")
    s.add_argument("doc_ids", nargs="+", metavar="DOC_ID")

    s = sub.add_parser("docs", help="list stored documents")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("search", help="hybrid search over the index")
    s.add_argument("query")
    _filter_args(s)
    s.add_argument("--json", action="store_true")


def _question_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """ask, chat, eval: answer questions, one, a conversation or a whole question set."""
    s = sub.add_parser("ask", help="ask a question; the answer cites its sources")
    s.add_argument("question")
    _filter_args(s)
    _answer_args(s)
    s.add_argument("--json", action="store_true", help="print the Answer as JSON")

    s = sub.add_parser("chat", help="a terminal chat with history and streaming")
    _filter_args(s)
    _answer_args(s)

    s = sub.add_parser("eval", help="run a question set (.jsonl) and print quality and latency figures")
    s.add_argument("file", metavar="FILE.jsonl")
    s.add_argument("--split", help="only cases with this split (e.g. dev, test)")
    s.add_argument("--engine", help="engine to evaluate (default: configured)")
    s.add_argument("--k", type=int, help="passages handed to the engine")
    s.add_argument("--json", action="store_true", help="print the figures as JSON")
    s.add_argument("--details", metavar="FILE", help="write per-question results to FILE (JSONL)")


def _filter_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--k", type=int, help="number of passages (default: BRIEFING_K)")
    s.add_argument("--source", action="append", help="only this source (repeatable)")
    s.add_argument("--since", metavar="DATE", help="published on or after YYYY-MM-DD")
    s.add_argument("--until", metavar="DATE", help="published on or before YYYY-MM-DD")


def _answer_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("--engine", choices=["auto", "extractive", "openai", "local"], help="answering engine")
    s.add_argument(
        "--as-of", metavar="DATE", help="date that 'today', 'this week'... refer to (default: today)"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from assistant.errors import BriefingError

    try:
        return _COMMANDS[args.cmd](args)
    except BriefingError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: documents committed so far are kept; run the same command again to finish",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1


def _cmd_ingest(args: argparse.Namespace) -> int:
    b = load_briefing()
    bars: dict[str, Any] = {}

    def progress(kind: str, n: int) -> None:
        if args.no_progress or args.json:
            return
        from tqdm import tqdm

        if kind == "files_total":
            bars["files"] = tqdm(total=n, unit="file", desc="files ", leave=True)
        elif kind == "chunks_total":
            bars["files"].close()
            bars["chunks"] = tqdm(total=n, unit="chunk", desc="chunks", leave=True)
        else:
            bars["files" if kind == "file" else "chunks"].update(n)

    report = b.ingest(args.paths, source=args.source, published=args.published, progress=progress)
    for bar in bars.values():
        bar.close()
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print_report(report)
    return 0 if report.ok else 1


def _cmd_remove(args: argparse.Namespace) -> int:
    b = load_briefing()
    for doc_id in args.doc_ids:
        b.remove(doc_id)
        print(f"removed {doc_id}")
    return 0


def _cmd_docs(args: argparse.Namespace) -> int:
    def line(d: Any) -> str:
        date = f"{d.published}{'~' if d.published_inferred else ''}" if d.published else "undated"
        return f"{d.doc_id:<24} {date:<12} {d.n_chunks:>4} chunks  {d.source[:20]:<20} {d.title[:70]}"

    def total(docs: list[Any]) -> str:
        return f"{len(docs)} documents, {sum(d.n_chunks for d in docs)} chunks  (~ = date inferred)"

    return print_listing(load_briefing().documents(), args.json, "no documents yet: briefing ingest PATH", line, total)


def _cmd_search(args: argparse.Namespace) -> int:
    hits = load_briefing().search(args.query, args.k, sources=args.source, since=args.since, until=args.until)
    if args.json:
        print(json.dumps([h.model_dump(mode="json") for h in hits], indent=2, ensure_ascii=False))
        return 0
    for i, h in enumerate(hits, 1):
        print(
            f"{i}. {h.title or h.doc_id} ({h.source}, {h.published or 'undated'}) [{h.doc_id} {h.start}:{h.end}] score {h.score:.4f}"
        )
        print("   " + h.text[:300].replace("\n", " ") + ("..." if len(h.text) > 300 else ""))
    if not hits:
        print("no results")
    return 0


def _ask_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "engine": args.engine,
        "k": args.k,
        "sources": args.source,
        "since": args.since,
        "until": args.until,
        "as_of": args.as_of,
    }


def _cmd_ask(args: argparse.Namespace) -> int:
    b = load_briefing()
    if args.json:
        print(
            json.dumps(b.ask(args.question, **_ask_kwargs(args)).public_json(), indent=2, ensure_ascii=False)
        )
        return 0
    _stream_answer(b.stream(args.question, **_ask_kwargs(args)))
    return 0


def _stream_answer(events: Any) -> Any:
    from assistant.types import Answer

    streamed = False
    for event in events:
        if isinstance(event, Answer):
            if streamed:
                print("\r\033[K", end="")
                print("\n(verified)")
            print(format_answer(event))
            return event
        if sys.stdout.isatty():
            print(event.text, end="", flush=True)
            streamed = True
    return None


_WHY = {"draft": "its best-supported passage", "fresher": "a more recent source", "more": "more sources"}


def format_answer(a: Any) -> str:
    """An answer with its numbered sources, as plain text for a terminal."""
    lines = [a.answer, ""]
    if a.abstained:
        lines.append("Closest passages:")
        for h in a.passages[:3]:
            lines.append(
                f"  - {h.title or h.doc_id} ({h.source}, {h.published or 'undated'}): {h.text[:200]}..."
            )
    for c in a.citations:
        date = (
            f"{c.published}{' (date inferred)' if c.published_inferred else ''}" if c.published else "undated"
        )
        lines.append(
            f"[{c.n}] {c.title or c.doc_id}, {c.source}, {date}  ({c.doc_id} chars {c.start}-{c.end})"
        )
        lines.append(f'    "{c.evidence or c.quote}"')
        if "instructions" in c.flags:
            lines.append("    Warning: this source holds text addressed to an AI assistant (not quoted).")
    lines.extend(f"Note: {n}" for n in a.notes)
    lines.extend(
        f"Conflict: [{c.n}] gives {c.value!r}; the answer prefers {c.preferred!r} ({_WHY[c.reason]})."
        for c in a.conflicts
    )
    period = f", period {a.since or '...'} to {a.until or '...'}" if (a.since or a.until) else ""
    lines.append(f"-- {a.engine} engine, as of {a.as_of}{period}, {a.latency_ms:.0f} ms")
    return "\n".join(lines)


def _cmd_chat(args: argparse.Namespace) -> int:
    b = load_briefing()
    session = b.chat(**_ask_kwargs(args))
    print("Briefing chat. Ask a question; /new starts over, /quit leaves.")
    while True:
        try:
            q = input("\n> ").strip()
        except EOFError:
            return 0
        if q in ("/quit", "/exit"):
            return 0
        if q == "/new":
            session.reset()
            print("(new conversation)")
            continue
        if q:
            _stream_answer(session.stream(q))


def _cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluation import format_report, run_eval

    b = load_briefing()
    report = run_eval(b, args.file, split=args.split, engine=args.engine, k=args.k, details=args.details)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


_COMMANDS = {
    "ingest": _cmd_ingest,
    "remove": _cmd_remove,
    "docs": _cmd_docs,
    "search": _cmd_search,
    "ask": _cmd_ask,
    "chat": _cmd_chat,
    "eval": _cmd_eval,
    **cli_service.COMMANDS,
    **cli_briefs.COMMANDS,
}

if __name__ == "__main__":
    sys.exit(main())
