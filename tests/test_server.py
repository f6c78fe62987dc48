"""The REST server and the Python client, end to end on a real uvicorn server on loopback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from conftest import ROOT, SAMPLE
from live_server import LiveServer, Site

from assistant import Briefing
from assistant.cli import main
from assistant.client import Client
from assistant.config import Settings, is_loopback
from assistant.errors import AuthError, ConfigError, InputError, NotFoundError, ServerError, StoreError
from assistant.server import create_app, mount_ui
from assistant.types import Answer, AnswerDelta, Retrieved

TOKEN = "test-token-for-the-suite"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
QUESTION = "How many of the drones launched at Kyiv were intercepted?"
STARTUP_S = 300  # a server's start-up (model load) on a busy machine, for the first request's timeout


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[tuple[str, Briefing]]:
    """A server over the sample corpus with a token and small limits (0.5 MB uploads, 64 KB bodies,
    briefs of 300 words)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("served"),
        model_cache_dir=model_cache,
        api_token=TOKEN,
        max_file_mb=0.5,
        max_request_kb=64,
        http_timeout_s=5,
        brief_max_words=300,
    )
    b = Briefing(settings)
    assert b.ingest([str(SAMPLE)]).ok
    with LiveServer(create_app(b, settings)) as srv:
        yield srv.url, b


@pytest.fixture
def client(service: tuple[str, Briefing]) -> Iterator[Client]:
    with Client(service[0], token=TOKEN) as c:
        yield c


def up(url: str) -> bool:
    return httpx.get(f"{url}/healthz").json() == {"status": "ok"}


def test_search_retrieve_and_ask_over_http_equal_the_in_process_results(
    service: tuple[str, Briefing], client: Client
) -> None:
    _, b = service
    assert client.search("drones intercepted over Kyiv", k=3) == b.search("drones intercepted over Kyiv", k=3)
    assert client.search("aid package", sources=["nowhere"]) == []
    assert client.retrieve(QUESTION) == b.retrieve(QUESTION)
    remote, local = client.ask(QUESTION), b.ask(QUESTION)
    assert "39" in remote.answer and remote.citations
    assert (remote.answer, remote.citations, remote.abstained) == (
        local.answer,
        local.citations,
        local.abstained,
    )
    follow = client.ask(
        "And how many were launched?",
        history=[{"role": "user", "content": QUESTION}, {"role": "assistant", "content": remote.answer}],
    )
    assert isinstance(follow, Answer) and follow.standalone_question


def test_stream_sends_deltas_then_the_verified_answer(client: Client) -> None:
    events = list(client.stream(QUESTION))
    assert events and all(isinstance(e, AnswerDelta) for e in events[:-1]) and len(events) >= 2
    final = events[-1]
    assert isinstance(final, Answer) and "39" in final.answer
    assert final.answer == client.ask(QUESTION).answer
    steps = list(client.stream(QUESTION, steps=True))
    assert isinstance(steps[0], Retrieved) and steps[0].passages == client.retrieve(QUESTION)
    assert isinstance(steps[-1], Answer) and steps[-1].answer == final.answer


def test_stream_wire_format_is_server_sent_events(service: tuple[str, Briefing]) -> None:
    url, _ = service
    with httpx.stream("POST", f"{url}/api/v1/ask/stream", json={"question": QUESTION}, headers=AUTH) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = r.read().decode()
    assert "event: delta\ndata: {" in text and "event: answer\ndata: {" in text
    # Bad arguments are refused before the stream starts: a 4xx, not an error event.
    bad = httpx.post(
        f"{url}/api/v1/ask/stream",
        json={"question": "q", "since": "2024-10-10", "until": "2024-10-01"},
        headers=AUTH,
    )
    assert bad.status_code == 422 and "is after" in bad.json()["error"]["message"]


def test_ingest_list_show_and_remove_documents(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    (folder / "sub").mkdir(parents=True)
    (folder / "harbour.txt").write_text(
        "Quillfeather harbour reopened on Monday after the storm. Ferries resumed."
    )
    (folder / "sub" / "dam.md").write_text(
        "# Dam report\n\nEngineers inspected the Verrow dam and found two cracks."
    )
    (folder / "sub" / "blob.txt").write_bytes(b"\x00\x01binary" * 20)
    report = client.ingest([str(folder), str(tmp_path / "missing.txt")], source="desk")
    status = {Path(i.origin).name: i.status for i in report.items}
    assert status == {
        "missing.txt": "failed",
        "harbour.txt": "added",
        "dam.md": "added",
        "blob.txt": "failed",
    }
    assert next(i.reason for i in report.items if i.origin.endswith("blob.txt")) == "binary file, not text"
    added = {Path(i.origin).name: i.doc_id for i in report.items if i.status == "added"}
    docs = {d.doc_id: d for d in client.documents()}
    assert docs[added["harbour.txt"]].source == "desk"
    shown = client.document(added["dam.md"])
    assert shown.info.title == "Dam report" and "two cracks" in shown.text
    assert client.search("Verrow dam cracks", k=1)[0].doc_id == added["dam.md"]
    again = client.ingest([str(folder / "harbour.txt")])
    assert [i.status for i in again.items] == ["unchanged"]
    client.remove(added["dam.md"])
    with pytest.raises(NotFoundError, match="no document"):
        client.document(added["dam.md"])
    with pytest.raises(NotFoundError):
        client.remove(added["dam.md"])
    assert all(h.doc_id != added["dam.md"] for h in client.search("Verrow dam cracks"))
    client.remove(added["harbour.txt"])


def test_upload_names_cannot_leave_the_uploads_folder(service: tuple[str, Briefing]) -> None:
    url, b = service
    files = [
        ("files", ("../../escape.txt", b"The Ostrel bridge closed for repairs on Friday.", "text/plain")),
        ("files", ("/etc/passwd.txt", b"The Ostrel ferry doubled its crossings.", "text/plain")),
        ("files", ("...", b"nothing", "text/plain")),
        ("files", ("notes.txt", b"The Ostrel ferry stopped for the winter.", "text/plain")),
        ("files", ("notes.txt", b"The Ostrel bridge reopened in March.", "text/plain")),
    ]
    r = httpx.post(f"{url}/api/v1/ingest", files=files, headers=AUTH)
    assert r.status_code == 200
    items = r.json()["items"]
    assert [(i["origin"], i["status"]) for i in items] == [
        ("../../escape.txt", "failed"),
        ("/etc/passwd.txt", "failed"),
        ("...", "failed"),
        ("notes.txt", "added"),
        ("notes.txt", "added"),  # the same name twice in one request: both kept
    ]
    assert "path parts" in items[0]["reason"] and "path parts" in items[1]["reason"]
    uploads = b.settings.data_dir / "uploads"
    assert {"notes.txt", "notes-2.txt"} <= {p.name for p in uploads.iterdir()}
    assert not (b.settings.data_dir.parent / "escape.txt").exists()
    for i in items[3:]:
        b.remove(i["doc_id"])
    assert not {"notes.txt", "notes-2.txt"} & {p.name for p in uploads.iterdir()}  # copies go too


def test_ingest_urls_fetches_pages_and_feeds(client: Client) -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
    <item><title>Grain convoy</title><link>http://example.org/g</link><guid>g1</guid>
    <description>A grain convoy of forty trucks reached Lornbay on Sunday.</description></item>
    </channel></rss>"""
    page = b"<html><head><title>Port</title></head><body><p>The port of Lornbay expanded its docks.</p></body></html>"
    routes = {("GET", "/feed"): (200, "application/rss+xml", rss), ("GET", "/page"): (200, "text/html", page)}
    with Site(routes) as site:
        report = client.ingest([f"{site.url}/feed", f"{site.url}/page", f"{site.url}/gone"])
    items = {i.origin.removeprefix(site.url): i for i in report.items}
    assert {origin: i.status for origin, i in items.items()} == {
        "/feed#1": "added",
        "/page": "added",
        "/gone": "failed",
    }
    assert items["/gone"].reason == "HTTP 404 from URL"
    assert client.search("grain convoy Lornbay", k=1)[0].title == "Grain convoy"
    for origin in ("/feed#1", "/page"):
        client.remove(items[origin].doc_id)


def test_missing_or_wrong_token_is_refused_with_401(service: tuple[str, Briefing]) -> None:
    url, _ = service
    r = httpx.get(f"{url}/api/v1/documents")
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"] == {
        "type": "AuthError",
        "message": "this server requires a token: send 'Authorization: Bearer <BRIEFING_API_TOKEN>'",
    }
    r = httpx.post(f"{url}/api/v1/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and "wrong bearer token" in r.json()["error"]["message"]
    with Client(url, token="nope") as c, pytest.raises(AuthError, match="wrong bearer token"):
        c.search("drones")
    with Client(url) as c, pytest.raises(AuthError, match="requires a token"):
        c.documents()
    assert up(url) and httpx.get(f"{url}/readyz").status_code == 200  # probes need no token


def test_oversized_upload_and_bodies_get_413_and_the_server_stays_up(
    service: tuple[str, Briefing], client: Client, tmp_path: Path
) -> None:
    url, _ = service
    big = b"word " * 120_000  # 0.6 MB > 0.5 MB
    r = httpx.post(f"{url}/api/v1/ingest", files=[("files", ("big.txt", big, "text/plain"))], headers=AUTH)
    assert r.status_code == 413 and r.json()["error"]["type"] == "TooLargeError"
    assert "BRIEFING_MAX_FILE_MB" in r.json()["error"]["message"]
    assert up(url)
    r = httpx.post(f"{url}/api/v1/ask", json={"question": "x" * 70_000}, headers=AUTH)
    assert r.status_code == 413 and "BRIEFING_MAX_REQUEST_KB" in r.json()["error"]["message"]
    assert up(url)
    chunked = (b"x" * 8192 for _ in range(10))  # no Content-Length: counted while read
    r = httpx.post(f"{url}/api/v1/ask", content=chunked, headers={**AUTH, "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "TooLargeError"
    assert up(url)
    (tmp_path / "big.txt").write_bytes(big)  # the client reports it like Briefing.ingest does
    report = client.ingest([str(tmp_path / "big.txt")])
    assert report.items[0].status == "failed" and "too large" in report.items[0].reason
    assert up(url)


def test_bad_json_and_invalid_requests_get_clear_4xx(service: tuple[str, Briefing], client: Client) -> None:
    url, _ = service
    headers = {**AUTH, "content-type": "application/json"}
    r = httpx.post(f"{url}/api/v1/ask", content=b'{"question": "drones', headers=headers)
    assert r.status_code == 400 and r.json()["error"]["type"] == "BadRequest"
    assert r.json()["error"]["message"].startswith("the body is not valid JSON")
    r = httpx.post(f"{url}/api/v1/ask", json={"question": QUESTION, "k": 0, "engine": "gpt"}, headers=AUTH)
    assert r.status_code == 422 and r.json()["error"]["type"] == "InputError"
    assert "k: Input should be greater than or equal to 1" in r.json()["error"]["message"]
    r = httpx.post(f"{url}/api/v1/ingest/urls", json={"urls": ["/etc/passwd"]}, headers=AUTH)
    assert r.status_code == 422  # only http(s) URLs: the server never reads its own files for a client
    with pytest.raises(InputError, match="question too long: 2500 characters > 2000 limit"):
        client.ask("why? " * 500)
    with pytest.raises(InputError, match="empty question"):
        client.ask("   ")
    with pytest.raises(InputError, match="since 2024-10-10 is after until 2024-10-01"):
        client.search("drones", since="2024-10-10", until="2024-10-01")
    with pytest.raises(InputError, match="invalid argument k"):
        client.ask(QUESTION, k=-1)  # refused by the client before sending
    with pytest.raises(InputError, match="invalid argument sorces"):
        client.ask(QUESTION, sorces=["wire"])  # a misspelt argument is not ignored
    r = httpx.get(f"{url}/api/v1/nowhere", headers=AUTH)
    assert r.status_code == 404 and r.json()["error"]["type"] == "NotFoundError"
    assert up(url)


def test_asks_during_an_ingest_never_fail_nor_see_half_a_document(client: Client, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    sentence = "Inspectors in Brackwater counted {n} damaged barges after the tide surge on the estuary. "
    for i in range(24):
        (folder / f"report-{i}.txt").write_text("".join(sentence.format(n=i + j) for j in range(30)))
    done = threading.Event()
    reports = []

    def ingest() -> None:
        try:
            reports.append(client.ingest([str(folder)]))
        finally:
            done.set()

    worker = threading.Thread(target=ingest)
    worker.start()
    during = 0
    while not done.is_set():
        answer = client.ask("How many damaged barges were counted in Brackwater?")
        for hit in [*answer.passages, *client.search("Brackwater barges tide surge")]:
            doc = client.document(hit.doc_id)  # a document found is a committed document ...
            assert doc.text[hit.start : hit.end] == hit.text  # ... whose chunks match its text
        during += not done.is_set()
    worker.join()
    assert during >= 1, "no ask overlapped the ingest"
    assert [i.status for i in reports[0].items] == ["added"] * 24
    assert client.search("Brackwater barges", k=1)[0].title.startswith("Inspectors in Brackwater")
    for item in reports[0].items:
        client.remove(item.doc_id)


def test_health_readiness_status_and_openapi(service: tuple[str, Briefing], client: Client) -> None:
    url, b = service
    assert client.health().status == "ok"
    ready = client.ready()
    assert ready.ready and ready.model == b.embedder.name and "embedded Chroma" in ready.index
    status = client.status()
    assert (status.documents, status.engine) == (b.status().documents, "extractive")
    assert status.background.watch_paths == [] and status.background.last_scan is None
    spec = httpx.get(f"{url}/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/v1/ask",
        "/api/v1/ask/stream",
        "/api/v1/search",
        "/api/v1/retrieve",
        "/api/v1/ingest",
    } <= paths
    assert {
        "/api/v1/ingest/urls",
        "/api/v1/documents",
        "/api/v1/documents/{doc_id}",
        "/api/v1/status",
    } <= paths
    assert spec["paths"]["/api/v1/ask"]["post"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Answer"}
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_client_retries_read_only_calls_and_never_repeats_writes() -> None:
    unavailable = (
        503,
        "application/json",
        json.dumps({"error": {"type": "StoreError", "message": "down"}}).encode(),
    )
    routes = {
        ("GET", "/api/v1/documents"): [unavailable, unavailable, (200, "application/json", b"[]")],
        ("POST", "/api/v1/ingest/urls"): unavailable,
        ("GET", "/api/v1/status"): unavailable,
    }
    with Site(routes) as site, Client(site.url, retries=2, backoff_s=0) as c:
        assert c.documents() == []
        assert site.hits[("GET", "/api/v1/documents")] == 3
        with pytest.raises(StoreError, match="down"):
            c.ingest(["http://example.org/feed"])
        assert site.hits[("POST", "/api/v1/ingest/urls")] == 1  # a write is not repeated
        with pytest.raises(StoreError):
            c.status()
        assert site.hits[("GET", "/api/v1/status")] == 3
        closed = site.url
    with Client(closed, retries=1, backoff_s=0) as c:
        with pytest.raises(ServerError, match="cannot reach the Briefing server"):
            c.remove("x")
        with pytest.raises(ServerError, match="the answer stream from .* failed: ConnectError"):
            list(c.stream(QUESTION))


def test_serve_refuses_to_bind_off_loopback_without_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == "error: refusing to serve on 0.0.0.0 without a token: set BRIEFING_API_TOKEN, or bind 127.0.0.1\n"
    )
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.5") and not is_loopback("example.org")


def test_the_readme_client_example_works_as_written(tmp_path: Path, model_cache: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(from assistant\.client import Client\n.*?)```", readme, re.DOTALL).group(1)
    token, port = re.search(r"BRIEFING_API_TOKEN=(\S+) briefing serve --port (\d+)", readme).groups()
    settings = Settings(data_dir=tmp_path / "data", model_cache_dir=model_cache, api_token=token)
    with LiveServer(create_app(Briefing(settings), settings, background=False)) as srv:
        run = subprocess.run(  # in its own process, from the repository root as the README says
            [sys.executable, "-c", code.replace(f"http://127.0.0.1:{port}", srv.url)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert run.returncode == 0, run.stderr
    out = run.stdout.splitlines()
    assert "39 of the 71 drones" in out[0] and out[1].startswith("[1] The conflict in Ukraine")
    assert out[-2:] == ["Answer", "1 documents"] and "AnswerDelta" in out


def test_the_workspace_is_served_at_the_root_beside_the_api(
    make_settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings()
    b = Briefing(settings)
    with pytest.raises(ConfigError, match="without credentials: set BRIEFING_UI_AUTH"):
        mount_ui(create_app(b, settings, background=False), b, host="0.0.0.0")
    guarded = Briefing(make_settings(ui_auth="ana:s3cret"))
    assert mount_ui(create_app(guarded, guarded.settings, background=False), guarded, host="0.0.0.0")
    app = create_app(b, settings, background=False)
    assert mount_ui(app, b)
    with LiveServer(app) as srv:
        page = httpx.get(f"{srv.url}/", follow_redirects=True, timeout=STARTUP_S)
        assert page.status_code == 200 and "Published from" in page.text  # the workspace's own layout
        assert httpx.get(f"{srv.url}/api/v1/status").json()["engine"] == "extractive"
    monkeypatch.setitem(sys.modules, "ui.app", None)  # a build without the workspace: / leads to the docs
    bare = create_app(b, settings, background=False)
    assert not mount_ui(bare, b)
    with LiveServer(bare) as srv:
        root = httpx.get(f"{srv.url}/", follow_redirects=False, timeout=STARTUP_S)
        assert root.headers["location"] == "/api/v1/docs"


def test_briefs_over_http_are_drafted_stored_listed_and_reopened(
    service: tuple[str, Briefing], client: Client
) -> None:
    day = service[1].documents()[0].published
    brief = client.brief(date=day, as_of=day)
    assert brief.id and (brief.since, brief.until) == (day, day)
    assert brief.max_words == 300 >= brief.words  # the server's default length, not a fixed one
    for words in (0, 5001):
        with pytest.raises(InputError, match="max_words"):
            client.brief(date=day, as_of=day, max_words=words)
    assert brief.key_figures and all(f.citation.quote for f in brief.key_figures)
    assert brief.id in [i.id for i in client.briefs()]
    assert client.get_brief(brief.id).model_dump() == brief.model_dump()
    with pytest.raises(NotFoundError):
        client.get_brief("no-such-brief")
    with pytest.raises(NotFoundError, match="no documents between"):
        client.brief(date="1990-01-01", as_of="1990-01-02")
    for kwargs, said in [  # 422 with the period's own words, as the CLI and the API say it
        ({"since": day, "until": day - timedelta(days=1), "as_of": day}, f"since {day} is after until"),
        ({"date": day, "as_of": day - timedelta(days=1)}, f"the period ends {day}, after the as-of date"),
    ]:
        with pytest.raises(InputError, match=said):
            client.brief(**kwargs)
    assert up(service[0])
