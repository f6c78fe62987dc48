"""Question latency at scale: retrieval alone and retrieval + extractive answer, on 10k / 100k chunks.

For every backend (embedded Chroma, a `chroma run` server started here on 127.0.0.1) and size:

* build    -- a synthesised corpus written through the real store API (``Store.write_chunks`` and
              ``Store.commit`` per group of documents, the group size the ingest pipeline uses);
* first search -- the first ``Briefing.search`` after the index changed, which rebuilds the BM25
              keyword index from Chroma (reported apart from the steady-state latencies);
* search   -- p50 / p95 of ``Briefing.search(q, k=5)``;
* ask      -- p50 / p95 of ``Briefing.ask(q, engine="extractive")`` (retrieval + answer);
* peak RSS -- of the process doing the work (each configuration runs in its own child process, so
              the figure is per configuration) and, for the server, of the `chroma run` process.

The corpus: real news text (``../shared/eval/news/corpus.jsonl``, read only; the packaged sample
when absent) chunked with ``chunk_text``; ~3000 of those chunks are embedded for real once (the
vectors are cached beside the ONNX model), and N chunks are synthesised from them as documents of
10 chunks: text = a base chunk with its sentences shuffled plus a unique reference token (so BM25
sees distinct chunks), vector = the base vector plus gaussian noise, re-normalised.
Questions: ``news/questions.jsonl`` and ``seed_dev.jsonl`` (generated ones when absent); ``ask`` gets
each question's ``question_date`` as ``as_of`` (so "this week" filters by date as in the eval), while
``search`` runs unfiltered. Synthesised documents keep their base document's publication date.

With ``--clients N`` each configuration is then served by a `briefing serve` process over the same
index and loaded over HTTP by N concurrent clients (``bench/serving.py``): search and ask p50 / p95,
throughput, errors, and the server's peak RSS.

    .venv/bin/python bench/query.py                               # 10k and 100k, embedded and server
    .venv/bin/python bench/query.py --sizes 2000 --queries 5      # a quick check
    .venv/bin/python bench/query.py --sizes 100000 --clients 8    # + HTTP load, 8 concurrent clients
    .venv/bin/python bench/query.py --sizes 1000000 --backends server --clients 8
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np
import serving

from assistant import Briefing
from assistant.config import Settings
from index.chunking import chunk_text
from index.sentences import split_sentences
from index.types import Chunk, RawDocument

SHARED = ROOT.parent / "shared" / "eval"
NEWS = SHARED / "news" / "corpus.jsonl"
QUESTION_FILES = [SHARED / "news" / "questions.jsonl", SHARED / "seed_dev.jsonl"]
SAMPLE = ROOT / "assistant" / "sample"
CHUNKS_PER_DOC = 10
try:  # chunks per write/commit group, as the ingest pipeline does
    from index.pipeline import _GROUP_CHUNKS as GROUP_CHUNKS
except ImportError:  # pragma: no cover
    GROUP_CHUNKS = 1024
NOISE_SIGMA = 0.01  # per dimension; ~0.2 noise norm in 384 dims, cosine to the base ~0.98


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- inputs ----------------------------------------------------------------------------------------
def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def source_documents() -> tuple[str, list[RawDocument]]:
    if NEWS.is_file():
        recs = load_jsonl(NEWS)
        docs = [
            RawDocument(doc_id=str(r["id"]), text=r["text"], title=r.get("title") or "", source=r.get("source") or "news",
                        published=_day(r.get("published")))
            for r in recs
            if r.get("text")
        ]
        return str(NEWS), docs
    docs = [RawDocument(doc_id=p.stem, text=p.read_text(encoding="utf-8"), title=p.stem, source="sample")
            for p in sorted(SAMPLE.glob("*.txt"))]
    return str(SAMPLE), docs


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def load_questions(n: int) -> list[tuple[str, str | None]]:
    """(question, as-of date) pairs; the date resolves "this week" the way the eval does."""
    qs = [(r["question"], r.get("question_date")) for f in QUESTION_FILES if f.is_file() for r in load_jsonl(f)
          if r.get("question")]
    if not qs:
        rng = random.Random(3)
        topics = ["drones", "aid package", "election", "strike", "debate", "interest rates", "hurricane"]
        qs = [(f"What happened with the {rng.choice(topics)} {rng.choice(['recently', 'in November', 'so far'])}?",
               None) for _ in range(n)]
    return [qs[i % len(qs)] for i in range(n)]


def embed_text(doc: RawDocument, chunk: Chunk) -> str:
    try:  # what the ingest pipeline embeds (title prefix), so base vectors look like real ones
        from index.pipeline import _embed_text

        return _embed_text(doc, chunk)
    except ImportError:  # pragma: no cover
        return chunk.text


def build_base(work: Path, model_cache: Path, n_base: int) -> Path:
    """Chunk the real corpus, embed up to ``n_base`` chunks (cached), save them under ``work``."""
    where, docs = source_documents()
    settings = Settings(data_dir=work / "base", model_cache_dir=model_cache)
    link_models(settings)
    items = []
    for d in docs:
        for c in chunk_text(d.text, size=settings.chunk_tokens, overlap=settings.chunk_overlap,
                            encoding=settings.tokenizer):
            items.append((d, c))
    random.Random(11).shuffle(items)
    items = items[:n_base]
    texts = [embed_text(d, c) for d, c in items]
    b = Briefing(settings)
    key = hashlib.sha256(("\0".join(texts) + "\0" + b.embedder.name).encode()).hexdigest()[:16]
    cached = model_cache / f"bench-query-base-{key}.npy"
    if cached.is_file():
        vectors = np.load(cached)
        log(f"base: {len(items)} chunks of {where}; vectors from {cached}")
    else:
        t0 = time.perf_counter()
        vectors = b.embedder.embed(texts)
        log(f"base: embedded {len(items)} chunks of {where} in {time.perf_counter() - t0:.1f} s ({b.embedder.name})")
        np.save(cached, vectors)
    out = work / "base.json"
    out.write_text(json.dumps({
        "corpus": where,
        "embedder": b.embedder.name,
        "chunks": [{"text": c.text, "n_tokens": c.n_tokens, "title": d.title, "source": d.source,
                    "published": d.published.isoformat() if d.published else None} for d, c in items],
    }))
    np.save(work / "base.npy", vectors.astype(np.float32))
    return out


def link_models(settings: Settings) -> None:
    """Point ``data_dir/models`` at the persistent cache, so no configuration exports ONNX again.

    (The embedder may cache under ``data_dir/models`` rather than ``settings.models_dir``.)
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    link = settings.data_dir / "models"
    if settings.model_cache_dir and not link.exists():
        settings.model_cache_dir.mkdir(parents=True, exist_ok=True)
        link.symlink_to(settings.model_cache_dir.resolve(), target_is_directory=True)


# -- the Chroma server -----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    def __init__(self, folder: Path) -> None:
        exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
        if exe is None:
            raise SystemExit("the `chroma` command (from the chromadb package) is not installed")
        import httpx

        folder.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.log_path = folder / "server.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(folder / "db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=self._log, stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"chroma run did not start: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.2)

    def peak_rss_mb(self) -> float | None:
        """Peak RSS (VmHWM) of the server and its child processes, MB."""
        total, seen = 0, False
        todo = [self.proc.pid]
        while todo:
            pid = todo.pop()
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
                        seen = True
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
        return total / 1024 if seen else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


# -- one configuration (runs in a child process) ----------------------------------------------------
def synthesise(base: dict, vectors: np.ndarray, n_chunks: int, seed: int):
    """Yield groups of (RawDocument, [Chunk], vectors) for ``n_chunks`` chunks, ~GROUP_CHUNKS per group."""
    rng = np.random.default_rng(seed)
    items = base["chunks"]
    sentences = [[c["text"][a:b] for a, b in split_sentences(c["text"])] for c in items]
    group: list = []
    in_group = 0
    made = 0
    i = 0
    while made < n_chunks:
        n = min(CHUNKS_PER_DOC, n_chunks - made)
        picks = rng.integers(0, len(items), size=n)
        texts = []
        for j, p in enumerate(picks):
            sents = sentences[p]
            order = rng.permutation(len(sents)) if len(sents) > 1 else [0]
            texts.append(" ".join(sents[k] for k in order) + f" (ref syn{i}c{j})")
        body, chunks, pos = "", [], 0
        for j, (p, t) in enumerate(zip(picks, texts)):
            if j:
                body += "\n\n"
                pos += 2
            chunks.append(Chunk(index=j, start=pos, end=pos + len(t), text=t, n_tokens=items[p]["n_tokens"] + 6))
            body += t
            pos += len(t)
        first = items[picks[0]]
        doc = RawDocument(
            doc_id=f"syn-{i}", text=body, title=f"{first['title']} ({i})", source=first["source"],
            published=_day(first["published"]), origin=f"synthetic#{i}",
        )
        vec = vectors[picks] + rng.normal(0.0, NOISE_SIGMA, size=(n, vectors.shape[1])).astype(np.float32)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        group.append((doc, chunks, vec.astype(np.float32)))
        in_group += n
        made += n
        i += 1
        if in_group >= GROUP_CHUNKS:
            yield group
            group, in_group = [], 0
    if group:
        yield group


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs) * 1000.0, q))


def run_config(cfg: dict) -> dict:
    work = Path(cfg["work"])
    base = json.loads((work / "base.json").read_text())
    vectors = np.load(work / "base.npy")
    data = Path(cfg["data_dir"])
    settings = Settings(
        data_dir=data, model_cache_dir=Path(cfg["model_cache"]), chroma_url=cfg["chroma_url"],
        collection=cfg["collection"],
    )
    link_models(settings)
    b = Briefing(settings)
    b.embedder.embed_query("warm up")  # model load is not query latency
    store = b.store
    out: dict = {"backend": cfg["backend"], "chunks": cfg["size"], "embedder": b.embedder.name}

    t_write = t_commit = 0.0
    t0 = last_log = time.perf_counter()
    docs = 0
    reused = cfg.get("reuse") and store.count_chunks() >= cfg["size"]
    groups = () if reused else synthesise(base, vectors, cfg["size"], seed=cfg["size"])
    if reused:
        out["reused"] = True
        log(f"{cfg['backend']} {cfg['size']}: reusing the {store.count_chunks()} chunks already stored")
    for group in groups:
        assert all(doc.text[c.start : c.end] == c.text for doc, chunks, _ in group for c in chunks)
        vecs = np.vstack([vec for _, _, vec in group])
        t1 = time.perf_counter()
        store.write_chunks([(doc, chunks) for doc, chunks, _ in group], vecs)
        t2 = time.perf_counter()
        store.commit([(doc, len(chunks)) for doc, chunks, _ in group], replaced=set())  # all new, as ingest says
        t3 = time.perf_counter()
        t_write += t2 - t1
        t_commit += t3 - t2
        docs += len(group)
        if t3 - last_log > 60:  # a long build says how far it got
            last_log = t3
            log(f"{cfg['backend']} {cfg['size']}: {docs * CHUNKS_PER_DOC} chunks in {t3 - t0:.0f} s, "
                f"load {os.getloadavg()[0]:.1f}")
        if cfg.get("build_limit_s") and t3 - t0 > cfg["build_limit_s"]:
            out["build_stopped"] = True  # measured on what was built so far
            log(f"{cfg['backend']} {cfg['size']}: build stopped at the {cfg['build_limit_s']} s limit")
            break
    out["build_s"] = time.perf_counter() - t0
    out["write_s"], out["commit_s"], out["documents"] = t_write, t_commit, docs
    out["stored_chunks"] = store.count_chunks()
    log(f"{cfg['backend']} {cfg['size']}: built in {out['build_s']:.1f} s "
        f"(write {t_write:.1f} s, commit {t_commit:.1f} s, synthesis the rest)")

    queries = cfg["queries"]
    out["loadavg_1m"] = [os.getloadavg()[0]]  # other work on the machine skews latencies: say how much
    t0 = time.perf_counter()
    hits = b.search(queries[0][0], k=5)
    out["first_search_s"] = time.perf_counter() - t0
    out["first_search_hits"] = len(hits)
    t0 = time.perf_counter()
    b.search(queries[0][0], k=5)
    out["second_search_s"] = time.perf_counter() - t0
    log(f"first search (keyword index rebuild) {out['first_search_s']:.2f} s; next {out['second_search_s']:.3f} s")

    times = []
    for q, _ in queries:
        t0 = time.perf_counter()
        b.search(q, k=5)
        times.append(time.perf_counter() - t0)
    out["search_ms"] = {"p50": pct(times, 50), "p95": pct(times, 95), "mean": float(np.mean(times) * 1000)}

    out["ask_ms"] = None
    out["ask_error"] = None
    try:
        t0 = time.perf_counter()
        b.ask(queries[0][0], engine="extractive", as_of=queries[0][1])  # warm-up: engine, spaCy and prompt loading
        out["ask_warmup_s"] = time.perf_counter() - t0
        times, abstained, no_passages, dated = [], 0, 0, 0
        for q, as_of in queries:
            t0 = time.perf_counter()
            ans = b.ask(q, engine="extractive", as_of=as_of)
            times.append(time.perf_counter() - t0)
            abstained += ans.abstained
            no_passages += not ans.passages
            dated += bool(ans.since or ans.until)
        out["ask_no_passages"], out["ask_time_filtered"] = no_passages, dated
        out["ask_ms"] = {"p50": pct(times, 50), "p95": pct(times, 95), "mean": float(np.mean(times) * 1000)}
        out["ask_abstained"] = abstained
    except Exception as exc:  # noqa: BLE001 - the engine may be unfinished: still report retrieval
        out["ask_error"] = f"{type(exc).__name__}: {exc}"[:300]
        log(f"ask failed: {out['ask_error']}")
    out["loadavg_1m"].append(os.getloadavg()[0])
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if cfg["chroma_url"] and not cfg.get("keep") and not cfg.get("reuse"):  # leave the server clean for the next configuration
        for name in (f"{settings.collection}_chunks", f"{settings.collection}_docs"):
            try:
                store.client.delete_collection(name)
            except Exception as exc:  # noqa: BLE001 - cleanup only; the server is stopped anyway
                log(f"could not delete {name}: {exc}")
    return out


# -- driver ----------------------------------------------------------------------------------------
def http_env(cfg: dict, model_cache: Path) -> dict[str, str]:
    """The settings of a `briefing serve` over the index a configuration built."""
    env = {"BRIEFING_DATA_DIR": cfg["data_dir"], "BRIEFING_MODEL_CACHE_DIR": str(model_cache),
           "BRIEFING_COLLECTION": cfg["collection"]}
    if cfg["chroma_url"]:
        env["BRIEFING_CHROMA_URL"] = cfg["chroma_url"]
    return env


def run_child(cfg: dict) -> dict:
    cfg_path = Path(cfg["work"]) / f"cfg-{cfg['backend']}-{cfg['size']}.json"
    res_path = cfg_path.with_suffix(".out.json")
    cfg_path.write_text(json.dumps(cfg))
    proc = subprocess.run([sys.executable, __file__, "--_child", str(cfg_path)], check=False)
    if proc.returncode != 0 or not res_path.is_file():
        return {"backend": cfg["backend"], "chunks": cfg["size"], "error": f"child exited {proc.returncode}"}
    return json.loads(res_path.read_text())


def fmt(r: dict) -> str:
    if "error" in r:
        return f"| {r['backend']} | {r['chunks']} | failed: {r['error']} | | | | | | |"
    ask = (f"{r['ask_ms']['p50']:.0f} / {r['ask_ms']['p95']:.0f} ({r['ask_abstained']} abstained)" if r.get("ask_ms")
           else f"n/a ({(r.get('ask_error') or '')[:60]})")
    server = f"{r['server_peak_rss_mb']:.0f}" if r.get("server_peak_rss_mb") else "-"
    chunks = (f"{r['stored_chunks']} of {r['chunks']} (build stopped)" if r.get("build_stopped")
              else str(r["chunks"]))
    build = ("reused" if r.get("reused")
             else f"{r['build_s']:.1f} (write {r['write_s']:.1f}, commit {r['commit_s']:.1f})")
    return (f"| {r['backend']} | {chunks} | {build} "
            f"| {r['first_search_s']:.2f} | {r['search_ms']['p50']:.0f} / {r['search_ms']['p95']:.0f} | {ask} "
            f"| {r['peak_rss_mb']:.0f} | {server} | {' → '.join(f'{x:.1f}' for x in r['loadavg_1m'])} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="chunk counts, comma-separated")
    ap.add_argument("--backends", default="embedded,server", help="embedded, server or both")
    ap.add_argument("--queries", type=int, default=30, help="timed questions per configuration")
    ap.add_argument("--base-chunks", type=int, default=3000, help="real chunks embedded for the synthesis")
    ap.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "briefing-bench-models",
                    help="persistent ONNX model (and base vector) cache")
    ap.add_argument("--clients", type=int, default=0, help="then load a `briefing serve` over HTTP with N clients")
    ap.add_argument("--per-client", type=int, default=10, help="requests per client and kind (search, ask)")
    ap.add_argument("--build-limit-s", type=float, help="stop building after this long; measure what was built")
    ap.add_argument("--reuse", type=Path, metavar="WORK",
                    help="work in this folder (created if absent) and keep it: a configuration whose index there "
                         "already holds its chunks is measured again without a rebuild")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args._child:
        cfg = json.loads(Path(args._child).read_text())
        result = run_config(cfg)
        Path(args._child).with_suffix(".out.json").write_text(json.dumps(result))
        return

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    backends = [s.strip() for s in args.backends.split(",") if s.strip()]
    if bad := set(backends) - {"embedded", "server"}:
        raise SystemExit(f"unknown backend(s): {', '.join(sorted(bad))}")
    if args.reuse:
        args.reuse.mkdir(parents=True, exist_ok=True)
    work = args.reuse or Path(tempfile.mkdtemp(prefix="bench-query-"))
    results = []
    try:
        build_base(work, args.model_cache, args.base_chunks)
        base_info = json.loads((work / "base.json").read_text())
        queries = load_questions(args.queries)
        for backend in backends:
            for size in sizes:
                tag = f"{backend}-{size}"
                server = ChromaServer(work / f"server-{tag}") if backend == "server" else None
                try:
                    cfg = {
                        "work": str(work), "backend": backend, "size": size, "queries": queries,
                        "data_dir": str(work / f"data-{tag}"), "model_cache": str(args.model_cache),
                        "chroma_url": server.url if server else None, "collection": f"bench_{tag.replace('-', '_')}",
                        "keep": args.clients > 0, "build_limit_s": args.build_limit_s, "reuse": bool(args.reuse),
                    }
                    log(f"{backend} {size}: start")
                    r = run_child(cfg)
                    if args.clients and "error" not in r:
                        log(f"{backend} {size}: HTTP load, {args.clients} clients")
                        r["http"] = serving.run_http(http_env(cfg, args.model_cache), queries, work, args.clients,
                                                     args.per_client)
                    if server:
                        r["server_peak_rss_mb"] = server.peak_rss_mb()
                    results.append(r)
                finally:
                    if server:
                        server.stop()
                    if not args.reuse:
                        shutil.rmtree(work / f"data-{tag}", ignore_errors=True)
                        shutil.rmtree(work / f"server-{tag}", ignore_errors=True)
        meta = {"corpus": base_info["corpus"], "base_chunks": len(base_info["chunks"]), "embedder": base_info["embedder"],
                "cpus": os.cpu_count(), "queries": len(queries), "chunks_per_doc": CHUNKS_PER_DOC}
        if args.json:
            print(json.dumps({**meta, "results": results}, indent=2))
            return
        print(f"corpus: {meta['base_chunks']} real chunks of {meta['corpus']}, synthesised into documents of "
              f"{CHUNKS_PER_DOC} chunks; {meta['queries']} questions; {meta['cpus']} CPUs; {meta['embedder']}\n")
        print("| backend | chunks | build s | keyword-index build s (first search) | search p50 / p95 ms "
              "| ask p50 / p95 ms | peak RSS MB (bench) | peak RSS MB (server) | load avg (queries) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in results:
            print(fmt(r))
        if args.clients:
            print(f"\nOver HTTP ({args.per_client} requests per client and kind):\n\n{serving.HTTP_HEADER}")
            for r in results:
                if "http" in r:
                    print(serving.fmt_http(r))
    finally:
        if not args.reuse:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
