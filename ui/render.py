"""Typed results -> escaped HTML (and Markdown) for the workspace.

Everything that comes from documents, titles, sources or questions goes through ``esc``, so HTML or
script inside them shows as text. The only markup here is our own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel

from assistant.types import (
    Answer,
    Brief,
    BriefInfo,
    Citation,
    DocumentInfo,
    DocumentText,
    Hit,
    IngestReport,
    SentenceVerdict,
    Status,
)

_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;"})
SNIPPET_CHARS = 280


class Exchange(BaseModel):
    """One question of the conversation and what has come back so far (search, draft, answer)."""

    question: str
    passages: list[Hit] | None = None
    draft: str = ""
    answer: Answer | None = None
    error: str | None = None


def esc(text: Any) -> str:
    """HTML-escape ``text``, quotes and template characters included (gr.HTML fills a JS template)."""
    return html.escape("" if text is None else str(text), quote=True).translate(_TEMPLATE_CHARS)


def date_label(published: date | None, inferred: bool) -> str:
    """``2024-11-02``, ``2024-11-02 (date inferred)`` or ``undated``."""
    if published is None:
        return "undated"
    return f"{published.isoformat()}{' (date inferred)' if inferred else ''}"


def _meta(source: str, published: date | None, inferred: bool) -> str:
    when = date_label(published, inferred)
    cls = "inferred" if inferred else ""
    return (
        f'<span class="src">{esc(source or "unknown source")}</span> · <span class="{cls}">{esc(when)}</span>'
    )


def _link(url: str | None) -> str:
    if not url or not url.lower().startswith(("http://", "https://")):
        return ""
    return f' · <a href="{esc(url)}" target="_blank" rel="noopener noreferrer">open source</a>'


# ----------------------------------------------------------------------------- the conversation


def conversation_html(exchanges: list[Exchange]) -> str:
    """The whole conversation; ``[n]`` markers and passages carry data for the click handler."""
    if not exchanges:
        return (
            '<div class="bf-conv bf-empty">Ask a question about the documents in the library. '
            "Every answer cites its sources: click a [n] marker to read the passage in its document.</div>"
        )
    return '<div class="bf-conv">' + "".join(_exchange_html(i, x) for i, x in enumerate(exchanges)) + "</div>"


def _exchange_html(turn: int, x: Exchange) -> str:
    out = [f'<div class="bf-q"><span class="who">You</span>{esc(x.question)}</div>']
    if x.error:
        out.append(
            f'<div class="bf-a bf-error" role="alert"><strong>Could not answer:</strong> {esc(x.error)}</div>'
        )
    elif x.answer is not None:
        out.append(_answer_html(turn, x.answer))
    else:
        out.append(_progress_html(turn, x))
    return f'<div class="bf-turn" data-turn="{turn}">{"".join(out)}</div>'


def _progress_html(turn: int, x: Exchange) -> str:
    if x.passages is None:
        return '<div class="bf-a bf-pending"><span class="step">Searching the library…</span></div>'
    found = (
        f"Found {len(x.passages)} passage{'s' if len(x.passages) != 1 else ''}"
        if x.passages
        else "No passages found"
    )
    step = "writing the answer…" if x.passages else "checking…"
    parts = [f'<div class="bf-a bf-pending"><span class="step">{found}; {step}</span>']
    parts.append(_passage_list(turn, x.passages, snippet=False))
    if x.draft:
        parts.append(f'<div class="draft">{esc(x.draft)}</div>')
    return "".join(parts) + "</div>"


def _answer_html(turn: int, a: Answer) -> str:
    cited = {c.n for c in a.citations}
    body = _MARKERS.sub(lambda m: _marker_buttons(turn, m.group(1), cited), esc(a.answer))
    cls = "bf-a bf-abstained" if a.abstained else "bf-a"
    out = [f'<div class="{cls}">']
    if a.abstained:
        out.append('<div class="badge abstain">No answer in the sources</div>')
    out.append(f'<div class="text">{body}</div>')
    if a.citations:
        out.append('<ol class="sources">')
        for c in a.citations:
            out.append(
                f'<li><button class="cite" data-cite="1" data-kind="citation" data-turn="{turn}" data-n="{c.n}">'
                f"[{c.n}]</button> {esc(c.title or c.doc_id)} — {_meta(c.source, c.published, c.published_inferred)}</li>"
            )
        out.append("</ol>")
    if a.abstained and a.passages:
        out.append('<div class="closest">Closest passages:</div>')
        out.append(_passage_list(turn, a.passages[:3], snippet=True))
    out.extend(f'<div class="note">Note: {esc(n)}</div>' for n in a.notes)
    period = f", period {a.since or '…'} to {a.until or '…'}" if (a.since or a.until) else ""
    out.append(
        f'<div class="foot">{esc(a.engine)} engine · as of {esc(a.as_of)}{esc(period)} · {a.latency_ms:.0f} ms</div>'
    )
    return "".join(out) + "</div>"


def _marker_buttons(turn: int, numbers: str, cited: set[int]) -> str:
    out = []
    for raw in numbers.split(","):
        n = int(raw)
        if n in cited:
            out.append(
                f'<button class="cite" data-cite="1" data-kind="citation" data-turn="{turn}" data-n="{n}" '
                f'title="Open source [{n}]">[{n}]</button>'
            )
        else:
            out.append(f"[{n}]")
    return "".join(out)


def _passage_list(turn: int, hits: list[Hit], *, snippet: bool) -> str:
    items = []
    for i, h in enumerate(hits):
        text = h.text if len(h.text) <= SNIPPET_CHARS else h.text[:SNIPPET_CHARS].rstrip() + "…"
        quote = f'<div class="snippet">{esc(text)}</div>' if snippet else ""
        items.append(
            f'<li><button class="psg" data-cite="1" data-kind="passage" data-turn="{turn}" data-n="{i}">'
            f"{esc(h.title or h.doc_id)}</button> — {_meta(h.source, h.published, h.published_inferred)}{quote}</li>"
        )
    return f'<ul class="passages">{"".join(items)}</ul>'


# ----------------------------------------------------------------------------- the side panel

EMPTY_PANEL = (
    '<div class="bf-panel bf-empty">Click a citation marker such as [1] to read the cited passage '
    "inside its document.</div>"
)


def citation_html(
    label: str,
    span: Citation | Hit,
    doc: DocumentText | None,
    verdicts: list[SentenceVerdict] | None = None,
) -> str:
    """The side panel: the document with the cited passage (and its evidence) highlighted."""
    title = span.title or (doc.info.title if doc else "") or span.doc_id
    head = (
        f'<div class="bf-panel"><div class="ptitle"><span class="pn">{esc(label)}</span> {esc(title)}</div>'
        f'<div class="pmeta">{_meta(span.source, span.published, span.published_inferred)}{_link(span.url)}'
        f' · <span class="docid">{esc(span.doc_id)}</span></div>'
    )
    out = [head]
    if verdicts:
        out.append(verdicts_html(verdicts))
    quote = span.quote if isinstance(span, Citation) else span.text
    if doc is None or doc.text[span.start : span.end] != quote:
        why = "is no longer in the library" if doc is None else "has changed since this answer"
        out.append(f'<div class="note">The document {why}; the passage as cited:</div>')
        out.append(f'<div class="doc"><mark class="passage">{esc(quote)}</mark></div>')
        return "".join(out) + "</div>"
    ev_start, ev_end = _evidence(span)
    text = doc.text
    out.append(
        '<div class="doc">'
        + esc(text[: span.start])
        + '<mark class="passage">'
        + esc(text[span.start : ev_start])
        + (f'<mark class="evidence">{esc(text[ev_start:ev_end])}</mark>' if ev_end > ev_start else "")
        + esc(text[ev_end : span.end])
        + "</mark>"
        + esc(text[span.end :])
        + "</div>"
    )
    return "".join(out) + "</div>"


def _evidence(span: Citation | Hit) -> tuple[int, int]:
    """The evidence sentence(s) inside the passage; an empty range when there are none."""
    if isinstance(span, Citation) and span.evidence_start is not None and span.evidence_end is not None:
        lo, hi = max(span.start, span.evidence_start), min(span.end, span.evidence_end)
        if lo < hi:
            return lo, hi
    return span.start, span.start


VERDICT_LABELS = {
    "supported": "supported",
    "partly": "partly",
    "removed": "not found",
    "abstention": "no answer",
}


def verdict_label(v: SentenceVerdict) -> str:
    """supported (its citations say it), partly (another passage says it: re-cited), not found (removed)."""
    if v.reason == "abstention":
        return VERDICT_LABELS["abstention"]
    if v.action == "removed" or not v.supported:
        return VERDICT_LABELS["removed"]
    return VERDICT_LABELS["partly" if v.action == "recited" else "supported"]


def verdicts_html(verdicts: list[SentenceVerdict]) -> str:
    """The citation check's verdict for each sentence of the draft answer."""
    rows = []
    for v in verdicts:
        label = verdict_label(v)
        rows.append(
            f'<li class="v-{label.replace(" ", "-")}" title="{esc(v.reason)}"><span class="vbadge">{esc(label)}</span> '
            f"{esc(v.sentence)}</li>"
        )
    return (
        f'<details class="verdicts" open><summary>Citation check</summary><ul>{"".join(rows)}</ul></details>'
    )


# ----------------------------------------------------------------------------- library and status


def report_html(rows: Iterable[tuple[str, str, int, str]]) -> str:
    """Per-input ingest results: (name, status, chunks, reason)."""
    body = "".join(
        f'<tr class="st-{esc(status)}"><td>{esc(name)}</td><td>{esc(status)}</td><td>{chunks}</td><td>{esc(reason)}</td></tr>'
        for name, status, chunks, reason in rows
    )
    if not body:
        return '<div class="bf-report bf-empty">Choose files or enter URLs, then add them.</div>'
    return (
        '<table class="bf-report"><thead><tr><th>input</th><th>result</th><th>chunks</th><th>why</th></tr>'
        f"</thead><tbody>{body}</tbody></table>"
    )


def report_rows(report: IngestReport, names: dict[str, str] | None = None) -> list[tuple[str, str, int, str]]:
    """An ``IngestReport``'s items as table rows, origins shown by the names the user gave."""
    names = names or {}
    return [(names.get(i.origin, i.origin), i.status, i.chunks, i.reason or "") for i in report.items]


def documents_rows(docs: list[DocumentInfo]) -> list[list[Any]]:
    """Rows of the documents table (shown as text by gr.Dataframe)."""
    return [
        [
            d.title or d.doc_id,
            d.source,
            f"{d.published}{' (inferred)' if d.published_inferred else ''}" if d.published else "undated",
            d.n_chunks,
        ]
        for d in docs
    ]


def hits_html(hits: list[Hit]) -> str:
    """Library search results."""
    if not hits:
        return '<div class="bf-hits bf-empty">No results.</div>'
    items = "".join(
        f'<li><div class="htitle">{esc(h.title or h.doc_id)}</div>'
        f'<div class="hmeta">{_meta(h.source, h.published, h.published_inferred)} · score {h.score:.3f} · '
        f'<span class="docid">{esc(h.doc_id)}</span></div><div class="snippet">{esc(_snip(h.text))}</div></li>'
        for h in hits
    )
    return f'<ol class="bf-hits">{items}</ol>'


def _snip(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rstrip() + "…"


def brief_html(brief: Brief) -> str:
    """A brief as the workspace shows it: its own HTML (sources escaped; a marker shows the cited
    passage on hover and links to the source list), made safe for gr.HTML's template."""
    from assistant.briefs.render import to_html

    return f'<div class="bf-brief">{to_html(brief).translate(_TEMPLATE_CHARS)}</div>'


def brief_label(info: BriefInfo) -> str:
    """``2024-11-02 to 2024-11-08 · topic: drones; sources: Reuters · 312 words, extractive (id)``
    for the stored-brief picker."""
    from assistant.briefs.render import period_label, scope_label

    scope = scope_label(info.scope)
    return f"{period_label(info.since, info.until)}{f' · {scope}' if scope else ''} · {info.words} words, {info.engine} ({info.id})"


def status_html(status: Status) -> str:
    """``Briefing.status()`` as a read-only table."""
    labels = {
        "engine": "Engine",
        "model": "Model",
        "embedding_model": "Embeddings",
        "index": "Index",
        "documents": "Documents",
        "chunks": "Chunks",
    }
    rows = "".join(
        f"<tr><th>{esc(labels.get(k, k))}</th><td>{esc('—' if v is None else v)}</td></tr>"
        for k, v in status.model_dump().items()
    )
    return f'<table class="bf-status">{rows}</table>'


# ----------------------------------------------------------------------------- export


def conversation_markdown(exchanges: list[Exchange]) -> str:
    """The conversation as Markdown, each answer followed by its numbered sources and passages."""
    lines = ["# Briefing conversation", ""]
    for x in exchanges:
        lines += [f"## {x.question}", ""]
        a = x.answer
        if a is None:
            lines += [f"_Could not answer: {x.error}_" if x.error else "_No answer._", ""]
            continue
        lines += [a.answer, ""]
        for c in a.citations:
            title = f"[{c.title or c.doc_id}]({c.url})" if c.url else (c.title or c.doc_id)
            lines.append(
                f"[{c.n}] {title}, {c.source or 'unknown source'}, {date_label(c.published, c.published_inferred)}"
            )
            lines.append(f"    > {' '.join((c.evidence or c.quote).split())}")
        if a.abstained and a.passages:
            lines.append("Closest passages:")
            lines += [
                f"- {h.title or h.doc_id} ({h.source}, {date_label(h.published, h.published_inferred)})"
                for h in a.passages[:3]
            ]
        lines += [f"Note: {n}" for n in a.notes]
        lines += ["", f"_{a.engine} engine, as of {a.as_of}_", ""]
    return "\n".join(lines)
