"""Loaders against real files and a real local HTTP server: every format, every bad-input reason."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import LoadError
from index.loaders import iter_inputs, load, load_with_problems

PROSE = "Dockworkers on the East and Gulf coasts returned to work after their union reached a tentative deal."

HTML_PAGE = """<!DOCTYPE html><html><head><title>Port strike ends | Harbor Times</title>
<meta property="article:published_time" content="2024-10-04T09:30:00Z"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World News</a></li>
<li><a href="/sport">Sport Section</a></li></ul></nav>
<article><h1>Port strike ends after three days</h1>
<p>Dockworkers on the East and Gulf coasts returned to work on Friday after their union reached a
tentative agreement on wages with the shipping alliance that runs the container terminals.</p>
<p>The International Longshoremen's Association said members would get a 62% raise over six years,
and both sides agreed to keep talking about automation at the ports until mid-January.</p>
</article><footer><p>Copyright 2024 Harbor Times. All rights reserved. Privacy policy.</p></footer>
</body></html>"""

RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire Desk</title>
<link>https://wire.example.org/</link><description>Wire</description>
<item><title>Grain prices climb</title><link>https://wire.example.org/grain</link><guid>wire-001</guid>
<pubDate>Tue, 01 Oct 2024 12:00:00 GMT</pubDate>
<description>&lt;p&gt;Wheat futures rose &lt;b&gt;4%&lt;/b&gt; on Tuesday.&lt;/p&gt;&lt;p&gt;Dry weather hurt crops.&lt;/p&gt;</description></item>
<item><title>Rail strike averted</title><link>https://wire.example.org/rail</link>
<pubDate>Wed, 02 Oct 2024 08:00:00 GMT</pubDate><description>Unions and carriers agreed a contract.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Lab Notes</title><id>urn:lab</id><updated>2024-10-05T00:00:00Z</updated>
<entry><title>Battery result</title><id>urn:lab:42</id><link href="https://lab.example.com/42"/>
<updated>2024-10-05T10:00:00Z</updated>
<content type="html">&lt;p&gt;The cell kept 91% capacity after 2,000 cycles.&lt;/p&gt;</content></entry>
</feed>"""


def make_pdf(
    lines: list[str], title: str = "Quarterly Grain Report", created: str = "D:20240315120000Z"
) -> bytes:
    """A minimal valid one-page PDF with a Helvetica text stream and an Info dictionary."""

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({esc(line)}) Tj T*" for line in lines) + " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            " /Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Title ({esc(title)}) /CreationDate ({created}) >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


def write(path: Path, data: str | bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


def fails(pattern: str, origin: str, settings: Settings) -> LoadError:
    """Load ``origin`` expecting a LoadError whose reason matches ``pattern`` from its start."""
    with pytest.raises(LoadError) as info:
        load(origin, settings)
    assert re.match(pattern, info.value.reason), info.value.reason
    assert info.value.origin == origin and str(info.value) == f"{origin}: {info.value.reason}"
    return info.value


def set_mtime(path: str, day: date) -> None:
    ts = datetime(day.year, day.month, day.day, 12).timestamp()
    os.utime(path, (ts, ts))


# ----------------------------------------------------------------------------- plain text


def test_txt_is_normalised_titled_and_dated_from_mtime(tmp_path: Path, settings: Settings) -> None:
    p = write(tmp_path / "desk" / "note.txt", "Cafe\u0301 report  \r\n\r\n\r\n\r\n\r\nSecond line\t\r\n")
    set_mtime(p, date(2024, 5, 6))
    [doc] = load(p, settings)
    assert doc.text == "Café report\n\nSecond line"
    assert doc.title == "Café report"
    assert doc.source == "desk"
    assert doc.origin == p
    assert doc.doc_id.startswith("f-") and len(doc.doc_id) == 18
    assert load(p, settings)[0].doc_id == doc.doc_id
    assert (doc.published, doc.published_inferred) == (date(2024, 5, 6), True)


def test_md_title_and_date_inferred_from_text(tmp_path: Path, settings: Settings) -> None:
    p = write(tmp_path / "notes" / "brief.md", f"# Weekly brief\n\nPublished November 2, 2024.\n\n{PROSE}\n")
    [doc] = load(p, settings)
    assert doc.title == "Weekly brief"
    assert doc.text.startswith("# Weekly brief\n\nPublished")
    assert (doc.published, doc.published_inferred) == (date(2024, 11, 2), True)


def test_explicit_source_and_published_win(tmp_path: Path, settings: Settings) -> None:
    p = write(tmp_path / "a.txt", f"Dated 2024-11-02 in the text.\n{PROSE}")
    [doc] = load(p, settings, source="analyst-notes", published=date(2023, 1, 9))
    assert doc.source == "analyst-notes"
    assert (doc.published, doc.published_inferred) == (date(2023, 1, 9), False)


def test_utf16_with_bom_is_text(tmp_path: Path, settings: Settings) -> None:
    p = write(tmp_path / "u16.txt", "\ufeffMinutes of the meeting\n".encode("utf-16-le"))
    assert load(p, settings)[0].text == "Minutes of the meeting"


def test_long_first_line_title_is_truncated(tmp_path: Path, settings: Settings) -> None:
    p = write(tmp_path / "long.txt", "word " * 60)
    title = load(p, settings)[0].title
    assert len(title) <= 120 and title.endswith("…")


# ----------------------------------------------------------------------------- HTML, PDF, DOCX


def test_html_main_text_without_navigation(tmp_path: Path, settings: Settings) -> None:
    [doc] = load(write(tmp_path / "site" / "strike.html", HTML_PAGE), settings)
    assert "62% raise over six years" in doc.text
    assert "World News" not in doc.text and "Sport Section" not in doc.text
    assert "All rights reserved" not in doc.text
    assert doc.title == "Port strike ends after three days"
    assert (doc.published, doc.published_inferred) == (date(2024, 10, 4), False)
    assert doc.source == "site"


def test_pdf_text_title_and_creation_date(tmp_path: Path, settings: Settings) -> None:
    p = write(
        tmp_path / "report.pdf", make_pdf(["Grain exports rose 12% in March.", "Analysts expect growth."])
    )
    [doc] = load(p, settings)
    assert doc.text == "Quarterly Grain Report\n\nGrain exports rose 12% in March.\nAnalysts expect growth."
    assert doc.headline_chars == len("Quarterly Grain Report\n\n")  # the title heads the text
    assert doc.title == "Quarterly Grain Report"
    assert (doc.published, doc.published_inferred) == (date(2024, 3, 15), False)


def test_docx_paragraphs_tables_and_title(tmp_path: Path, settings: Settings) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = "Board memo"
    d.add_paragraph("The board approved the budget on 3 March 2024.")
    d.add_paragraph("")
    d.add_paragraph("Spending rises 4% next year.")
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Capex", "$12m"
    p = str(tmp_path / "memo.docx")
    d.save(p)
    [doc] = load(p, settings)
    assert (
        doc.text
        == "Board memo\n\nThe board approved the budget on 3 March 2024.\n\nSpending rises 4% next year.\n\nCapex | $12m"
    )
    assert doc.title == "Board memo"
    assert (doc.published, doc.published_inferred) == (date(2024, 3, 3), True)


# ----------------------------------------------------------------------------- JSON records


def test_jsonl_keeps_ids_and_extras_and_survives_bad_lines(tmp_path: Path, settings: Settings) -> None:
    good = [
        {"id": "rt-36995489cd5f", "title": "VP debate", "text": PROSE, "url": "https://www.usatoday.com/x",
         "source": "usatoday.com", "published": "2024-09-25", "retrieved": "2024-10-04"},
        {"id": "Doc 7/ß", "text": "Second record text.", "url": "https://www.cnn.com/y", "tags": ["a", "b"]},
        {"text": "No id here. Filed 2 Nov 2024."},
    ]  # fmt: skip
    lines = [json.dumps(good[0]), '{"id": "broken", "text": ', json.dumps(good[1]), "", '{"id": "x"}',
             json.dumps(good[2])]  # fmt: skip
    p = write(tmp_path / "news.jsonl", "\n".join(lines) + "\n")
    docs, problems = load_with_problems(p, settings)
    assert [d.doc_id for d in docs[:2]] == ["rt-36995489cd5f", "Doc 7/ß"]
    first, second, third = docs
    assert (first.title, first.source, first.url) == (
        "VP debate",
        "usatoday.com",
        "https://www.usatoday.com/x",
    )
    assert (first.published, first.published_inferred) == (date(2024, 9, 25), False)
    assert first.extra == {"retrieved": "2024-10-04"}
    assert first.origin == f"{p}#1"
    assert second.source == "cnn.com" and second.extra == {"tags": '["a", "b"]'}
    assert third.doc_id.startswith("r-") and third.doc_id == load(p, settings)[2].doc_id
    assert (third.published, third.published_inferred) == (date(2024, 11, 2), True)
    assert len(problems) == 2
    assert problems[0].startswith("news.jsonl line 2: malformed JSON (")
    assert problems[1] == "news.jsonl line 5: missing text"
    assert [d.doc_id for d in load(p, settings)] == [d.doc_id for d in docs]


def test_json_single_record_and_list(tmp_path: Path, settings: Settings) -> None:
    one = write(tmp_path / "one.json", json.dumps({"id": 17, "title": "T", "text": "Body text."}))
    assert [(d.doc_id, d.title, d.origin) for d in load(one, settings)] == [("17", "T", one)]
    many = write(
        tmp_path / "many.json",
        json.dumps([{"id": "a", "text": "A."}, {"id": "b"}, {"id": "c", "text": "C."}]),
    )
    docs, problems = load_with_problems(many, settings)
    assert [d.doc_id for d in docs] == ["a", "c"]
    assert problems == ["many.json record 2: missing text"]


def test_jsonl_with_no_good_record_raises(tmp_path: Path, settings: Settings) -> None:
    p = write(tmp_path / "bad.jsonl", '{"id": 1}\nnot json\n')
    fails(r"no valid records \(2 problems; first: line 1: missing text\)$", p, settings)


# ----------------------------------------------------------------------------- feeds


def test_rss_entries(tmp_path: Path, settings: Settings) -> None:
    docs = load(write(tmp_path / "wire.rss", RSS), settings)
    assert [d.title for d in docs] == ["Grain prices climb", "Rail strike averted"]
    grain = docs[0]
    assert grain.text == "Grain prices climb\n\nWheat futures rose 4% on Tuesday.\n\nDry weather hurt crops."
    assert grain.doc_id.startswith("e-") and grain.url == "https://wire.example.org/grain"
    assert (grain.published, grain.published_inferred) == (date(2024, 10, 1), False)
    assert grain.source == "wire.example.org" and grain.extra == {"feed": "Wire Desk"}
    assert docs[1].doc_id != grain.doc_id


def test_atom_entries_and_feed_sniffed_without_extension(tmp_path: Path, settings: Settings) -> None:
    [doc] = load(write(tmp_path / "lab.atom", ATOM), settings)
    assert doc.text == "Battery result\n\nThe cell kept 91% capacity after 2,000 cycles."
    assert doc.published == date(2024, 10, 5) and doc.url == "https://lab.example.com/42"
    [again] = load(write(tmp_path / "lab.feed", ATOM), settings)
    assert again.doc_id == doc.doc_id


# ----------------------------------------------------------------------------- bad input


BAD_CASES = {
    "empty.txt": (b"", "empty: no text"),
    "blank.md": (b"  \n\t\n ", "empty: no text"),
    "nul.txt": (b"abc\x00\x01\x02def", "binary file, not text"),
    "blob.bin": (bytes(range(256)) * 4, "binary file, not text"),
    "noise.txt": (bytes(range(1, 256)) * 4, r"not valid UTF-8 text \(byte 0x80 at offset 127\) and no legacy"),
    "broken.pdf": (b"%PDF-1.4\n1 0 obj garbage\n%%EOF", "malformed PDF: "),
    "fake.pdf": (b"hello, not a pdf", "malformed PDF: no %PDF header"),
    "blank.html": (b"<html><head><script>var a = 1;</script></head><body><div></div></body></html>", "HTML has no main text"),
    "broken.json": (b'{"id": "a", "text": }', r"malformed JSON: Expecting value: line 1 column 21"),
    "scalar.json": (b"42", "malformed JSON: expected a record object or a list of records"),
    "nothing.json": (b"[]", "empty: no records"),
    "data.xyz": (b"some plain words", r"unsupported file type \.xyz; supported: \.txt, \.md"),
    "notes.docx": (b"PK not really a zip", "malformed DOCX: "),
    "page.xml": (b"<?xml version='1.0'?><catalog><item>1</item></catalog>", "not an RSS or Atom feed"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_inputs_have_specific_reasons(name: str, tmp_path: Path, settings: Settings) -> None:
    data, reason = BAD_CASES[name]
    fails(reason, write(tmp_path / name, data), settings)


LATIN1_TEXT = "Café crème, naïve résumé at 12 °C."
CP1252_TEXT = "Café crème, naïve résumé: “quoted” — and 12 € more."


@pytest.mark.parametrize(
    "name, data, text",
    [
        ("latin1.txt", LATIN1_TEXT.encode("latin-1"), LATIN1_TEXT),
        ("cp1252.md", CP1252_TEXT.encode("cp1252"), CP1252_TEXT),
        ("utf16.txt", CP1252_TEXT.encode("utf-16"), CP1252_TEXT),
        ("utf16be.txt", "\ufeff".encode("utf-16-be") + CP1252_TEXT.encode("utf-16-be"), CP1252_TEXT),
    ],
)
def test_legacy_encodings_are_decoded(
    name: str, data: bytes, text: str, tmp_path: Path, settings: Settings
) -> None:
    [doc] = load(write(tmp_path / name, data), settings)
    assert doc.text == text


def test_cyrillic_windows_1251_is_decoded(tmp_path: Path, settings: Settings) -> None:
    text = "Москва заявила, что силы ПВО сбили беспилотники над городом ночью."
    [doc] = load(write(tmp_path / "ru.txt", text.encode("cp1251")), settings)
    assert doc.text == text


def test_missing_path_and_folder(tmp_path: Path, settings: Settings) -> None:
    fails("no such file$", str(tmp_path / "nope.txt"), settings)
    fails("is a folder, not a file", str(tmp_path), settings)


def test_oversized_file(tmp_path: Path) -> None:
    p = write(tmp_path / "big.txt", "x" * 3000)
    tiny = Settings(data_dir=tmp_path, max_file_mb=0.001)
    fails(r"too large: 0.00286 MB > 0.001 MB limit \(BRIEFING_MAX_FILE_MB\)$", p, tiny)


# ----------------------------------------------------------------------------- iter_inputs


def test_iter_inputs_expands_folders(tmp_path: Path) -> None:
    for rel in [
        "b.txt",
        "a.md",
        "sub/c.txt",
        "sub/deeper/d.txt",
        ".hidden.txt",
        ".git/config",
        "sub/.cache/e.txt",
    ]:
        write(tmp_path / rel, "x")
    got = [str(Path(p).relative_to(tmp_path)) for p in iter_inputs([str(tmp_path)])]
    assert got == ["a.md", "b.txt", "sub/c.txt", "sub/deeper/d.txt"]
    assert [Path(p).name for p in iter_inputs([str(tmp_path)], recursive=False)] == ["a.md", "b.txt"]
    odd = ["https://example.org/a", str(tmp_path / "missing.txt"), str(tmp_path / "b.txt")]
    assert list(iter_inputs(odd)) == odd


# ----------------------------------------------------------------------------- URLs


ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/story": (200, "text/html; charset=utf-8", HTML_PAGE.encode()),
    "/feed": (200, "application/rss+xml", RSS.encode()),
    "/feed-as-xml": (200, "text/xml", ATOM.encode()),
    "/notes": (200, "text/plain; charset=utf-8", f"Field notes\n\n{PROSE}".encode()),
    "/report": (200, "application/octet-stream", make_pdf(["Served over HTTP."])),
    "/big": (200, "text/plain", b"y" * 5000),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/story")
            self.end_headers()
            return
        status, ctype, body = ROUTES.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_html_page(server: str, settings: Settings) -> None:
    [doc] = load(f"{server}/story", settings)
    assert "62% raise" in doc.text and "World News" not in doc.text
    assert doc.doc_id.startswith("u-") and doc.url == f"{server}/story"
    assert doc.source == "127.0.0.1"
    assert doc.published == date(2024, 10, 4)
    [moved] = load(f"{server}/moved", settings)
    assert moved.url == f"{server}/story" and moved.text == doc.text and moved.doc_id != doc.doc_id


def test_url_feeds_text_and_pdf(server: str, settings: Settings) -> None:
    entries = load(f"{server}/feed", settings)
    assert [e.title for e in entries] == ["Grain prices climb", "Rail strike averted"]
    assert entries[0].source == "wire.example.org"
    assert load(f"{server}/feed-as-xml", settings)[0].title == "Battery result"
    notes = load(f"{server}/notes", settings, source="field")[0]
    assert notes.title == "Field notes" and notes.source == "field"
    assert load(f"{server}/report", settings)[0].text == "Quarterly Grain Report\n\nServed over HTTP."


def test_url_errors(server: str, tmp_path: Path, settings: Settings) -> None:
    fails("HTTP 404 from URL$", f"{server}/nowhere", settings)
    fails(
        r"too large: 0.00477 MB > 0.001 MB limit",
        f"{server}/big",
        Settings(data_dir=tmp_path, max_file_mb=0.001),
    )
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    fails(
        "connection failed: ",
        f"http://127.0.0.1:{closed_port}/x",
        Settings(data_dir=tmp_path, http_timeout_s=5),
    )
