"""The REST API over one ``Briefing`` (FastAPI, versioned under ``/api/v1``, OpenAPI at
``/api/v1/openapi.json``): a thin HTTP layer whose request and response bodies are the typed
models of ``assistant.types``. ``serve()`` runs it with uvicorn, with the Gradio UI at ``/`` when
this build has one, and the watcher / daily schedule on a background thread.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from assistant.config import EngineName, Settings, is_loopback
from assistant.errors import BriefingError, ConfigError
from assistant.http import (
    ERROR_RESPONSES,
    BodyLimit,
    bearer_check,
    body_limits,
    error_info,
    install_error_handlers,
    unexpected_error,
)
from assistant.protocol import (
    API,
    UPLOAD_PATH,
    AskRequest,
    Health,
    Readiness,
    ServerStatus,
    StreamRequest,
    UrlIngestRequest,
)
from assistant.types import Answer, AnswerDelta, DocumentInfo, DocumentText, Hit, IngestReport, Retrieved
from assistant.watch import Clock, Scheduler

log = logging.getLogger(__name__)
_NOT_FOUND = {404: ERROR_RESPONSES[400] | {"description": "Not found"}}


def create_app(
    briefing: Any,
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    draft: Callable[[date], Any] | None = None,
    background: bool = True,
) -> FastAPI:
    """The REST API over ``briefing``. ``clock`` and ``draft`` replace the scheduler's time source
    and daily job (tests); ``background=False`` leaves the watcher and schedule off."""
    settings = settings or briefing.settings
    scheduler = Scheduler(briefing, settings, clock=clock, draft=draft)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        await run_in_threadpool(warm_up, briefing)
        if background:
            scheduler.start()
        yield
        scheduler.stop()

    app = FastAPI(
        title="Briefing",
        version="1",
        summary="Grounded, cited answers over your documents.",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.briefing = briefing
    app.state.scheduler = scheduler
    app.add_middleware(BodyLimit, limit_for=body_limits(settings))
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> Health:
        """Liveness: the process answers."""
        return Health()

    @app.get("/readyz", tags=["health"], responses={503: {"model": Readiness}})
    def readyz() -> Any:
        """Readiness: the index is reachable and the embedding model loaded."""
        model = briefing.embedder.name if "embedder" in vars(briefing) else None
        try:
            briefing.store.count_chunks()
            index = _location(settings)
            ok = model is not None
        except Exception as exc:  # noqa: BLE001 - any failure to reach the store means "not ready"
            index, ok = f"unreachable: {type(exc).__name__}: {exc}", False
        body = Readiness(ready=ok, index=index, model=model)
        return body if ok else JSONResponse(body.model_dump(), status_code=503)

    app.include_router(api_router(briefing, settings, scheduler))
    return app


def api_router(briefing: Any, settings: Settings, scheduler: Scheduler) -> APIRouter:
    """Every ``/api/v1`` route: one line of HTTP around one ``Briefing`` method each."""
    r = APIRouter(prefix=API, dependencies=[Depends(bearer_check(settings))], responses=ERROR_RESPONSES)
    _add_answer_routes(r, briefing)
    _add_search_route(r, briefing, settings)
    _add_document_routes(r, briefing)
    _add_status_route(r, briefing, scheduler)
    add_brief_routes(r, briefing)
    return r


def _add_answer_routes(r: APIRouter, briefing: Any) -> None:
    """Answers: ``/ask``, its event stream ``/ask/stream``, and ``/retrieve``."""

    @r.post("/ask", tags=["answers"])
    def ask(req: AskRequest) -> Answer:
        """A grounded answer with verified citations (``Briefing.ask``)."""
        return briefing.ask(req.question, **req.call_args())

    def start_stream(req: StreamRequest) -> Iterator[Retrieved | AnswerDelta | Answer]:
        # A dependency, so bad arguments are refused with a 4xx before the event stream starts.
        return briefing.stream(req.question, **req.call_args())

    @r.post("/ask/stream", tags=["answers"], response_class=EventSourceResponse)
    def ask_stream(
        events: Annotated[Iterator[Retrieved | AnswerDelta | Answer], Depends(start_stream)],
    ) -> Iterable[ServerSentEvent]:
        """Server-sent events: with ``steps``, ``retrieved`` (a ``Retrieved``: the passages found) first;
        ``delta`` (an ``AnswerDelta``) while the draft grows, then ``answer`` (the verified ``Answer``),
        or ``error`` (``ErrorInfo``) if it fails midway."""
        names = {Retrieved: "retrieved", AnswerDelta: "delta", Answer: "answer"}
        try:
            for e in events:
                yield ServerSentEvent(event=names[type(e)], data=e)
        except BriefingError as exc:
            yield ServerSentEvent(event="error", data=error_info(exc))
        except Exception as exc:
            log.exception("answer stream failed")
            yield ServerSentEvent(event="error", data=unexpected_error(exc))

    @r.post("/retrieve", tags=["answers"])
    def retrieve(req: AskRequest) -> list[Hit]:
        """The passages an answer to this question would use (``Briefing.retrieve``)."""
        return briefing.retrieve(req.question, **req.call_args())


def _add_search_route(r: APIRouter, briefing: Any, settings: Settings) -> None:
    """``GET /search``, its query length capped by ``settings.max_question_chars``."""

    @r.get("/search", tags=["search"])
    def search(
        q: Annotated[str, Query(min_length=1, max_length=settings.max_question_chars)],
        k: Annotated[int | None, Query(ge=1, le=100)] = None,
        source: Annotated[list[str] | None, Query(description="Only these sources (repeatable).")] = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Hit]:
        """Hybrid search (``Briefing.search``)."""
        return briefing.search(q, k, sources=source, since=since, until=until)


def _add_document_routes(r: APIRouter, briefing: Any) -> None:
    """Documents: upload, ingest by URL, list, read and delete."""

    @r.post(UPLOAD_PATH.removeprefix(API), tags=["documents"])
    def ingest_files(
        files: Annotated[list[UploadFile], File(description="Documents of any format `ingest` takes.")],
        source: Annotated[str | None, Form()] = None,
        published: Annotated[date | None, Form()] = None,
    ) -> IngestReport:
        """Upload and ingest files (``Briefing.ingest_uploads``); bad files are failed items."""
        return briefing.ingest_uploads(
            [(f.filename or "", f.file.read()) for f in files], source=source, published=published
        )

    @r.post("/ingest/urls", tags=["documents"])
    def ingest_urls(req: UrlIngestRequest) -> IngestReport:
        """Fetch and ingest pages and feeds (``Briefing.ingest``)."""
        return briefing.ingest(req.urls, source=req.source, published=req.published)

    @r.get("/documents", tags=["documents"])
    def documents() -> list[DocumentInfo]:
        """Every stored document, newest first."""
        return briefing.documents()

    @r.get("/documents/{doc_id:path}", tags=["documents"], responses=_NOT_FOUND)
    def document(doc_id: str) -> DocumentText:
        """A stored document with its full text (what citations point into)."""
        return briefing.document(doc_id)

    @r.delete("/documents/{doc_id:path}", tags=["documents"], status_code=204, response_class=Response,
              responses=_NOT_FOUND)  # fmt: skip
    def remove(doc_id: str) -> None:
        """Delete a document and its chunks."""
        briefing.remove(doc_id)


def _add_status_route(r: APIRouter, briefing: Any, scheduler: Scheduler) -> None:
    """``GET /status``: the briefing's status plus the scheduler's."""

    @r.get("/status", tags=["health"])
    def status() -> ServerStatus:
        """Engine, embedding model, index, counts, and the watcher's and schedule's last work."""
        return ServerStatus(**briefing.status().model_dump(), background=scheduler.status)


def add_brief_routes(r: APIRouter, briefing: Any) -> None:
    """Daily briefings (``Briefing.brief`` / ``briefs`` / ``get_brief``), when this build has them."""
    if not hasattr(briefing, "brief"):
        return
    from assistant.briefs import MAX_WORDS, MIN_WORDS
    from assistant.types import Brief, BriefInfo  # type: ignore[attr-defined]

    class BriefRequest(BaseModel):
        """The arguments of ``Briefing.brief``; all optional (default: the day before today)."""

        model_config = ConfigDict(extra="forbid")

        date: dt.date | None = None
        since: dt.date | None = None
        until: dt.date | None = None
        sources: list[str] | None = None
        topic: str | None = Field(default=None, max_length=500)
        max_words: int | None = Field(default=None, ge=MIN_WORDS, le=MAX_WORDS)  # None: brief_max_words
        engine: EngineName | None = None
        as_of: dt.date | None = None

    @r.post("/briefs", tags=["briefs"])
    def brief(req: BriefRequest) -> Brief:
        """Draft and store a briefing."""
        return briefing.brief(**req.model_dump())

    @r.get("/briefs", tags=["briefs"])
    def briefs() -> list[BriefInfo]:
        """Stored briefings, newest first."""
        return briefing.briefs()

    @r.get("/briefs/{brief_id}", tags=["briefs"], responses=_NOT_FOUND)
    def get_brief(brief_id: str) -> Brief:
        """A stored briefing."""
        return briefing.get_brief(brief_id)


def _location(settings: Settings) -> str:
    from index.store import describe_location

    return describe_location(settings)


# -- start-up ----------------------------------------------------------------------------------------
def warm_up(briefing: Any) -> None:
    """Load the model, engine and store before the first request (so requests do not race to
    build them); an unreachable store is logged and left to ``/readyz`` to report."""
    briefing.embedder.embed_query("warm up")
    briefing.engine()
    try:
        _ = briefing.searcher
    except BriefingError as exc:
        log.error("index not reachable at start-up: %s", exc)


def check_bind(host: str, settings: Settings) -> None:
    """Refuse to serve off loopback without an API token."""
    if not is_loopback(host) and settings.api_token is None:
        raise ConfigError(
            f"refusing to serve on {host} without a token: set BRIEFING_API_TOKEN, or bind 127.0.0.1"
        )


def mount_ui(app: FastAPI, briefing: Any, host: str = "127.0.0.1") -> bool:
    """The Gradio workspace at ``/`` when this build has one (``ui.app.build_app``), behind its login
    (``ui_auth``) when set, which it needs off loopback as ``briefing ui`` does; else ``/`` leads to
    the API docs. Returns whether the workspace is mounted."""
    try:
        from ui.app import build_app
    except ModuleNotFoundError as exc:
        if exc.name not in ("ui", "ui.app"):
            raise
        app.add_api_route("/", lambda: RedirectResponse(f"{API}/docs"), include_in_schema=False)
        return False
    import gradio as gr

    from ui.access import check_bind

    auth = check_bind(briefing, host)
    gr.mount_gradio_app(
        app,
        build_app(briefing),
        path="/",
        auth=auth,
        auth_message="Briefing workspace: sign in with the credentials from BRIEFING_UI_AUTH.",
    )
    return True


def serve(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    ui: bool = True,
    fd: int | None = None,
) -> None:
    """Run the API (and the UI) with uvicorn until interrupted; ``fd``: an inherited listening
    socket to serve on instead of binding ``host:port`` (socket activation)."""
    import socket

    import uvicorn

    from assistant.briefing import Briefing

    sock = socket.socket(fileno=fd) if fd is not None else None
    if sock is not None:
        host, port = sock.getsockname()[:2]
    host = host or settings.host
    port = settings.port if port is None else port
    check_bind(host, settings)
    briefing = Briefing(settings)
    app = create_app(briefing, settings)
    with_ui = mount_ui(app, briefing, host) if ui else False
    shown = f"[{host}]" if ":" in host else host
    print(
        f"Briefing on http://{shown}:{port}: REST API {API} (docs {API}/docs)"
        + (", UI at /" if with_ui else ""),
        flush=True,
    )
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    server.run(sockets=[sock] if sock is not None else None)
