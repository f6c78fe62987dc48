"""The Gradio workspace: chat with cited answers, a library, a status page; a thin layer over ``Briefing``.

``build_app`` only builds the ``gr.Blocks`` (``briefing serve`` mounts it on its FastAPI app);
``launch`` serves it on its own, on loopback unless credentials are configured.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant import Briefing
from assistant.errors import BriefingError, ConfigError, NotFoundError
from assistant.types import Answer, AnswerDelta, Citation, Hit, Retrieved
from ui import library, render
from ui.access import check_bind
from ui.render import Exchange
from ui.style import CONVERSATION_JS, CSS, PANEL_JS

log = logging.getLogger(__name__)
_PROGRESS = gr.Progress()  # as a default, tells Gradio to pass the handler a progress tracker

SEARCH_K = 10
DRAFT_REFRESH_S = 0.15
_SHARED = {"concurrency_id": "briefing", "concurrency_limit": 1}
"""Every handler that touches the index queues behind the others: one Briefing, one writer."""


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
        from gradio.utils import get_upload_folder

        folder = Path(get_upload_folder()) / "exports" / conv.key
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "briefing-conversation.md"
        path.write_text(render.conversation_markdown(conv.exchanges), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)

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
        from assistant.types import IngestReport

        rows = render.report_rows(IngestReport.model_validate(report)) if report else []
        docs = self.b.documents()
        choices = [(f"{d.title or d.doc_id} ({d.doc_id})", d.doc_id) for d in docs]
        return (
            render.report_html(rows),
            render.documents_rows(docs),
            gr.Dropdown(choices=choices, value=None),
            gr.Dropdown(choices=sorted({d.source for d in docs if d.source})),
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


def _html(value: str = "", **kwargs: Any) -> gr.HTML:
    """A gr.HTML styled only by our CSS (Gradio's prose styles would restyle the citation buttons)."""
    return gr.HTML(value, apply_default_css=False, **kwargs)


def build_app(briefing: Briefing) -> gr.Blocks:
    """The workspace as a ``gr.Blocks``: built, not launched (``launch`` or a FastAPI mount serves it)."""
    ws = Workspace(briefing)
    private: dict[str, Any] = {"api_visibility": "private", **_SHARED}
    with gr.Blocks(title="Briefing") as demo:
        conv = gr.State(None)
        _html(f"<style>{CSS}</style>", elem_id="bf-style", padding=False)
        with gr.Row(elem_id="bf-header"):
            _html('<div class="bf-brand">Briefing<span>cited answers from your documents</span></div>')
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=480):
                    conversation = _html(
                        render.conversation_html([]),
                        js_on_load=CONVERSATION_JS,
                        elem_id="bf-conversation",
                        min_height=300,
                        max_height=470,
                        autoscroll=True,
                        container=True,
                        padding=True,
                    )
                    with gr.Row(equal_height=True, elem_id="bf-ask-row"):
                        question = gr.Textbox(
                            show_label=False,
                            placeholder="Ask about the documents in the library…",
                            elem_id="bf-question",
                            scale=6,
                            lines=1,
                            max_lines=4,
                            container=False,
                            autofocus=True,
                        )
                        ask_btn = gr.Button(
                            "Ask", variant="primary", scale=0, min_width=100, elem_id="bf-ask"
                        )
                    notice = _html("", elem_id="bf-notice", visible=False)
                    with gr.Row():
                        new_btn = gr.Button(
                            "New conversation", size="sm", scale=0, min_width=160, elem_id="bf-new"
                        )
                        export_btn = gr.DownloadButton(
                            "Export as Markdown",
                            size="sm",
                            scale=0,
                            min_width=160,
                            interactive=False,
                            elem_id="bf-export",
                        )
                    with (
                        gr.Accordion("Filters for the next question", open=False, elem_id="bf-filters"),
                        gr.Row(),
                    ):
                        sources = gr.Dropdown(label="Sources", multiselect=True, choices=[], scale=2)
                        since = gr.DateTime(label="Published from", include_time=False, type="string")
                        until = gr.DateTime(label="Published until", include_time=False, type="string")
                        as_of = gr.DateTime(
                            label="As of", include_time=False, type="string", elem_id="bf-as-of"
                        )
                with gr.Column(scale=2, min_width=360):
                    panel = _html(
                        render.EMPTY_PANEL,
                        js_on_load=PANEL_JS,
                        elem_id="bf-panel",
                        container=True,
                        padding=True,
                    )
            with gr.Tab("Library", id="library"), gr.Row(equal_height=False):
                with gr.Column(scale=2, min_width=360):
                    files = gr.File(label="Upload files", file_count="multiple", type="filepath", height=150)
                    urls = gr.Textbox(
                        label="Or add web pages and feeds",
                        placeholder="https://… (one per line)",
                        lines=2,
                    )
                    source = gr.Textbox(label="Source name (optional)", placeholder="e.g. Reuters")
                    add_btn = gr.Button("Add to library", variant="primary", elem_id="bf-add")
                    report_json = gr.JSON(visible=False)
                    report = _html(render.report_html([]), elem_id="bf-report")
                with gr.Column(scale=3, min_width=480):
                    docs = gr.Dataframe(
                        headers=["Title", "Source", "Published", "Chunks"],
                        datatype=["str", "str", "str", "number"],
                        interactive=False,
                        label="Documents",
                        elem_id="bf-docs",
                        max_height=300,
                        wrap=True,
                        column_widths=["54%", "16%", "20%", "10%"],
                    )
                    with gr.Row(equal_height=True):
                        query = gr.Textbox(
                            show_label=False,
                            placeholder="Search the library…",
                            scale=5,
                            elem_id="bf-library-search",
                            container=False,
                        )
                        search_btn = gr.Button("Search", scale=0, min_width=100)
                    hits = _html("", elem_id="bf-hits")
                    doc_pick = gr.Dropdown(label="Delete a document", choices=[], elem_id="bf-delete-pick")
                    with gr.Row():
                        delete_btn = gr.Button(
                            "Delete document",
                            variant="stop",
                            size="sm",
                            scale=0,
                            min_width=150,
                            elem_id="bf-delete",
                        )
                    delete_notice = _html("", visible=False)
            with gr.Tab("Status", id="status") as status_tab:
                status = _html("", elem_id="bf-status")

        ask_io = {
            "inputs": [question, conv, sources, since, until, as_of],
            "outputs": [conversation, conv, question, notice, export_btn],
        }
        ask_btn.click(ws.chat, **ask_io, **private)
        question.submit(ws.chat, **ask_io, **private)
        conversation.click(ws.open_citation, inputs=[conv], outputs=[panel], **private)
        new_btn.click(
            ws.new_conversation,
            inputs=[conv],
            outputs=[conversation, conv, panel, notice, export_btn],
            **private,
        )

        view = [report, docs, doc_pick, sources, status]
        add_btn.click(
            ws.ingest, inputs=[files, urls, source], outputs=[report_json], api_name="ingest", **_SHARED
        ).then(ws.library_view, inputs=[report_json], outputs=view, **private).then(
            lambda: (None, ""), outputs=[files, urls], api_visibility="private"
        )
        search_btn.click(ws.library_search, inputs=[query], outputs=[hits], **private)
        query.submit(ws.library_search, inputs=[query], outputs=[hits], **private)
        delete_btn.click(
            ws.delete, inputs=[doc_pick], outputs=[delete_notice, docs, doc_pick, sources, status], **private
        )
        status_tab.select(ws.status, outputs=[status], **private)
        demo.load(lambda: date.today().isoformat(), outputs=[as_of], api_visibility="private")
        demo.load(ws.library_view, outputs=view, **private)

        gr.api(ws.api_ask, api_name="ask", **_SHARED)
        gr.api(ws.api_search, api_name="search", **_SHARED)
    return demo


def launch(
    briefing: Briefing,
    host: str = "127.0.0.1",
    port: int = 7860,
    *,
    block: bool = True,
    say: Callable[[str], Any] = print,
) -> gr.Blocks:
    """Serve the workspace on ``host:port``; off loopback only with credentials from settings.

    Gradio's upload cache goes into the data folder (unless ``GRADIO_TEMP_DIR`` says otherwise).
    With ``block`` false it returns the running app (``close()`` stops it).
    """
    auth = check_bind(briefing, host)
    os.environ.setdefault("GRADIO_TEMP_DIR", str((briefing.settings.data_dir / "gradio").resolve()))
    demo = build_app(briefing)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            auth_message="Briefing workspace: sign in with the credentials from BRIEFING_UI_AUTH.",
            prevent_thread_lock=True,
            quiet=True,
            show_error=False,
            max_file_size=f"{briefing.settings.max_file_mb * 10:g}mb",
        )
    except OSError as exc:
        raise ConfigError(f"cannot serve on {host}:{port} ({exc}); pass another --port") from None
    say(
        f"Briefing workspace running at http://{host if ':' not in host else f'[{host}]'}:{port}  (Ctrl+C stops it)"
    )
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo
