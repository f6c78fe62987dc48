"""The Gradio workspace: chat with cited answers, a library, daily briefs, a status page; a thin layer over ``Briefing``.

``build_app`` only builds the ``gr.Blocks`` (``briefing serve`` mounts it on its FastAPI app);
``launch`` serves it on its own, on loopback unless credentials are configured.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from assistant import Briefing
from assistant.errors import ConfigError
from ui import render
from ui.access import check_bind
from ui.handlers import Workspace
from ui.style import CONVERSATION_JS, CSS, PANEL_JS

_SHARED = {"concurrency_id": "briefing", "concurrency_limit": 1}
"""Every handler that touches the index queues behind the others: one Briefing, one writer."""


def _html(value: str = "", **kwargs: Any) -> gr.HTML:
    """A gr.HTML styled only by our CSS (Gradio's prose styles would restyle the citation buttons)."""
    return gr.HTML(value, apply_default_css=False, **kwargs)


_PRIVATE: dict[str, Any] = {"api_visibility": "private", **_SHARED}
"""The workspace's own handlers: queued like the rest, hidden from the API page and clients."""


@dataclass(frozen=True)
class _Filters:
    """The filters for the next question (the Chat tab's accordion)."""

    sources: gr.Dropdown
    since: gr.DateTime
    until: gr.DateTime
    as_of: gr.DateTime


@dataclass(frozen=True)
class _Chat:
    """The Chat tab's components that events read or write."""

    conversation: gr.HTML
    question: gr.Textbox
    ask_btn: gr.Button
    notice: gr.HTML
    new_btn: gr.Button
    export_btn: gr.DownloadButton
    filters: _Filters
    panel: gr.HTML


@dataclass(frozen=True)
class _Additions:
    """The Library tab's form for adding files and web pages, and its report."""

    files: gr.File
    urls: gr.Textbox
    source: gr.Textbox
    add_btn: gr.Button
    report_json: gr.JSON
    report: gr.HTML


@dataclass(frozen=True)
class _Documents:
    """The Library tab's document table, search and delete controls."""

    docs: gr.Dataframe
    query: gr.Textbox
    search_btn: gr.Button
    hits: gr.HTML
    doc_pick: gr.Dropdown
    delete_btn: gr.Button
    delete_notice: gr.HTML


@dataclass(frozen=True)
class _Briefs:
    """The Briefs tab: the period and scope of a new brief, the stored briefs, the brief on show."""

    day: gr.DateTime
    since: gr.DateTime
    until: gr.DateTime
    sources: gr.Dropdown
    topic: gr.Textbox
    max_words: gr.Number
    draft_btn: gr.Button
    notice: gr.HTML
    pick: gr.Dropdown
    open_btn: gr.Button
    export_btn: gr.DownloadButton
    brief: gr.HTML


def build_app(briefing: Briefing) -> gr.Blocks:
    """The workspace as a ``gr.Blocks``: built, not launched (``launch`` or a FastAPI mount serves it)."""
    ws = Workspace(briefing)
    with gr.Blocks(title="Briefing") as demo:
        conv = gr.State(None)
        _header()
        with gr.Tabs():
            chat = _chat_tab()
            additions, documents = _library_tab()
            with gr.Tab("Briefs", id="briefs") as briefs_tab:
                briefs = _briefs_tab(briefing.settings.brief_max_words)
            with gr.Tab("Status", id="status") as status_tab:
                status = _html("", elem_id="bf-status")

        _wire_chat(ws, chat, conv)
        view = [additions.report, documents.docs, documents.doc_pick, chat.filters.sources, status]
        _wire_library(ws, additions, documents, view, chat.filters.sources, status)
        _wire_briefs(ws, briefs)
        briefs_tab.select(ws.brief_pick, outputs=[briefs.pick], **_PRIVATE).then(
            ws.brief_sources, outputs=[briefs.sources], **_PRIVATE
        )
        status_tab.select(ws.status, outputs=[status], **_PRIVATE)
        demo.load(lambda: date.today().isoformat(), outputs=[chat.filters.as_of], api_visibility="private")
        demo.load(ws.library_view, outputs=view, **_PRIVATE)

        gr.api(ws.api_ask, api_name="ask", **_SHARED)
        gr.api(ws.api_search, api_name="search", **_SHARED)
    return demo


def _header() -> None:
    """Our stylesheet and the brand bar above the tabs."""
    _html(f"<style>{CSS}</style>", elem_id="bf-style", padding=False)
    with gr.Row(elem_id="bf-header"):
        _html('<div class="bf-brand">Briefing<span>cited answers from your documents</span></div>')


def _chat_tab() -> _Chat:
    """The Chat tab: the conversation, the question box, its buttons and filters, the citation panel."""
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
            question, ask_btn = _ask_row()
            notice = _html("", elem_id="bf-notice", visible=False)
            new_btn, export_btn = _conversation_buttons()
            filters = _filters()
        with gr.Column(scale=2, min_width=360):
            panel = _html(
                render.EMPTY_PANEL,
                js_on_load=PANEL_JS,
                elem_id="bf-panel",
                container=True,
                padding=True,
            )
    return _Chat(conversation, question, ask_btn, notice, new_btn, export_btn, filters, panel)


def _ask_row() -> tuple[gr.Textbox, gr.Button]:
    """The question box and its Ask button."""
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
        ask_btn = gr.Button("Ask", variant="primary", scale=0, min_width=100, elem_id="bf-ask")
    return question, ask_btn


def _conversation_buttons() -> tuple[gr.Button, gr.DownloadButton]:
    """The New conversation and Export as Markdown buttons."""
    with gr.Row():
        new_btn = gr.Button("New conversation", size="sm", scale=0, min_width=160, elem_id="bf-new")
        export_btn = gr.DownloadButton(
            "Export as Markdown",
            size="sm",
            scale=0,
            min_width=160,
            interactive=False,
            elem_id="bf-export",
        )
    return new_btn, export_btn


def _filters() -> _Filters:
    """The accordion of filters for the next question: sources and dates."""
    with gr.Accordion("Filters for the next question", open=False, elem_id="bf-filters"), gr.Row():
        sources = gr.Dropdown(label="Sources", multiselect=True, choices=[], scale=2)
        since = gr.DateTime(label="Published from", include_time=False, type="string")
        until = gr.DateTime(label="Published until", include_time=False, type="string")
        as_of = gr.DateTime(label="As of", include_time=False, type="string", elem_id="bf-as-of")
    return _Filters(sources, since, until, as_of)


def _library_tab() -> tuple[_Additions, _Documents]:
    """The Library tab: the form that adds documents beside the table that lists, searches and deletes them."""
    with gr.Tab("Library", id="library"), gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=360):
            additions = _additions()
        with gr.Column(scale=3, min_width=480):
            documents = _documents()
    return additions, documents


def _additions() -> _Additions:
    """Upload, URL and source-name inputs, the Add button and the ingest report."""
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
    return _Additions(files, urls, source, add_btn, report_json, report)


def _documents() -> _Documents:
    """The documents table, the library search and its hits, and the delete controls."""
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
    return _Documents(docs, query, search_btn, hits, doc_pick, delete_btn, delete_notice)


def _briefs_tab(max_words: int) -> _Briefs:
    """The period (a day, or from/until; empty: yesterday), sources, topic and length of a new brief,
    the stored briefs to reopen, the download, and the brief itself."""
    with gr.Row(equal_height=True):
        day = gr.DateTime(label="Day (empty: yesterday)", include_time=False, type="string", elem_id="bf-brief-day")
        since = gr.DateTime(label="Or from", include_time=False, type="string", elem_id="bf-brief-since")
        until = gr.DateTime(label="until", include_time=False, type="string", elem_id="bf-brief-until")
    with gr.Row(equal_height=True):
        sources = gr.Dropdown(label="Sources (all when empty)", choices=[], multiselect=True, scale=2)
        topic = gr.Textbox(label="Topic (optional)", placeholder="e.g. drone strikes", scale=2)
        max_words = gr.Number(label="Words at most", value=max_words, precision=0, minimum=0, scale=1)
        draft_btn = gr.Button("Draft brief", variant="primary", scale=1, elem_id="bf-brief-draft")
    notice = _html("", visible=False, elem_id="bf-brief-notice")
    with gr.Row(equal_height=True):
        pick = gr.Dropdown(label="Stored briefs", choices=[], scale=4, elem_id="bf-brief-pick")
        open_btn = gr.Button("Open", scale=0, min_width=100, elem_id="bf-brief-open")
        export_btn = gr.DownloadButton(
            "Download Markdown", value=None, interactive=False, scale=0, min_width=180, elem_id="bf-brief-export"
        )
    brief = _html("", elem_id="bf-brief")
    return _Briefs(day, since, until, sources, topic, max_words, draft_btn, notice, pick, open_btn, export_btn, brief)


def _wire_briefs(ws: Workspace, b: _Briefs) -> None:
    """Draft (then the stored briefs list the new one) and reopen a stored brief."""
    b.draft_btn.click(
        ws.draft_brief,
        inputs=[b.day, b.since, b.until, b.sources, b.topic, b.max_words],
        outputs=[b.notice, b.brief, b.export_btn, b.pick],
        **_PRIVATE,
    )
    b.open_btn.click(ws.open_brief, inputs=[b.pick], outputs=[b.notice, b.brief, b.export_btn], **_PRIVATE)


def _wire_chat(ws: Workspace, chat: _Chat, conv: gr.State) -> None:
    """Ask (button or Enter), open a clicked citation, start a new conversation."""
    f = chat.filters
    ask_io = {
        "inputs": [chat.question, conv, f.sources, f.since, f.until, f.as_of],
        "outputs": [chat.conversation, conv, chat.question, chat.notice, chat.export_btn],
    }
    chat.ask_btn.click(ws.chat, **ask_io, **_PRIVATE)
    chat.question.submit(ws.chat, **ask_io, **_PRIVATE)
    chat.conversation.click(ws.open_citation, inputs=[conv], outputs=[chat.panel], **_PRIVATE)
    chat.new_btn.click(
        ws.new_conversation,
        inputs=[conv],
        outputs=[chat.conversation, conv, chat.panel, chat.notice, chat.export_btn],
        **_PRIVATE,
    )


def _wire_library(
    ws: Workspace,
    add: _Additions,
    documents: _Documents,
    view: list[Any],
    sources: gr.Dropdown,
    status: gr.HTML,
) -> None:
    """Add (the public ``ingest`` API, then refresh ``view`` and clear the form), search, delete."""
    add.add_btn.click(
        ws.ingest,
        inputs=[add.files, add.urls, add.source],
        outputs=[add.report_json],
        api_name="ingest",
        **_SHARED,
    ).then(ws.library_view, inputs=[add.report_json], outputs=view, **_PRIVATE).then(
        lambda: (None, ""), outputs=[add.files, add.urls], api_visibility="private"
    )
    d = documents
    d.search_btn.click(ws.library_search, inputs=[d.query], outputs=[d.hits], **_PRIVATE)
    d.query.submit(ws.library_search, inputs=[d.query], outputs=[d.hits], **_PRIVATE)
    d.delete_btn.click(
        ws.delete,
        inputs=[d.doc_pick],
        outputs=[d.delete_notice, d.docs, d.doc_pick, sources, status],
        **_PRIVATE,
    )


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
