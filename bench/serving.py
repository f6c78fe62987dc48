"""Load over HTTP for ``bench/query.py --clients N``: a `briefing serve` process over an index the bench
built, N client threads (``assistant.client.Client``) asking and searching at once.

Figures: the server's start-up (model, engine, store), its first search (the keyword index built from
Chroma), p50 / p95 / mean latency and throughput of search and ask under N concurrent clients, errors,
and the peak RSS of the server process (and of the `chroma run` server when there is one).
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the test suite's ServeProcess starts servers the same way

from live_server import ServeProcess

from assistant.client import Client


def peak_rss_mb(pid: int) -> float | None:
    """Peak RSS (VmHWM) of one process, MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000.0, q)) if xs else float("nan")


def hammer(url: str, queries: list[tuple[str, str | None]], kind: str, clients: int, per_client: int) -> dict:
    """``clients`` threads, each sending ``per_client`` requests back to back; latencies per request."""
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)

    def worker(n: int) -> None:
        with Client(url, timeout=600, retries=0) as c:
            start.wait()
            for i in range(per_client):
                q, as_of = queries[(n * per_client + i) % len(queries)]
                t0 = time.perf_counter()
                try:
                    if kind == "ask":
                        c.ask(q, engine="extractive", as_of=as_of)
                    else:
                        c.search(q, k=5)
                except Exception as exc:  # noqa: BLE001 - a failed request is a figure, not a crash
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}"[:200])
                    continue
                with lock:
                    times.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "requests": len(times),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "p50": _pct(times, 50),
        "p95": _pct(times, 95),
        "mean": float(np.mean(times) * 1000) if times else float("nan"),
        "per_s": len(times) / wall if wall else 0.0,
    }


def run_http(
    env: dict[str, str], queries: list[tuple[str, str | None]], work: Path, clients: int, per_client: int
) -> dict:
    """Start a server over the built index, warm it, load it with search then ask."""
    server = ServeProcess(env, work / "serve.log")
    try:
        t0 = time.perf_counter()
        with Client(server.url, timeout=1800, retries=0) as c:
            c.health()
            out: dict = {"clients": clients, "startup_s": time.perf_counter() - t0}
            t0 = time.perf_counter()
            c.search(queries[0][0], k=5)
            out["first_search_s"] = time.perf_counter() - t0
            c.ask(queries[0][0], engine="extractive", as_of=queries[0][1])  # engine warm-up
        out["search"] = hammer(server.url, queries, "search", clients, per_client)
        out["ask"] = hammer(server.url, queries, "ask", clients, per_client)
        out["server_peak_rss_mb"] = peak_rss_mb(server.proc.pid)
        return out
    except Exception as exc:  # noqa: BLE001 - report what was measured and why it stopped
        return {
            "clients": clients,
            "error": f"{type(exc).__name__}: {exc}"[:300],
            "log": server.log_path.read_text()[-1000:],
        }
    finally:
        server.stop()


def fmt_http(r: dict) -> str:
    h = r.get("http") or {}
    if "error" in h:
        return f"| {r['backend']} | {r['chunks']} | failed: {h['error']} | | | | |"
    s, a = h["search"], h["ask"]
    chunks = f"{r['stored_chunks']} (build stopped)" if r.get("build_stopped") else r["chunks"]
    chroma = f"{r['server_peak_rss_mb']:.0f}" if r.get("server_peak_rss_mb") else "-"
    return (
        f"| {r['backend']} | {chunks} | {h['clients']} | {h['startup_s']:.1f} / {h['first_search_s']:.1f} "
        f"| {s['p50']:.0f} / {s['p95']:.0f} ({s['per_s']:.1f}/s, {s['errors']} errors) "
        f"| {a['p50']:.0f} / {a['p95']:.0f} ({a['per_s']:.1f}/s, {a['errors']} errors) "
        f"| {h['server_peak_rss_mb']:.0f} / {chroma} |"
    )


HTTP_HEADER = (
    "| backend | chunks | clients | server start / first search s | search p50 / p95 ms (throughput) "
    "| ask p50 / p95 ms (throughput) | peak RSS MB (briefing serve / chroma) |\n|---|---|---|---|---|---|---|"
)
