"""The workspace's handlers: each calls ``Briefing`` and renders what it returns (no layout here)."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant import Briefing
from assistant.errors import BriefingError, NotFoundError
from assistant.types import Answer, AnswerDelta, Citation, Hit, IngestReport, Retrieved
from ui import library, render
from ui.render import Exchange

log = logging.getLogger(__name__)
_PROGRESS = gr.Progress()  # as a default, tells Gradio to pass the handler a progress tracker

SEARCH_K = 10
DRAFT_REFRESH_S = 0.15


class Conversation:
    """A browser session's conversation: the ``ChatSession`` (history for follow-ups) and what is shown."""

    def __init__(self, briefing: Briefing) -> None:
        self.session = briefing.chat()
        self.exchanges: list[Exchange] = []
        self.key = uuid.uuid4().hex  # names this conversation's export folder


def _opt(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else value


class Workspace:
    """The handlers behind the page; each one calls ``Briefing`` and renders what it returns."""

    def __init__(self, briefing: Briefing) -> None:
        self.b = briefing

    # -- chat -------------------------------------------------------------------------------------
    def chat(
        self,
        question: str,
        conv: Conversation | None,
        sources: list[str] | None,
        since: str | None,
        until: str | None,
        as_of: str | None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream one question: the search step, the passages found, the draft, the verified answer."""
        conv = conv or Conversation(self.b)
        try:
            self.b.check_question(question or "")
        except BriefingError as exc:
            yield gr.skip(), conv, gr.skip(), render_notice(str(exc)), gr.skip()
            return
        x = Exchange(question=question.strip())
        conv.exchanges.append(x)
        yield render.conversation_html(conv.exchanges), conv, "", render_notice(""), gr.skip()
        shown = 0.0
        try:
            for event in conv.session.stream(
                x.question,
                sources=sources or None,
                since=_opt(since),
                until=_opt(until),
                as_of=_opt(as_of),
                steps=True,
            ):
                if isinstance(event, Retrieved):
                    x.passages = event.passages
                elif isinstance(event, AnswerDelta):
                    x.draft += event.text
                    if time.monotonic() - shown < DRAFT_REFRESH_S:
                        continue  # a token stream re-renders the pane a few times a second, not per token
                elif isinstance(event, Answer):
                    x.answer = event
                shown = time.monotonic()
                yield render.conversation_html(conv.exchanges), conv, gr.skip(), gr.skip(), gr.skip()
        except BriefingError as exc:
            x.error = str(exc)
        except Exception as exc:  # shown in the page, logged with its traceback
            log.exception("answering %r failed", x.question)
            x.error = f"{type(exc).__name__}: {exc}"
        yield render.conversation_html(conv.exchanges), conv, gr.skip(), gr.skip(), self.export(conv)

    def export(self, conv: Conversation | None) -> Any:
        """The download button, holding the conversation as Markdown (in Gradio's upload cache)."""
        if conv is None or not conv.exchanges:
            return gr.DownloadButton(value=None, interactive=False)
        return _download(conv.key, "briefing-conversation.md", render.conversation_markdown(conv.exchanges))

    def new_conversation(self, conv: Conversation | None) -> tuple[Any, ...]:
        if conv is not None:
            conv.session.reset()
            conv.exchanges.clear()
        return render.conversation_html([]), conv, render.EMPTY_PANEL, render_notice(""), self.export(None)

    def open_citation(self, conv: Conversation | None, evt: gr.EventData) -> str:
        """The side panel for a clicked ``[n]`` marker or passage."""
        data = getattr(evt, "_data", None) or {}
        try:
            x = conv.exchanges[int(data["turn"])] if conv else None
            n = int(data["n"])
        except (KeyError, TypeError, ValueError, IndexError):
            return render.EMPTY_PANEL
        if x is None:
            return render.EMPTY_PANEL
        span: Citation | Hit | None = None
        verdicts = None
        if data.get("kind") == "citation" and x.answer is not None:
            span = next((c for c in x.answer.citations if c.n == n), None)
            label, verdicts = f"[{n}]", x.answer.verdicts
        else:
            passages = x.answer.passages if x.answer is not None else (x.passages or [])
            span = passages[n] if 0 <= n < len(passages) else None
            label = f"passage {n + 1}"
        if span is None:
            return render.EMPTY_PANEL
        try:
            doc = self.b.document(span.doc_id)
        except NotFoundError:
            doc = None
        return render.citation_html(label, span, doc, verdicts)

    # -- API endpoints ------------------------------------------------------------------------------
    def api_ask(
        self,
        question: str,
        sources: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        as_of: str | None = None,
    ) -> dict:
        """Answer a question from the indexed documents; the answer cites its sources ([n] markers)."""
        try:
            answer = self.b.ask(
                question, sources=sources or None, since=_opt(since), until=_opt(until), as_of=_opt(as_of)
            )
        except BriefingError as exc:
            raise gr.Error(str(exc)) from None
        return answer.public_json()

    def api_search(self, query: str, k: int = SEARCH_K) -> list[dict]:
        """Hybrid search over the library: the best passages with their documents' metadata."""
        try:
            return [h.model_dump(mode="json") for h in self.b.search(query, int(k))]
        except BriefingError as exc:
            raise gr.Error(str(exc)) from None

    # -- library ----------------------------------------------------------------------------------
    def ingest(
        self, files: list[str] | None, urls: str | None, source: str | None, progress: Any = _PROGRESS
    ) -> dict:
        """Add uploaded files and http(s) URLs to the library; the report says what happened to each."""
        uploads = [(p, Path(p).name) for p in (files or [])]
        report = library.add_to_library(self.b, uploads, urls or "", source, progress=_progress(progress))
        return report.model_dump(mode="json")

    def library_view(self, report: dict | None = None) -> tuple[Any, ...]:
        """Report, document table, delete picker, source filter and status after any library change."""
        rows = render.report_rows(IngestReport.model_validate(report)) if report else []
        docs = self.b.documents()
        choices = [(f"{d.title or d.doc_id} ({d.doc_id})", d.doc_id) for d in docs]
        return (
            render.report_html(rows),
            render.documents_rows(docs),
            gr.Dropdown(choices=choices, value=None),
            gr.Dropdown(choices=_source_names(docs)),
            render.status_html(self.b.status()),
        )

    def library_search(self, query: str) -> str:
        if not (query or "").strip():
            return render_notice("Type something to search for.")
        try:
            return render.hits_html(self.b.search(query, SEARCH_K))
        except BriefingError as exc:
            return render_notice(str(exc))

    def delete(self, doc_id: str | None) -> tuple[Any, ...]:
        if not doc_id:
            notice = "Choose a document to delete."
        else:
            try:
                library.remove_document(self.b, doc_id)
                notice = f"Deleted {doc_id}."
            except BriefingError as exc:
                notice = str(exc)
        return (render_notice(notice, ok=notice.startswith("Deleted")), *self.library_view()[1:])

    def status(self) -> str:
        return render.status_html(self.b.status())

    # -- briefs -------------------------------------------------------------------------------------
    def draft_brief(
        self,
        day: str | None,
        since: str | None,
        until: str | None,
        sources: list[str] | None,
        topic: str | None,
        max_words: float | None,
    ) -> tuple[Any, ...]:
        """Draft and store the brief of a period: notice, the brief, its download, the stored briefs.

        A bad or empty period leaves the brief on show as it was and says what went wrong."""
        try:
            brief = self.b.brief(
                date=_opt(day),
                since=_opt(since),
                until=_opt(until),
                sources=sources or None,
                topic=_opt(topic),
                max_words=None if max_words is None else int(max_words),
            )
        except BriefingError as exc:
            return render_notice(str(exc)), gr.skip(), gr.skip(), gr.skip()
        n = len(brief.sources)
        notice = f"Drafted and stored: {brief.words} words from {n} document{'s' * (n != 1)} ({brief.id})."
        return render_notice(notice, ok=True), render.brief_html(brief), self._brief_file(brief), self.brief_pick()

    def open_brief(self, brief_id: str | None) -> tuple[Any, ...]:
        """A stored brief again: notice, the brief, its download."""
        if not brief_id:
            return render_notice("Choose a stored brief to open."), gr.skip(), gr.skip()
        try:
            brief = self.b.get_brief(brief_id)
        except BriefingError as exc:
            return render_notice(str(exc)), gr.skip(), gr.skip()
        return render_notice(""), render.brief_html(brief), self._brief_file(brief)

    def brief_pick(self) -> Any:
        """The stored-brief picker, newest period first."""
        return gr.Dropdown(choices=[(render.brief_label(i), i.id) for i in self.b.briefs()], value=None)

    def brief_sources(self) -> Any:
        """The source filter of the Briefs tab: the library's source names."""
        return gr.Dropdown(choices=_source_names(self.b.documents()))

    @staticmethod
    def _brief_file(brief: Any) -> Any:
        """The download button, holding the brief as Markdown (in Gradio's upload cache)."""
        from assistant.briefs.render import to_markdown

        return _download("briefs", f"brief-{brief.since}-{brief.id}.md", to_markdown(brief))


def _source_names(docs: list[Any]) -> list[str]:
    """The library's source names, sorted: the choices of every source filter."""
    return sorted({d.source for d in docs if d.source})


def _download(folder: str, name: str, text: str) -> Any:
    """A download button holding ``text`` as ``name``, written under Gradio's upload cache
    (``exports/folder/``, where Gradio serves files from)."""
    from gradio.utils import get_upload_folder

    path = Path(get_upload_folder()) / "exports" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return gr.DownloadButton(value=str(path), interactive=True)


def render_notice(text: str, *, ok: bool = False) -> Any:
    """A one-line message under an input; hidden when there is nothing to say."""
    color = ' style="color: #15803d"' if ok else ""
    html = f'<div class="bf-notice" role="status"{color}>{render.esc(text)}</div>' if text else ""
    return gr.HTML(value=html, visible=bool(text), apply_default_css=False)


def _progress(progress: Any) -> Callable[[str, int], None]:
    """Turn ``Briefing.ingest``'s progress calls into a Gradio progress bar."""
    state = {"files": 0, "files_total": 0, "chunks": 0, "chunks_total": 0}

    def tick(kind: str, n: int) -> None:
        if kind in ("files_total", "chunks_total"):
            state[kind] = n
        else:
            state["files" if kind == "file" else "chunks"] += n
        if state["chunks_total"]:
            progress((state["chunks"], state["chunks_total"]), desc="Embedding", unit="chunks")
        elif state["files_total"]:
            progress((state["files"], state["files_total"]), desc="Reading", unit="files")

    return tick
