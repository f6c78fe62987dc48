"""A real uvicorn server for an ASGI app, on a loopback socket, in a thread of the test process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import uvicorn
from typing_extensions import Self


class LiveServer:
    """``with LiveServer(app) as s: httpx.get(s.url + ...)``.

    The socket listens before uvicorn starts, so requests made at once wait in the backlog until the
    app's start-up (lifespan) is done: no polling, no sleeps."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


class Site:
    """A tiny HTTP server on loopback answering from a table ``(method, path) -> (status, type, body)``
    (or a list of them, given in turn, the last one repeated); ``hits`` counts requests per
    ``(method, path)``. Unknown paths get 404."""

    def __init__(self, routes: dict[tuple[str, str], Any]) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = self
        self.routes = routes
        self.hits: dict[tuple[str, str], int] = {}

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                key = (self.command, self.path.split("?")[0])
                site.hits[key] = site.hits.get(key, 0) + 1
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                answer = site.routes.get(key, (404, "text/plain", b"not found"))
                if isinstance(answer, list):
                    answer = answer[min(site.hits[key], len(answer)) - 1]
                status, ctype, body = answer
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ServeProcess:
    """`briefing serve --no-ui` in a child process on a socket opened here and already listening, so
    requests made at once wait in its backlog until the child has started (no polling). ``env``
    holds the child's ``BRIEFING_*`` settings."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        root = Path(__file__).resolve().parent.parent
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "assistant.cli", "serve", "--no-ui", "--fd", str(self.sock.fileno())],
                env={**os.environ, "PYTHONPATH": str(root), **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=[self.sock.fileno()],
                cwd=log_path.parent,
            )

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()

    def log(self) -> str:
        return self.log_path.read_text()[-3000:]
