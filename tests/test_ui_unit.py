"""The workspace's parts without a browser: escaping, upload names, question limits, handlers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant import Briefing
from assistant.errors import BriefingError, ConfigError, LoadError
from assistant.types import (
    Answer,
    AnswerDelta,
    Citation,
    DocumentInfo,
    DocumentText,
    Hit,
    Retrieved,
    SentenceVerdict,
)
from ui import library, render
from ui.render import Exchange

HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)"> ${alert(2)} {{constructor}} `tick`'
SEED_QUESTION = "How many of the drones launched at Kyiv were intercepted?"


def _no_markup_from(text_html: str) -> None:
    assert "<script" not in text_html and "<img" not in text_html
    assert "${" not in text_html and "{{" not in text_html and "`" not in text_html


def _answer(text: str, **kw) -> Answer:
    c = Citation(
        n=1, doc_id="d1", title=HOSTILE, source="<b>wire</b>", start=4, end=30, quote="x" * 26,
        evidence_start=10, evidence_end=20, published=date(2024, 11, 2), published_inferred=True,
    )  # fmt: skip
    return Answer(question=HOSTILE, answer=text, citations=[c], engine="extractive", **kw)


# ----------------------------------------------------------------------------- rendering


def test_conversation_html_escapes_questions_answers_titles_and_sources() -> None:
    x = Exchange(question=HOSTILE, answer=_answer(f"{HOSTILE} is what it says [1]."))
    out = render.conversation_html([x])
    _no_markup_from(out)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert "&lt;b&gt;wire&lt;/b&gt;" in out and "2024-11-02 (date inferred)" in out


def test_citation_markers_become_buttons_only_for_real_citations() -> None:
    out = render.conversation_html([Exchange(question="q", answer=_answer("Said [1]. Not cited [7]."))])
    assert re.search(r'<button class="cite"[^>]*data-turn="0" data-n="1"[^>]*>\[1\]</button>', out)
    assert "Not cited [7]." in out and 'data-n="7"' not in out


def test_streaming_steps_show_search_then_passages_then_draft() -> None:
    hit = Hit(chunk_id="c", doc_id="d", text="t", start=0, end=1, score=1.0, title="<i>T</i>", source="s")
    assert "Searching the library" in render.conversation_html([Exchange(question="q")])
    found = render.conversation_html([Exchange(question="q", passages=[hit], draft="So <far>")])
    assert "Found 1 passage;" in found and "&lt;i&gt;T&lt;/i&gt;" in found and "So &lt;far&gt;" in found


def test_abstention_is_marked_and_lists_closest_passages() -> None:
    hit = Hit(
        chunk_id="c", doc_id="d", text="Closest text", start=0, end=12, score=0.1, title="Near", source="s"
    )
    a = Answer(
        question="q", answer="The indexed sources do not say.", abstained=True, engine="e", passages=[hit]
    )
    out = render.conversation_html([Exchange(question="q", answer=a)])
    assert "No answer in the sources" in out and "bf-abstained" in out and "Closest text" in out


def test_citation_panel_highlights_passage_and_evidence_inside_escaped_document() -> None:
    text = "<p>Intro.</p> The drones: 39 of the 71 were <b>intercepted</b>. After."
    start, end = text.index("The drones"), text.index(" After")
    ev_start = text.index("39")
    c = Citation(
        n=1, doc_id="d", title="T", source="s", url="javascript:alert(1)", start=start, end=end,
        quote=text[start:end], evidence_start=ev_start, evidence_end=end,
    )  # fmt: skip
    info = DocumentInfo(
        doc_id="d", ingested_at="2024-11-02T00:00:00", content_hash="h", n_chunks=1, n_chars=len(text)
    )
    verdicts = [
        SentenceVerdict(sentence="A <b>.", supported=True, action="kept"),
        SentenceVerdict(sentence="B.", supported=True, action="recited"),
        SentenceVerdict(sentence="C.", supported=False, action="removed"),
    ]
    out = render.citation_html("[1]", c, DocumentText(info=info, text=text), verdicts)
    assert (
        '<mark class="passage">The drones: <mark class="evidence">39 of the 71 were &lt;b&gt;intercepted&lt;/b&gt;.'
        in out
    )
    assert out.startswith('<div class="bf-panel">') and "&lt;p&gt;Intro.&lt;/p&gt;" in out
    assert "javascript:" not in out  # only http(s) links
    assert [m for m in re.findall(r'class="vbadge">([^<]+)<', out)] == ["supported", "partly", "not found"]


def test_citation_panel_says_when_the_document_is_gone() -> None:
    c = _answer("a [1]").citations[0]
    out = render.citation_html("[1]", c, None)
    assert "no longer in the library" in out and '<mark class="passage">' in out


def test_markdown_export_lists_citations_with_their_evidence() -> None:
    a = _answer("Thirty-nine were intercepted [1].").model_copy(update={"question": "How many?"})
    a.citations[0].evidence = "thirty-nine   of seventy-one"
    md = render.conversation_markdown(
        [Exchange(question="How many?", answer=a), Exchange(question="Q2", error="boom")]
    )
    assert "## How many?\n\nThirty-nine were intercepted [1]." in md
    assert "[1] " in md and "2024-11-02 (date inferred)" in md and "> thirty-nine of seventy-one" in md
    assert "_Could not answer: boom_" in md


# ----------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    "name, reason",
    [
        ("../x.txt", "path parts"),
        ("/etc/passwd.txt", "path parts"),
        ("..\\..\\win.txt", "path parts"),
        ("C:evil.txt", "path parts"),
        ("..", "path parts"),
        ("", "has no name"),
        ("   ", "has no name"),
        ("program.exe", r"unsupported file type \.exe; supported: \.txt"),
        ("README", r"unsupported file type \(no extension\)"),
    ],
)
def test_unsafe_or_unsupported_upload_names_are_refused(name: str, reason: str) -> None:
    with pytest.raises(LoadError) as err:
        library.safe_upload_name(name)
    assert re.search(reason, err.value.reason)


@pytest.mark.parametrize(
    "name, safe",
    [
        ("report.txt", "report.txt"),
        ("Report (final) é.TXT", "Report_final_é.txt"),
        ("..hidden.md", "hidden.md"),
        ("a<script>.html", "a_script.html"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_upload_names_are_reduced_to_safe_characters(name: str, safe: str) -> None:
    assert library.safe_upload_name(name) == safe


def test_staging_writes_only_into_the_uploads_folder(tmp_path: Path, make_settings) -> None:
    b = Briefing(make_settings(max_file_mb=0.001))
    src = tmp_path / "incoming"
    src.mkdir()
    files = {"good.txt": b"fine words", "empty.txt": b"", "big.txt": b"y" * 2000, "bad.exe": b"MZ"}
    for name, data in files.items():
        (src / name).write_bytes(data)
    before = {p for p in tmp_path.rglob("*")}
    uploads = [(str(src / n), n) for n in files] + [(str(src / "good.txt"), "../../escape.txt")]
    staged, failed = library.stage_uploads(b, uploads)
    assert {Path(p).name for p in staged} == {"good.txt"}
    reasons = {i.origin: i.reason for i in failed}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["big.txt"].startswith("too large: 0.00191 MB > 0.001 MB limit")
    assert reasons["bad.exe"].startswith("unsupported file type .exe")
    assert "path parts" in reasons["../../escape.txt"]
    uploads = library.uploads_dir(b)
    assert {p for p in tmp_path.rglob("*")} - before == {uploads.parent, uploads, uploads / "good.txt"}


def test_add_to_library_reports_each_input_and_keeps_only_what_is_indexed(
    tmp_path: Path, briefing: Briefing
) -> None:
    good, bad = tmp_path / "harbour.txt", tmp_path / "broken.pdf"
    good.write_text("Harbour report\n\nThe harbour of Veldin reopened on 3 March 2025 after the storm.")
    bad.write_bytes(b"%PDF-1.4 garbage")
    report = library.add_to_library(
        briefing, [(str(good), "harbour.txt"), (str(bad), "broken.pdf")], "ftp://no"
    )
    by_name = {i.origin: i for i in report.items}
    assert by_name["harbour.txt"].status == "added" and by_name["harbour.txt"].chunks >= 1
    assert by_name["broken.pdf"].status == "failed" and by_name["broken.pdf"].reason.startswith(
        "malformed PDF"
    )
    assert by_name["ftp://no"].reason == "not an http(s):// URL"
    assert sorted(p.name for p in library.uploads_dir(briefing).iterdir()) == ["harbour.txt"]
    [doc] = briefing.documents()
    library.remove_document(briefing, doc.doc_id)
    assert briefing.documents() == [] and list(library.uploads_dir(briefing).iterdir()) == []


# ----------------------------------------------------------------------------- questions and handlers


def test_empty_and_too_long_questions_get_clear_errors(make_settings) -> None:
    b = Briefing(make_settings(max_question_chars=50))
    with pytest.raises(BriefingError, match="^empty question: ask something"):
        b.ask("   ")
    with pytest.raises(
        BriefingError, match=r"^question too long: 51 characters > 50 limit \(BRIEFING_MAX_QUESTION_CHARS\)"
    ):
        list(b.stream("x" * 51))
    with pytest.raises(BriefingError, match="question too long"):
        b.retrieve("x" * 51)


def test_stream_with_steps_yields_the_passages_first(seeded: Briefing) -> None:
    events = list(seeded.stream(SEED_QUESTION, steps=True))
    assert isinstance(events[0], Retrieved) and isinstance(events[-1], Answer)
    assert all(isinstance(e, AnswerDelta) for e in events[1:-1])
    assert events[0].passages == events[-1].passages and events[0].passages
    assert not any(isinstance(e, Retrieved) for e in seeded.stream(SEED_QUESTION))


def test_chat_handler_streams_then_answers_and_opens_the_citation(seeded: Briefing) -> None:
    from ui.handlers import Workspace

    ws = Workspace(seeded)
    steps = list(ws.chat(SEED_QUESTION, None, [], None, None, None))
    html_steps = [s[0] for s in steps if isinstance(s[0], str)]
    assert "Searching the library" in html_steps[0] and any("Found 5 passages" in h for h in html_steps)
    conv = steps[-1][1]
    assert "39 of the 71" in html_steps[-1] and 'class="cite"' in html_steps[-1]
    panel = ws.open_citation(conv, SimpleNamespace(_data={"turn": 0, "kind": "citation", "n": 1}))
    assert re.search(r'<mark class="evidence">[^<]*39 of the 71', panel)
    assert ws.open_citation(conv, SimpleNamespace(_data={"turn": 9, "n": "x"})) == render.EMPTY_PANEL
    follow = list(ws.chat("And how many districts did debris strike?", conv, [], None, None, None))
    assert len(follow[-1][1].session.history) == 4 and "six districts" in follow[-1][0]


def test_chat_handler_refuses_empty_and_long_questions_without_a_turn(seeded: Briefing) -> None:
    from ui.handlers import Workspace

    ws = Workspace(seeded)
    for q in ("", "?" * 2001):
        [(_, conv, _, notice, _)] = list(ws.chat(q, None, [], None, None, None))
        assert conv.exchanges == [] and notice.visible
        assert re.search("empty question|question too long: 2001 characters &gt; 2000", notice.value)


def test_non_loopback_host_needs_credentials(make_settings) -> None:
    from ui.access import credentials, is_loopback
    from ui.app import launch

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    with pytest.raises(ConfigError, match="refusing to serve the workspace on 0.0.0.0 without credentials"):
        launch(Briefing(make_settings()), host="0.0.0.0", port=1, block=False)
    with pytest.raises(ConfigError, match="'user:password'"):
        credentials(Briefing(make_settings(ui_auth="nopassword")))
    assert credentials(Briefing(make_settings(ui_auth="ana:s3:cret"))) == ("ana", "s3:cret")


# ----------------------------------------------------------------------------- briefs


def test_briefs_handlers_draft_store_reopen_and_explain_a_bad_period(make_settings) -> None:
    from ui.handlers import Workspace

    b = Briefing(make_settings())
    assert b.ingest([str(Path(__file__).resolve().parent.parent / "assistant" / "sample")], published="2024-11-02").ok
    ws = Workspace(b)
    notice, brief_html, export, pick = ws.draft_brief("2024-11-02", None, None, [], "", 800)
    assert notice.visible and "Drafted and stored" in notice.value
    assert "Key figures" in brief_html and 'class="cite"' in brief_html and "425 million" in brief_html
    assert "$" not in brief_html and "&#36;425 million" in brief_html  # safe for gr.HTML's template
    [(label, brief_id)] = pick.choices
    assert label.startswith("2024-11-02") and brief_id in notice.value
    md = Path(export.value["path"]).read_text(encoding="utf-8")
    assert md.startswith("# Brief: 2024-11-02") and "$425 million" in md
    again = ws.open_brief(brief_id)
    assert again[1] == brief_html and not again[0].visible
    # a period without documents, a bad date, nothing chosen: a message; the brief on show stays
    for args, message in [
        (("2024-11-05", None, None, [], "", 800), "no documents between 2024-11-05 and 2024-11-05"),
        (("", "2024-11-01", "yesterday-ish", [], "", 800), "not a date: &#x27;yesterday-ish&#x27;"),
        (("2024-11-02", None, None, [], "", 10), "too short for a brief"),
        (("2024-11-02", None, None, [], "", 0), "--max-words 0 is too short"),  # not "the default"
    ]:
        out = ws.draft_brief(*args)
        assert out[0].visible and message in out[0].value, out[0].value
        assert all(o == {"__type__": "update"} for o in out[1:])
    assert "Choose a stored brief" in ws.open_brief(None)[0].value
    assert "nope" in ws.open_brief("nope")[0].value
    assert [i.id for i in b.briefs()] == [brief_id]  # nothing failed was stored
