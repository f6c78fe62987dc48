"""A real uvicorn server for an ASGI app, on a loopback socket, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
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
