"""A brief as Markdown, HTML (every source text escaped) or JSON, and its word count."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from datetime import date

from assistant.types import Brief, BriefScope, Citation, WatchItem

_KINDS = (("person", "People"), ("organisation", "Organisations"), ("place", "Places"))
_WORD = re.compile(r"[^\W_]")


def period_label(since: date, until: date) -> str:
    """``2024-11-02`` for a day, ``2024-11-02 to 2024-11-08`` for a longer period."""
    return f"{since}" if since == until else f"{since} to {until}"


def scope_label(scope: BriefScope) -> str:
    """``topic: drones; sources: AP, Reuters``, or "" for a brief of everything."""
    parts = [f"topic: {scope.topic}"] if scope.topic else []
    if scope.sources:
        parts.append("sources: " + ", ".join(scope.sources))
    return "; ".join(parts)


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
        f'<a class="cite" href="#src-{c.n}" title="{html.escape(c.quote, quote=True)}">[{c.n}]</a>'
        for c in cits
    )


def _status(status: str | None) -> str:
    return f" *({status})*" if status in ("new", "updated") else ""


class _Writer:
    """The lines of a brief as they are written, in Markdown or in HTML."""

    def __init__(
        self, marks: Callable[[list[Citation]], str], esc: Callable[[str], str], html_mode: bool
    ) -> None:
        self.out: list[str] = []
        self.marks = marks
        self.esc = esc
        self.html_mode = html_mode

    def head(self, level: int, text: str) -> None:
        """A heading of ``level`` (escaped in HTML)."""
        self.out.append(
            f"<h{level}>{self.esc(text)}</h{level}>" if self.html_mode else f"{'#' * level} {text}"
        )

    def items(self, rows: list[str]) -> None:
        """A bulleted list of ``rows`` (already escaped), then a blank line."""
        if self.html_mode:
            self.out.append("<ul>" + "".join(f"<li>{r}</li>" for r in rows) + "</ul>")
        else:
            self.out.extend(f"- {r}" for r in rows)
        self.out.append("")


def _lines(
    b: Brief,
    marks: Callable[[list[Citation]], str],
    esc: Callable[[str], str],
    *,
    sources: bool,
    html_mode: bool,
) -> list[str]:
    """The brief's lines, part by part; ``marks`` renders citation markers, ``esc`` escapes source text."""
    w = _Writer(marks, esc, html_mode)
    _title(w, b)
    _points(w, b)
    _key_figures(w, b)
    _actors(w, b)
    _watch(w, b)
    _diff(w, b)
    _notes(w, b)
    if sources:
        _sources(w, b)
    return w.out


def _title(w: _Writer, b: Brief) -> None:
    """The heading with the period, and the engine, as-of date and scope under it."""
    w.head(1, f"Brief: {period_label(b.since, b.until)}")
    scope = scope_label(b.scope)
    meta = f"{b.engine} engine, as of {b.as_of}" + (f"; {scope}" if scope else "")
    w.out.append(f"<p><em>{w.esc(meta)}</em></p>" if w.html_mode else f"_{meta}_")
    w.out.append("")


def _points(w: _Writer, b: Brief) -> None:
    """The bottom line, then each section's points."""
    esc, marks = w.esc, w.marks
    if b.bottom_line:
        w.head(2, "Bottom line")
        w.items([f"{esc(p.text)} {marks(p.citations)}{_status(p.status)}" for p in b.bottom_line])
    for s in b.sections:
        many = f" ({s.n_sources} sources)" if s.n_sources > 1 else ""
        w.head(3, f"{s.title}{many}" + _status(s.status))
        w.items([f"{esc(p.text)} {marks(p.citations)}{_status(p.status)}" for p in s.points])


def _key_figures(w: _Writer, b: Brief) -> None:
    """The key figures as a table."""
    if not b.key_figures:
        return
    esc, marks = w.esc, w.marks
    w.head(2, "Key figures")
    rows = [(esc(f.value), esc(f.counts) + _status(f.status), marks([f.citation])) for f in b.key_figures]
    if w.html_mode:
        w.out.append(
            "<table><tr><th>Figure</th><th>What it counts</th><th>Source</th></tr>"
            + "".join(f"<tr><td>{a}</td><td>{c}</td><td>{m}</td></tr>" for a, c, m in rows)
            + "</table>"
        )
    else:
        w.out += ["| Figure | What it counts | Source |", "|---|---|---|"]
        w.out += [f"| {a} | {c} | {m} |" for a, c, m in rows]
    w.out.append("")


def _actors(w: _Writer, b: Brief) -> None:
    """The actors, a row per kind (people, organisations, places)."""
    if not b.actors:
        return
    esc, marks = w.esc, w.marks
    w.head(2, "Actors (documents naming them)")
    rows = []
    for kind, label in _KINDS:
        named = [a for a in b.actors if a.kind == kind]
        if named:
            rows.append(
                f"{label}: "
                + ", ".join(f"{esc(a.name)} ({a.n_documents}){marks([a.citation])}" for a in named)
            )
    w.items(rows)


def _watch(w: _Writer, b: Brief) -> None:
    """What to watch, each item with its time."""
    if b.watch:
        w.head(2, "What to watch")
        w.items([f"{w.esc(_when(x))}: {w.esc(x.text)} {w.marks(x.citations)}" for x in b.watch])


def _when(x: WatchItem) -> str:
    """A watch item's date as the source states it, and the day it falls on where that is known."""
    return f"{x.when} ({x.on.isoformat()})" if x.on and x.on.isoformat() not in x.when else x.when


def _diff(w: _Writer, b: Brief) -> None:
    """What changed since the previous brief: new points, updated figures, dropped points."""
    if not b.diff:
        return
    esc, marks = w.esc, w.marks
    d = b.diff
    w.head(2, f"Since the last brief ({d.previous_since} to {d.previous_until})")
    rows = [f"{d.new_points or 'No'} new point{'s' * (d.new_points != 1)}"]
    rows += [
        f"Updated: {esc(c.counts)}: {esc(c.old.value)} {marks([c.old.citation])} -> "
        f"{esc(c.new.value)} {marks([c.new.citation])}"
        for c in d.updated
    ]
    rows += [f"Dropped out: {esc(p.text)} {marks(p.citations)}" for p in d.dropped]
    w.items(rows)


def _notes(w: _Writer, b: Brief) -> None:
    """The drafting notes."""
    if b.notes:
        w.head(2, "Notes")
        w.items([w.esc(n) for n in b.notes])


def _sources(w: _Writer, b: Brief) -> None:
    """The numbered source list (in HTML, with anchors the markers link to)."""
    if not b.sources:
        return
    esc = w.esc
    w.head(2, "Sources")
    rows = []
    for s in b.sources:
        when = (
            f"{s.published}{' (date inferred)' if s.published_inferred else ''}" if s.published else "undated"
        )
        title = esc(s.title or s.doc_id)
        if w.html_mode:
            link = f'<a href="{esc(s.url)}">{title}</a>' if s.url else title
            rows.append(f'<li id="src-{s.n}">[{s.n}] {link}, {esc(s.source)}, {when}</li>')
        else:
            rows.append(f"{s.n}. {title}, {s.source}, {when} ({s.doc_id})")
    if w.html_mode:
        w.out.append("<ol>" + "".join(rows) + "</ol>")
    else:
        w.out.extend(rows)
