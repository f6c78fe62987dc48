"""``briefing status``, ``serve``, ``ui`` and ``model-server``: report the setup and run the servers."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from assistant.cli_common import load_briefing, load_settings, print_report


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """status, serve, ui, model-server: report the setup and run the servers."""
    sub.add_parser("status", help="show engine, embedding model and index location")

    s = sub.add_parser("serve", help="serve the REST API (/api/v1) and the web UI to a team")
    s.add_argument(
        "--host",
        help="address to bind (default: BRIEFING_HOST, 127.0.0.1); off loopback BRIEFING_API_TOKEN is required",
    )
    s.add_argument("--port", type=int, help="port (default: BRIEFING_PORT, 7860)")
    s.add_argument("--no-ui", action="store_true", help="serve the REST API only")
    s.add_argument("--fd", type=int, help="serve on this inherited listening socket (socket activation)")

    s = sub.add_parser("ui", help="the chat workspace in the browser (ingests the sample corpus when empty)")
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; others need BRIEFING_UI_AUTH)",
    )
    s.add_argument("--port", type=int, default=7860, help="port (default 7860)")

    s = sub.add_parser(
        "model-server",
        help="serve the local model over llama.cpp's OpenAI-compatible API (for the openai engine)",
        description="Serve a local GGUF model (BRIEFING_LOCAL_MODEL) at http://HOST:PORT/v1 until Ctrl-C. "
        "Point the openai engine at it: BRIEFING_OPENAI_BASE_URL=http://HOST:PORT/v1.",
    )
    s.add_argument("--model", help="smollm2 | qwen-0.5b | qwen-1.5b | PATH.gguf (default: BRIEFING_LOCAL_MODEL)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")


def _cmd_status(args: argparse.Namespace) -> int:
    for key, value in load_briefing().status().model_dump().items():
        print(f"{key:<16} {value}")
    return 0


def _cmd_ui(args: argparse.Namespace) -> int:
    from ui.access import check_bind

    b = load_briefing()
    check_bind(b, args.host)  # off loopback without credentials: a one-line error before any work
    from ui.app import launch  # gradio loads here, not for other commands

    sample_if_empty(b)
    launch(b, args.host, args.port)
    return 0


def sample_if_empty(b: Any) -> Any:
    """Ingest the sample corpus, dated its day, when the index holds no document (the first run);
    the ``IngestReport``, or None when there were documents."""
    from assistant.briefing import SAMPLE_DIR, SAMPLE_PUBLISHED

    if b.documents():
        return None
    print(f"the index is empty: ingesting the sample corpus ({SAMPLE_DIR}, published {SAMPLE_PUBLISHED})", flush=True)
    report = b.ingest([str(SAMPLE_DIR)], published=SAMPLE_PUBLISHED)
    print_report(report)
    return report


def _cmd_model_server(args: argparse.Namespace) -> int:
    import signal
    import threading

    from assistant.engines.local import serve_model

    settings = load_briefing().settings
    model = args.model or settings.local_model
    server, base_url = serve_model(settings, host=args.host, port=args.port, model=model)
    print(f"serving {model} at {base_url}", flush=True)
    print(f"  use it: BRIEFING_ENGINE=openai BRIEFING_OPENAI_BASE_URL={base_url} BRIEFING_MODEL={model}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    print("model server stopped", file=sys.stderr)
    del server
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from assistant.server import serve

    serve(load_settings(), host=args.host, port=args.port, ui=not args.no_ui, fd=args.fd)
    return 0


COMMANDS = {
    "status": _cmd_status,
    "ui": _cmd_ui,
    "model-server": _cmd_model_server,
    "serve": _cmd_serve,
}
