"""``Client``: a Briefing server from Python, method for method like ``Briefing``, with the same typed
results and the same ``BriefingError`` family (``AuthError``, ``InputError``, ``NotFoundError``,
``TooLargeError``, ``StoreError``, ``ServerError``...).

>>> from assistant.client import Client
>>> with Client("http://127.0.0.1:7860", token="...") as c:
...     c.ask("How many drones were intercepted?").answer

Read-only calls (GET, search, retrieve, ask) are retried on connection failures, timeouts and 502-504;
calls that change the index (ingest, remove, brief) only when the connection was never made.
"""

from __future__ import annotations

import json
import mimetypes
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError
from typing_extensions import Self

from assistant.errors import BriefingError, InputError, ServerError, TooLargeError
from assistant.protocol import (
    API,
    AskRequest,
    Health,
    Readiness,
    ServerStatus,
    StreamRequest,
    error_from_response,
)
from assistant.types import (
    Answer,
    AnswerDelta,
    DocumentInfo,
    DocumentText,
    Hit,
    IngestItem,
    IngestReport,
    Retrieved,
)

_HITS = TypeAdapter(list[Hit])
_DOCS = TypeAdapter(list[DocumentInfo])
_RETRY_STATUS = {502, 503, 504}
UPLOAD_BATCH_BYTES = 8 * 1024 * 1024
"""Files go up in requests of about this size (a bigger file goes alone; the server has its own limit)."""
UPLOAD_BATCH_FILES = 100


class Client:
    """The REST API of ``briefing serve`` with ``Briefing``'s methods and results."""

    def __init__(
        self,
        url: str = "http://127.0.0.1:7860",
        token: str | None = None,
        *,
        timeout: float = 120.0,
        retries: int = 2,
        backoff_s: float = 0.25,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            transport=transport,
        )

    def __repr__(self) -> str:  # never shows the token
        return f"Client({self.url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- answers ---------------------------------------------------------------------------------
    def ask(self, question: str, **kwargs: Any) -> Answer:
        """A grounded answer (the arguments of ``Briefing.ask``: history, engine, k, sources, since,
        until, as_of)."""
        return Answer.model_validate(self._json("POST", "/ask", json=_ask_body(question, kwargs), safe=True))

    def stream(self, question: str, **kwargs: Any) -> Iterator[Retrieved | AnswerDelta | Answer]:
        """``AnswerDelta`` pieces as the server sends them, then the verified ``Answer`` (with
        ``steps=True``, a ``Retrieved`` with the passages found first)."""
        body = _ask_body(question, kwargs, StreamRequest)
        try:
            with self._http.stream("POST", f"{API}/ask/stream", json=body) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    raise _error(resp)
                for event, data in _sse_events(resp.iter_lines()):
                    if event == "retrieved":
                        yield Retrieved.model_validate_json(data)
                    elif event == "delta":
                        yield AnswerDelta.model_validate_json(data)
                    elif event == "answer":
                        yield Answer.model_validate_json(data)
                        return
                    elif event == "error":
                        raise error_from_response(500, {"error": json.loads(data)})
        except httpx.TransportError as exc:  # connection refused, timed out or broken mid-stream
            raise ServerError(
                f"the answer stream from {self.url} failed: {type(exc).__name__}: {exc}"
            ) from None
        raise ServerError(f"the answer stream from {self.url} ended without an answer")

    def retrieve(self, question: str, **kwargs: Any) -> list[Hit]:
        """The passages an answer would use (``Briefing.retrieve``)."""
        return _HITS.validate_python(
            self._json("POST", "/retrieve", json=_ask_body(question, kwargs), safe=True)
        )

    def search(
        self,
        query: str,
        k: int | None = None,
        *,
        sources: list[str] | None = None,
        since: date | str | None = None,
        until: date | str | None = None,
    ) -> list[Hit]:
        """Hybrid search (``Briefing.search``)."""
        params: dict[str, Any] = {"q": query, "k": k, "source": sources, "since": since, "until": until}
        params = {key: str(v) if isinstance(v, date) else v for key, v in params.items() if v is not None}
        return _HITS.validate_python(self._json("GET", "/search", params=params, safe=True))

    # -- documents -------------------------------------------------------------------------------
    def ingest(
        self, inputs: list[str] | str, *, source: str | None = None, published: date | str | None = None
    ) -> IngestReport:
        """Upload files and folders (recursively) and have the server fetch http(s) URLs; one report,
        like ``Briefing.ingest`` (a file that cannot be read or sent is a failed item)."""
        from index.loaders import iter_inputs

        t0 = time.perf_counter()
        inputs = [inputs] if isinstance(inputs, str) else list(inputs)
        urls = [i for i in inputs if i.lower().startswith(("http://", "https://"))]
        form = {key: str(v) for key, v in (("source", source), ("published", published)) if v is not None}
        report = IngestReport()
        batch: list[tuple[str, bytes]] = []
        for origin in iter_inputs([i for i in inputs if i not in urls]):
            try:
                data = Path(origin).expanduser().read_bytes()
            except OSError as exc:
                reason = (
                    "no such file" if isinstance(exc, FileNotFoundError) else f"cannot read: {exc.strerror}"
                )
                report.items.append(IngestItem(origin=origin, status="failed", reason=reason))
                continue
            if batch and (
                sum(len(d) for _, d in batch) + len(data) > UPLOAD_BATCH_BYTES
                or len(batch) >= UPLOAD_BATCH_FILES
                or Path(origin).name in {Path(o).name for o, _ in batch}  # names map back one to one
            ):
                report.items += self._upload(batch, form).items
                batch = []
            batch.append((origin, data))
        if batch:
            report.items += self._upload(batch, form).items
        if urls:
            body = {"urls": urls, "source": source, "published": str(published) if published else None}
            report.items += IngestReport.model_validate(self._json("POST", "/ingest/urls", json=body)).items
        report.seconds = time.perf_counter() - t0
        return report

    def _upload(self, batch: list[tuple[str, bytes]], form: dict[str, str]) -> IngestReport:
        """One upload request (files go by their base name; the report names them by their path)."""
        paths = {Path(origin).name: origin for origin, _ in batch}
        files = [
            ("files", (name, data, mimetypes.guess_type(name)[0] or "application/octet-stream"))
            for name, data in ((Path(origin).name, data) for origin, data in batch)
        ]
        try:
            report = IngestReport.model_validate(self._json("POST", "/ingest", files=files, data=form))
        except TooLargeError as exc:
            if len(batch) > 1:
                raise
            return IngestReport(items=[IngestItem(origin=batch[0][0], status="failed", reason=str(exc))])
        for item in report.items:
            head, sep, tail = item.origin.partition("#")
            item.origin = paths.get(head, head) + sep + tail
        return report

    def documents(self) -> list[DocumentInfo]:
        """Every stored document, newest first."""
        return _DOCS.validate_python(self._json("GET", "/documents", safe=True))

    def document(self, doc_id: str) -> DocumentText:
        """A stored document with its full text; ``NotFoundError`` if absent."""
        return DocumentText.model_validate(self._json("GET", f"/documents/{_quote(doc_id)}", safe=True))

    def remove(self, doc_id: str) -> None:
        """Delete a document and its chunks; ``NotFoundError`` if absent."""
        self._request("DELETE", f"/documents/{_quote(doc_id)}")

    # -- briefings -------------------------------------------------------------------------------
    def brief(self, **kwargs: Any) -> Any:
        """Draft and store a briefing (the arguments of ``Briefing.brief``); a ``Brief``."""
        from assistant.types import Brief  # type: ignore[attr-defined]

        body = {key: str(v) if isinstance(v, date) else v for key, v in kwargs.items()}
        return Brief.model_validate(self._json("POST", "/briefs", json=body))

    def briefs(self) -> list[Any]:
        """Stored briefings, newest first (``BriefInfo``)."""
        from assistant.types import BriefInfo  # type: ignore[attr-defined]

        return TypeAdapter(list[BriefInfo]).validate_python(self._json("GET", "/briefs", safe=True))

    def get_brief(self, brief_id: str) -> Any:
        """A stored briefing; ``NotFoundError`` if absent."""
        from assistant.types import Brief  # type: ignore[attr-defined]

        return Brief.model_validate(self._json("GET", f"/briefs/{_quote(brief_id)}", safe=True))

    # -- the server --------------------------------------------------------------------------------
    def status(self) -> ServerStatus:
        """``Briefing.status`` plus the server's background work."""
        return ServerStatus.model_validate(self._json("GET", "/status", safe=True))

    def health(self) -> Health:
        return Health.model_validate(self._json("GET", "/healthz", safe=True, versioned=False))

    def ready(self) -> Readiness:
        """Readiness: ``ready`` is False (HTTP 503) while the index cannot be reached."""
        resp = self._send("GET", "/readyz", safe=False)
        if resp.status_code not in (200, 503):
            raise _error(resp)
        return Readiness.model_validate(resp.json())

    # -- transport ---------------------------------------------------------------------------------
    def _json(self, method: str, path: str, *, safe: bool = False, versioned: bool = True, **kw: Any) -> Any:
        resp = self._request(method, path, safe=safe, versioned=versioned, **kw)
        try:
            return resp.json()
        except ValueError:
            raise ServerError(
                f"{method} {path}: the server answered with something other than JSON"
            ) from None

    def _request(
        self, method: str, path: str, *, safe: bool = False, versioned: bool = True, **kw: Any
    ) -> httpx.Response:
        resp = self._send(method, f"{API}{path}" if versioned else path, safe=safe, **kw)
        if resp.status_code >= 400:
            raise _error(resp)
        return resp

    def _send(self, method: str, path: str, *, safe: bool, **kw: Any) -> httpx.Response:
        """One request with retries: any call when no connection was made; read-only (``safe``)
        calls also on timeouts, broken connections and 502-504."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                resp = self._http.request(method, path, **kw)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                err: BriefingError = ServerError(
                    f"cannot reach the Briefing server at {self.url} ({exc}); is `briefing serve` running?"
                )
            except httpx.TimeoutException:
                err = ServerError(f"no answer from {self.url} within {self.timeout:g} s ({method} {path})")
                if not safe:
                    raise err from None
            except httpx.TransportError as exc:
                err = ServerError(f"the connection to {self.url} failed during {method} {path}: {exc}")
                if not safe:
                    raise err from None
            else:
                if not (safe and resp.status_code in _RETRY_STATUS and not last):
                    return resp
                err = _error(resp)
            if last:
                raise err
            time.sleep(self.backoff_s * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _ask_body(question: str, kwargs: dict[str, Any], model: type[AskRequest] = AskRequest) -> dict[str, Any]:
    """The request body, checked here so a bad argument fails before anything is sent."""
    try:
        req = model(question=question, **kwargs)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"invalid argument {'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return req.model_dump(mode="json", exclude_defaults=True) | {"question": question}


def _error(resp: httpx.Response) -> BriefingError:
    try:
        body: Any = resp.json()
    except ValueError:
        body = resp.text
    return error_from_response(resp.status_code, body)


def _sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a ``text/event-stream``."""
    event, data = "message", []
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield event, "\n".join(data)


def _quote(part: str) -> str:
    from urllib.parse import quote

    return quote(part, safe="")
