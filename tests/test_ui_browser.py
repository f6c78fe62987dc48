"""The workspace in a real browser: headless Chromium (Debian ``chromium``) driven by Playwright.

In CI (``CI`` set) a missing browser or Playwright fails the test; elsewhere it skips with the reason.
Screenshots go to the test's temporary output folder.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from assistant import Briefing
from assistant.config import Settings

CHROMIUM = os.environ.get("BRIEFING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SAMPLE = Path(__file__).resolve().parent.parent / "assistant" / "sample"
SAMPLE_DAY = "2024-11-02"
SEED_QUESTION = "How many of the drones launched at Kyiv were intercepted?"
HOSTILE_TITLE = '<script>alert("title")</script> Port Veldin harbour report'
HOSTILE_TEXT = (
    f"{HOSTILE_TITLE}\n\n"
    'The harbour master of Port Veldin said <script>alert("body")</script> that 14 cargo ships were delayed '
    "by the storm on Tuesday. <img src=x onerror=\"alert('img')\"> Repairs to the northern pier of "
    "Port Veldin will cost ${alert(2)} {{constructor}} 2 million euros, the council said.\n"
)
TIMEOUT_MS = 120_000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium through Playwright (no browser download)."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed (pip install playwright)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, model_cache: Path):
    """The workspace on a free loopback port over the sample corpus and a hostile document."""
    from ui.app import launch

    root = tmp_path_factory.mktemp("ui-browser")
    b = Briefing(Settings(data_dir=root / "data", model_cache_dir=model_cache))
    hostile = root / "docs" / "veldin.txt"
    hostile.parent.mkdir()
    hostile.write_text(HOSTILE_TEXT, encoding="utf-8")
    assert b.ingest([str(SAMPLE)], published=SAMPLE_DAY).ok and b.ingest([str(hostile)]).ok
    port = _free_port()
    demo = launch(b, port=port, block=False, say=lambda _line: None)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture
def page(browser, app_url: str, tmp_path: Path):
    """A 1280x800 page on the workspace; records any JS dialog; saves a screenshot at the end."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(app_url)
    pg.wait_for_selector("#bf-question textarea")
    yield pg
    pg.screenshot(path=str(tmp_path / "final.png"))
    context.close()


def _wait_for_text(pg, selector: str, text: str) -> None:
    """Wait until the element's rendered text contains ``text`` (tables keep hidden copies of cells)."""
    pg.wait_for_function(
        "([sel, text]) => (document.querySelector(sel)?.innerText || '').includes(text)", arg=[selector, text]
    )


def _ask(pg, question: str) -> None:
    """Type a question, record every state the conversation pane shows, and wait for the answer."""
    pg.evaluate(
        """() => {
          window.bfSeen = [];
          const pane = document.querySelector('#bf-conversation');
          new MutationObserver(() => window.bfSeen.push(pane.innerText))
            .observe(pane, {subtree: true, childList: true, characterData: true});
        }"""
    )
    before = pg.locator("#bf-conversation .bf-turn").count()
    pg.fill("#bf-question textarea", question)
    pg.click("#bf-ask")
    pg.wait_for_function(
        "n => { const t = document.querySelectorAll('#bf-conversation .bf-turn'); "
        "return t.length > n && t[t.length - 1].querySelector('.foot, .bf-error'); }",
        arg=before,
    )


def test_seed_question_streams_a_cited_answer_and_opens_the_passage(page, tmp_path: Path) -> None:
    _ask(page, SEED_QUESTION)
    seen = page.evaluate("window.bfSeen")
    assert any("Searching the library" in s for s in seen), seen  # the search step was shown
    assert any("Found 5 passages" in s for s in seen), seen  # then the passages found
    answer = page.locator("#bf-conversation .bf-turn").last
    assert "39 of the 71" in answer.inner_text()
    answer.locator("button.cite[data-n='1']").first.click()
    evidence = page.locator("#bf-panel mark.evidence")
    evidence.wait_for()
    assert "39 of the 71" in evidence.inner_text()
    assert "39 of the 71" in page.locator("#bf-panel mark.passage").inner_text()
    assert "supported" in page.locator("#bf-panel .verdicts").inner_text()
    assert evidence.is_visible()  # scrolled into view inside the document
    page.screenshot(path=str(tmp_path / "chat-citation.png"))


def test_document_with_script_is_shown_as_text(page, tmp_path: Path) -> None:
    _ask(page, "How many cargo ships were delayed in Port Veldin?")
    turn = page.locator("#bf-conversation .bf-turn").last
    assert '<script>alert("body")</script>' in turn.inner_text()
    turn.locator("button.cite").first.click()
    page.locator("#bf-panel mark.passage").wait_for()
    panel = page.locator("#bf-panel").inner_text()
    assert (
        HOSTILE_TITLE in panel and "<img src=x onerror=\"alert('img')\">" in panel and "${alert(2)}" in panel
    )
    assert (
        page.locator("#bf-conversation script, #bf-conversation img, #bf-panel script, #bf-panel img").count()
        == 0
    )
    page.get_by_role("tab", name="Library").click()
    _wait_for_text(page, "#bf-docs", HOSTILE_TITLE)
    assert page.locator("#bf-docs img, #bf-docs script").count() == 0
    page.screenshot(path=str(tmp_path / "hostile.png"))
    assert page.dialogs == []


def test_empty_question_gets_a_message_not_a_turn(page) -> None:
    page.click("#bf-ask")
    _wait_for_text(page, "#bf-notice", "empty question")
    assert page.locator("#bf-conversation .bf-turn").count() == 0


def test_upload_a_file_and_find_it_listed(page, tmp_path: Path) -> None:
    note = tmp_path / "tern survey.md"
    note.write_text(
        "# Tern survey 2025\n\nThe survey team counted 212 nesting terns on Gull Island in May 2025.\n"
    )
    empty = tmp_path / "blank.txt"
    empty.write_bytes(b"")
    page.get_by_role("tab", name="Library").click()
    _wait_for_text(page, "#bf-docs", "The conflict in Ukraine")
    page.locator("input[type=file]").first.set_input_files([str(note), str(empty)])
    page.locator("#bf-add").click()
    report = page.locator("#bf-report")
    _wait_for_text(page, "#bf-report", "tern survey.md")
    rows = {r.split("\t")[0]: r for r in report.locator("tbody tr").all_inner_texts()}
    assert "added" in rows["tern survey.md"] and "empty file" in rows["blank.txt"]
    _wait_for_text(page, "#bf-docs", "Tern survey 2025")
    page.screenshot(path=str(tmp_path / "library.png"))


def test_draft_a_brief_of_a_day_with_cited_points(page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Briefs").click()
    page.locator("#bf-brief-draft").click()  # no day given: yesterday, when nothing was published
    _wait_for_text(page, "#bf-brief-notice", "no documents between")
    page.locator("#bf-brief-day input").first.fill(SAMPLE_DAY)
    page.locator("#bf-brief-draft").click()
    _wait_for_text(page, "#bf-brief", "Key figures")
    brief = page.locator("#bf-brief")
    text = brief.inner_text()
    assert f"Brief: {SAMPLE_DAY}" in text and "$425 million" in text and "Sources" in text
    cite = brief.locator("a.cite").first
    assert cite.get_attribute("href") == "#src-1" and cite.get_attribute("title")  # the passage on hover
    _wait_for_text(page, "#bf-brief-notice", "Drafted and stored")
    assert page.locator("#bf-brief script, #bf-brief img").count() == 0
    page.screenshot(path=str(tmp_path / "brief.png"), full_page=True)
    assert page.dialogs == []
