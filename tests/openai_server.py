"""A real, scripted HTTP server speaking the OpenAI chat-completions protocol, for tests.

Usage::

    from openai_server import ServerError, serve   # or: from tests.openai_server import ...

    def script(messages, request):            # what the "model" answers
        return "Paris is the capital [1]."     # or ServerError.status(500), .close(), .malformed(), .hang()

    with serve(script) as server:
        settings = Settings(openai_base_url=server.base_url, model="test-model")
        ...
        server.requests[-1].json["messages"]   # what the model saw
        server.chat_requests                   # only POST /v1/chat/completions

``script`` may also be a constant reply: a string or a ``ServerError``. Endpoints: ``POST /v1/chat/completions``
(``stream: false`` -> one JSON completion; ``stream: true`` -> server-sent events, one ``data: {...}``
chunk per word and ``data: [DONE]``) and ``GET /v1/models``. Every request is recorded before the
response is sent, so a test may read ``server.requests`` as soon as its client call returns.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

MODEL = "test-model"


@dataclass
class ServerError:
    """A scripted failure instead of a reply.

    * ``status``: answer HTTP ``code`` with an OpenAI-style error body (``body`` overrides it);
    * ``close``: close the connection without a response (streaming: after ``after_chunks`` chunks);
    * ``malformed``: HTTP 200 with a body that is not valid JSON (streaming: a broken ``data:`` line
      after ``after_chunks`` good chunks);
    * ``hang``: send nothing until the server shuts down (for timeout tests).
    """

    kind: Literal["status", "close", "malformed", "hang"]
    code: int = 500
    message: str = "scripted failure"
    body: str | None = None
    after_chunks: int = 0

    @classmethod
    def status(
        cls, code: int = 500, message: str = "scripted failure", body: str | None = None
    ) -> ServerError:
        return cls("status", code=code, message=message, body=body)

    @classmethod
    def close(cls, after_chunks: int = 0) -> ServerError:
        return cls("close", after_chunks=after_chunks)

    @classmethod
    def malformed(cls, after_chunks: int = 0) -> ServerError:
        return cls("malformed", after_chunks=after_chunks)

    @classmethod
    def hang(cls) -> ServerError:
        return cls("hang")


Script = Callable[[list[dict], dict], "str | ServerError"]


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    json: dict[str, Any] | None
    raw: bytes = b""

    @property
    def messages(self) -> list[dict]:
        return list((self.json or {}).get("messages", []))

    @property
    def prompt_text(self) -> str:
        """All message contents joined: handy for ``in`` assertions."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class ScriptedServer:
    script: Script
    requests: list[RecordedRequest] = field(default_factory=list)
    base_url: str = ""
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)


def split_deltas(text: str) -> list[str]:
    """How a reply is cut into stream chunks: one word (with its following spaces) per chunk."""
    return re.findall(r"\S+\s*|\s+", text) or [""]


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 so that streams are chunked: a stream cut short is then a protocol error the
        # client notices, not a silently shorter answer. Every response closes its connection.
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        # ---------------------------------------------------------------- routes

        def do_GET(self) -> None:
            server.record(RecordedRequest("GET", self.path, _lower(self.headers), None))
            if self.path.rstrip("/").endswith("/models"):
                self._json(
                    200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "test"}]}
                )
            else:
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = None
            server.record(RecordedRequest("POST", self.path, _lower(self.headers), body, raw))
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                return
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                self._json(
                    400, {"error": {"message": "body must be JSON with messages", "type": "invalid_request"}}
                )
                return
            try:
                reply = server.script(body["messages"], body)
            except Exception as exc:  # noqa: BLE001 - a broken script shows up as a 500 with its message
                reply = ServerError.status(500, f"script raised {type(exc).__name__}: {exc}")
            if isinstance(reply, ServerError):
                self._fail(reply, stream=bool(body.get("stream")))
            elif body.get("stream"):
                self._stream(str(reply), body)
            else:
                self._json(200, _completion(str(reply), body))

        # ---------------------------------------------------------------- replies

        def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self._end_headers()
            self.wfile.write(data)

        def _end_headers(self) -> None:
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()

        def _start_sse(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self._end_headers()

        def _event(self, payload: dict | str) -> None:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            event = f"data: {data}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()

        def _end_sse(self) -> None:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _stream(self, text: str, body: dict, fail: ServerError | None = None) -> None:
            self._start_sse()
            cid, created = "chatcmpl-test", int(time.time())
            model = body.get("model", MODEL)

            def chunk(delta: dict, finish: str | None = None) -> dict:
                return {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }

            self._event(chunk({"role": "assistant", "content": ""}))
            for i, piece in enumerate(split_deltas(text)):
                if fail is not None and i == fail.after_chunks:
                    break
                self._event(chunk({"content": piece}))
            if fail is not None:
                if fail.kind == "malformed":
                    self._event('{"id": "chatcmpl-test", "choices": [{"delta": {"content": "oops"')
                    self._event("[DONE]")
                    self._end_sse()
                # else: close mid-stream, without the chunked body's last chunk
                return
            self._event(chunk({}, "stop"))
            self._event("[DONE]")
            self._end_sse()

        def _fail(self, err: ServerError, *, stream: bool) -> None:
            if err.kind == "status":
                payload = {"error": {"message": err.message, "type": "server_error", "code": err.code}}
                data = (err.body if err.body is not None else json.dumps(payload)).encode()
                self.send_response(err.code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("retry-after-ms", "1")  # keep the client's retry fast in tests
                self._end_headers()
                self.wfile.write(data)
            elif err.kind == "hang":
                server.stop.wait()
            elif stream and err.after_chunks > 0:
                self._stream("partial answer " * (err.after_chunks + 1), {}, fail=err)
            elif stream and err.kind == "malformed":
                self._start_sse()
                self._event("{this is not json")
                self._event("[DONE]")
                self._end_sse()
            elif err.kind == "malformed":
                data = b'{"id": "chatcmpl-test", "choices": [{"message": '
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self._end_headers()
                self.wfile.write(data)
            else:  # close without a response
                self.close_connection = True

    return Handler


def _completion(text: str, body: dict) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", MODEL),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"},
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@contextmanager
def serve(script: Script | str | ServerError) -> Iterator[ScriptedServer]:
    """Run a scripted OpenAI-compatible server on 127.0.0.1 (a free port) for the ``with`` block.

    ``script`` is a function ``(messages, request_json) -> str | ServerError`` called for each
    chat request, or a constant reply (a string or a ``ServerError``) for every request.
    """
    fn: Script = script if callable(script) else (lambda _m, _r: script)  # type: ignore[assignment,return-value]
    state = ScriptedServer(fn)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    state.base_url = f"http://{host}:{port}/v1"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()  # releases handlers that "hang"
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (connections are refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _lower(headers: Any) -> dict[str, str]:
    """Request headers with lower-case names (``server.requests[0].headers["authorization"]``)."""
    return {k.lower(): v for k, v in headers.items()}
