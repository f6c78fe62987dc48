"""The workspace's named API endpoints, called the way scripts call them: through ``gradio_client``."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from assistant import Briefing

SEED_QUESTION = "How many of the drones launched at Kyiv were intercepted?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(seeded: Briefing):
    """The workspace over the seeded sample corpus on a free loopback port; yields its URL."""
    from ui.app import launch

    port = _free_port()
    demo = launch(seeded, port=port, block=False, say=lambda _line: None)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_ask_endpoint_returns_the_cited_answer(served: str) -> None:
    from gradio_client import Client

    client = Client(served, verbose=False)
    assert {"/ask", "/search", "/ingest"} <= set(
        client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    )
    result = client.predict(SEED_QUESTION, api_name="/ask")
    assert "39 of the 71" in result["answer"] and "[1]" in result["answer"]
    [cite] = [c for c in result["citations"] if c["n"] == 1]
    assert "39 of the 71" in cite["quote"] and cite["start"] < cite["end"] and not result["abstained"]


def test_ask_endpoint_refuses_bad_questions_with_the_reason(served: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(served, verbose=False)
    with pytest.raises(AppError, match="empty question"):
        client.predict("  ", api_name="/ask")
    with pytest.raises(AppError, match="question too long: 2001 characters > 2000 limit"):
        client.predict("x" * 2001, api_name="/ask")
    with pytest.raises(AppError, match="not a date"):
        client.predict(SEED_QUESTION, None, "last week", api_name="/ask")


def test_search_endpoint_returns_hits(served: str) -> None:
    from gradio_client import Client

    hits = Client(served, verbose=False).predict("drones intercepted over Kyiv", 3, api_name="/search")
    assert len(hits) == 3 and "doc_id" in hits[0] and hits[0]["start"] < hits[0]["end"]


def test_ingest_endpoint_reports_each_file(tmp_path: Path, make_settings) -> None:
    from gradio_client import Client, handle_file

    from ui.app import launch

    b = Briefing(make_settings())
    good, bad = tmp_path / "field-notes.txt", tmp_path / "empty.md"
    good.write_text("Field notes\n\nThe survey team counted 212 nesting terns on the island in May 2025.")
    bad.write_bytes(b"")
    port = _free_port()
    demo = launch(b, port=port, block=False, say=lambda _line: None)
    try:
        report = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            [handle_file(str(good)), handle_file(str(bad))], "", "", api_name="/ingest"
        )
    finally:
        demo.close()
    by_name = {i["origin"]: i for i in report["items"]}
    assert by_name["field-notes.txt"]["status"] == "added" and by_name["empty.md"]["reason"] == "empty file"
    assert [d.title for d in b.documents()] == ["Field notes"]


def test_credentials_from_settings_are_required(make_settings) -> None:
    import httpx
    from gradio_client import Client

    from ui.app import launch

    port = _free_port()
    demo = launch(
        Briefing(make_settings(ui_auth="analyst:s3cret")), port=port, block=False, say=lambda _line: None
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        assert httpx.get(url + "config").status_code == 401
        with pytest.raises(ValueError, match="(?i)login|auth|credentials"):
            Client(url, verbose=False, auth=("analyst", "wrong"))
        assert (
            "/ask"
            in Client(url, verbose=False, auth=("analyst", "s3cret")).view_api(
                print_info=False, return_format="dict"
            )["named_endpoints"]
        )
    finally:
        demo.close()
