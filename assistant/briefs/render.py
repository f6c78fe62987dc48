"""A brief as Markdown, HTML (every source text escaped) or JSON, and its word count."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

from assistant.types import Brief, Citation

_KINDS = (("person", "People"), ("organisation", "Organisations"), ("place", "Places"))
_WORD = re.compile(r"[^\W_]")


def count_words(brief: Brief) -> int:
    """Words of the brief as rendered in Markdown, the source list and citation markers aside."""
    text = to_markdown(brief, sources=False)
    text = re.sub(r"\[\d+\]", " ", text)
    return sum(1 for tok in text.split() if _WORD.search(tok))


def to_json(brief: Brief) -> str:
    return json.dumps(brief.model_dump(mode="json"), indent=2, ensure_ascii=False)


def to_markdown(brief: Brief, *, sources: bool = True) -> str:
    return "\n".join(_lines(brief, _md_marks, lambda s: s, sources=sources, html_mode=False))


def to_html(brief: Brief) -> str:
    """A self-contained HTML fragment; markers link to the source list and show the passage."""
    body = _lines(brief, _html_marks, html.escape, sources=True, html_mode=True)
    return '<article class="brief">\n' + "\n".join(body) + "\n</article>"


def render(brief: Brief, fmt: str) -> str:
    """``md``, ``html`` or ``json``."""
    if fmt == "html":
        return to_html(brief)
    if fmt == "json":
        return to_json(brief)
    return to_markdown(brief)


def _md_marks(cits: list[Citation]) -> str:
    return "".join(f"[{c.n}]" for c in cits)


def _html_marks(cits: list[Citation]) -> str:
    return "".join(
        f'<a class="cite" href="#src-{c.n}" title="{html.escape(c.quote, quote=True)}">[{c.n}]</a>' for c in cits
    )


def _status(status: str | None) -> str:
    return f" *({status})*" if status in ("new", "updated") else ""


def _lines(
    b: Brief,
    marks: Callable[[list[Citation]], str],
    esc: Callable[[str], str],
    *,
    sources: bool,
    html_mode: bool,
) -> list[str]:
    out: list[str] = []

    def head(level: int, text: str) -> None:
        out.append(f"<h{level}>{esc(text)}</h{level}>" if html_mode else f"{'#' * level} {text}")

    def items(rows: list[str]) -> None:
        if html_mode:
            out.append("<ul>" + "".join(f"<li>{r}</li>" for r in rows) + "</ul>")
        else:
            out.extend(f"- {r}" for r in rows)
        out.append("")

    period = f"{b.since}" if b.since == b.until else f"{b.since} to {b.until}"
    head(1, f"Brief: {period}")
    scope = []
    if b.scope.topic:
        scope.append(f"topic: {b.scope.topic}")
    if b.scope.sources:
        scope.append("sources: " + ", ".join(b.scope.sources))
    meta = f"{b.engine} engine, as of {b.as_of}" + (f"; {'; '.join(scope)}" if scope else "")
    out.append(f"<p><em>{esc(meta)}</em></p>" if html_mode else f"_{meta}_")
    out.append("")
    if b.bottom_line:
        head(2, "Bottom line")
        items([f"{esc(p.text)} {marks(p.citations)}{_status(p.status)}" for p in b.bottom_line])
    for s in b.sections:
        many = f" ({s.n_sources} sources)" if s.n_sources > 1 else ""
        head(3, f"{s.title}{many}" + _status(s.status))
        items([f"{esc(p.text)} {marks(p.citations)}{_status(p.status)}" for p in s.points])
    if b.key_figures:
        head(2, "Key figures")
        rows = [(esc(f.value), esc(f.counts) + _status(f.status), marks([f.citation])) for f in b.key_figures]
        if html_mode:
            out.append(
                "<table><tr><th>Figure</th><th>What it counts</th><th>Source</th></tr>"
                + "".join(f"<tr><td>{a}</td><td>{c}</td><td>{m}</td></tr>" for a, c, m in rows)
                + "</table>"
            )
        else:
            out += ["| Figure | What it counts | Source |", "|---|---|---|"]
            out += [f"| {a} | {c} | {m} |" for a, c, m in rows]
        out.append("")
    if b.actors:
        head(2, "Actors (documents naming them)")
        rows = []
        for kind, label in _KINDS:
            named = [a for a in b.actors if a.kind == kind]
            if named:
                rows.append(
                    f"{label}: " + ", ".join(f"{esc(a.name)} ({a.n_documents}){marks([a.citation])}" for a in named)
                )
        items(rows)
    if b.watch:
        head(2, "What to watch")
        items([f"{esc(w.when)}: {esc(w.text)} {marks(w.citations)}" for w in b.watch])
    if b.diff:
        d = b.diff
        head(2, f"Since the last brief ({d.previous_since} to {d.previous_until})")
        rows = [f"{d.new_points} new point{'s' * (d.new_points != 1)}"]
        rows += [
            f"Updated: {esc(c.counts)}: {esc(c.old.value)} {marks([c.old.citation])} -> "
            f"{esc(c.new.value)} {marks([c.new.citation])}"
            for c in d.updated
        ]
        rows += [f"Dropped out: {esc(p.text)} {marks(p.citations)}" for p in d.dropped]
        items(rows)
    if b.notes:
        head(2, "Notes")
        items([esc(n) for n in b.notes])
    if sources and b.sources:
        head(2, "Sources")
        rows = []
        for s in b.sources:
            when = f"{s.published}{' (date inferred)' if s.published_inferred else ''}" if s.published else "undated"
            title = esc(s.title or s.doc_id)
            if html_mode:
                link = f'<a href="{esc(s.url)}">{title}</a>' if s.url else title
                rows.append(f'<li id="src-{s.n}">[{s.n}] {link}, {esc(s.source)}, {when}</li>')
            else:
                rows.append(f"{s.n}. {title}, {s.source}, {when} ({s.doc_id})")
        if html_mode:
            out.append("<ol>" + "".join(rows) + "</ol>")
        else:
            out.extend(rows)
    return out
