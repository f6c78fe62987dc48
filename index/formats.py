"""Format parsers: bytes of one input -> document parts (text plus what the format says about it).

Each parser raises ``LoadError`` when the whole input is unusable, and appends to ``problems`` when
only some records of a multi-record input (JSON list, JSONL, feed) are bad. Heavy libraries are
imported inside the functions so that importing Briefing stays fast.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any
from urllib.parse import urlparse

from index.dates import parse_date
from index.errors import LoadError

log = logging.getLogger(__name__)

SNIFF_BYTES = 8192
RECORD_FIELDS = ("id", "title", "text", "url", "source", "published")
_BLOCK_TAGS = (
    "p",
    "div",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "table",
    "ul",
    "ol",
)


@dataclass
class Part:
    """One document's worth of parsed content, before ids, dates and defaults are settled."""

    text: str
    title: str = ""
    doc_id: str | None = None
    source: str | None = None
    url: str | None = None
    published: date | None = None
    ref: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    seq: int | None = None
    id_prefix: str = "r-"


def stable_id(prefix: str, seed: str) -> str:
    """``prefix`` + the first 16 hex digits of sha1(seed): the same input gives the same id every run."""
    return prefix + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:16]


def domain(url: str | None) -> str:
    """The host of a URL without ``www.``; empty when there is none."""
    host = (urlparse(url).hostname or "") if url else ""
    return host.removeprefix("www.")


def is_binary(data: bytes) -> bool:
    """NUL bytes near the start mean binary content (UTF-16 text, which has them, carries a BOM)."""
    return b"\x00" in data[:SNIFF_BYTES] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def decode_text(origin: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else the legacy encoding charset-normalizer finds.

    Short Western text fits many code pages equally well; Windows-1252 (a superset of Latin-1's
    printable range) wins whenever the detector finds it plausible, as browsers do for legacy pages.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise LoadError(origin, "not valid UTF-16 text (has a UTF-16 byte-order mark)") from None
    if is_binary(data):
        raise LoadError(origin, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        utf8_error = f"byte 0x{data[e.start]:02x} at offset {e.start}"
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = next((m for m in matches if m.encoding == "cp1252"), None) or matches.best()
    if best is None:
        raise LoadError(origin, f"not valid UTF-8 text ({utf8_error}) and no legacy text encoding fits")
    log.info("%s: not UTF-8 (%s); decoded as %s", origin, utf8_error, best.encoding)
    return str(best)


def looks_like_feed(data: bytes) -> bool:
    """Cheap sniff before asking feedparser: an XML prolog, ``<rss`` or ``<feed`` near the start."""
    head = data[:1024].lstrip(codecs.BOM_UTF8).lstrip().lower()
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")) and any(
        tag in data[:SNIFF_BYTES].lower() for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel")
    )


def fragment_text(fragment: str) -> str:
    """Visible text of an HTML fragment (a feed summary), keeping paragraph breaks."""
    if "<" not in fragment:
        import html

        return html.unescape(fragment)
    from lxml import etree
    from lxml import html as lhtml

    try:
        root = lhtml.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for bad in list(root.iter("script", "style")):
        bad.drop_tree()
    for el in root.iter("br"):
        el.tail = "\n" + (el.tail or "")
    for el in root.iter(*_BLOCK_TAGS):
        el.tail = "\n\n" + (el.tail or "")
    return root.text_content()


def parse_html(origin: str, data: bytes) -> Part:
    """Main text of a page via trafilatura (navigation, header and footer dropped), title and date."""
    if is_binary(data):
        raise LoadError(origin, "binary file, not text")
    import trafilatura

    try:
        content: str | bytes = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = data
    try:
        doc = trafilatura.bare_extraction(
            content,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as e:  # noqa: BLE001 - trafilatura/lxml raise many error types on broken markup
        raise LoadError(origin, f"malformed HTML: {e}") from None
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise LoadError(origin, "HTML has no main text")
    url = doc.url if doc.url and doc.url.startswith(("http://", "https://")) else None
    return Part(text=text, title=doc.title or "", published=parse_date(doc.date), url=url)


def parse_pdf(origin: str, data: bytes) -> Part:
    """Text of every page (pypdf), with the title and creation date from the PDF's metadata."""
    if b"%PDF-" not in data[:1024]:
        raise LoadError(origin, "malformed PDF: no %PDF header")
    import pypdf

    try:
        reader = pypdf.PdfReader(BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(origin, "encrypted PDF: a password is needed")
        text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except LoadError:
        raise
    except Exception as e:  # noqa: BLE001 - pypdf raises many types (PdfReadError, KeyError...) on broken files
        raise LoadError(origin, f"malformed PDF: {e or type(e).__name__}") from None
    if not text.strip():
        raise LoadError(origin, "PDF has no extractable text (scanned images?)")
    title, created = "", None
    try:
        meta = reader.metadata
        if meta is not None:
            title = str(meta.title or "")
            created = meta.creation_date
    except Exception as e:  # noqa: BLE001 - a broken Info dictionary only costs us the metadata
        log.debug("%s: unreadable PDF metadata: %s", origin, e)
    return Part(text=text, title=title, published=created.date() if isinstance(created, datetime) else None)


def parse_docx(origin: str, data: bytes) -> Part:
    """Paragraphs and table rows in document order (python-docx), title from core properties."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(BytesIO(data))
    except Exception as e:  # noqa: BLE001 - not a zip, missing parts, bad XML
        raise LoadError(origin, f"malformed DOCX: {e}") from None
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(" | ".join(c.text.strip() for c in row.cells) for row in item.rows)
        else:
            blocks.append(item.text)
    return Part(text="\n\n".join(blocks), title=document.core_properties.title or "")


def _as_str(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def record_part(rec: Any, where: str, ref: str, seq: int | None, problems: list[str]) -> Part | None:
    """A news record (``id, title, text, url, source, published`` + extras) as a part; None if unusable."""
    if not isinstance(rec, dict):
        problems.append(f"{where}: not a JSON object")
        return None
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: missing text")
        return None
    rid = rec.get("id")
    extra = {k: _as_str(v) for k, v in rec.items() if k not in RECORD_FIELDS and v is not None}
    raw_date = rec.get("published")
    published = parse_date(raw_date)
    if raw_date not in (None, "") and published is None:
        extra["published_raw"] = _as_str(raw_date)
    url = rec.get("url") if isinstance(rec.get("url"), str) and rec.get("url") else None
    return Part(
        text=text,
        title=_as_str(rec.get("title") or ""),
        doc_id=None if rid is None or rid == "" else str(rid),
        source=_as_str(rec["source"]) if rec.get("source") else (domain(url) or None),
        url=url,
        published=published,
        ref=ref,
        extra=extra,
        seq=seq,
    )


def parse_json(origin: str, name: str, text: str, problems: list[str]) -> list[Part]:
    """A single record object or a list of records."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        raise LoadError(origin, f"malformed JSON: {e}") from None
    if isinstance(value, dict):
        part = record_part(value, name, origin, None, problems)
        return [part] if part else []
    if not isinstance(value, list):
        raise LoadError(origin, "malformed JSON: expected a record object or a list of records")
    parts = [
        record_part(rec, f"{name} record {n}", f"{origin}#{n}", n, problems) for n, rec in enumerate(value, 1)
    ]
    return [p for p in parts if p]


def parse_jsonl(origin: str, name: str, text: str, problems: list[str]) -> list[Part]:
    """One record per line; a bad line is a problem, not a failure of the file."""
    parts: list[Part] = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{name} line {n}: malformed JSON ({e})")
            continue
        part = record_part(rec, f"{name} line {n}", f"{origin}#{n}", n, problems)
        if part:
            parts.append(part)
    return parts


def parse_feed(origin: str, name: str, data: bytes, problems: list[str]) -> list[Part]:
    """One part per RSS/Atom entry: text from its content or summary with the HTML stripped."""
    import feedparser

    feed = feedparser.parse(data)
    if not feed.version:
        raise LoadError(origin, "not an RSS or Atom feed")
    if not feed.entries:
        raise LoadError(origin, "feed has no entries")
    feed_title = feed.feed.get("title", "")
    parts: list[Part] = []
    for n, entry in enumerate(feed.entries, 1):
        bodies = [c.get("value", "") for c in entry.get("content", [])] + [entry.get("summary", "")]
        body = max(bodies, key=len)
        text = fragment_text(body).strip() or entry.get("title", "")
        if not text.strip():
            problems.append(f"{name} entry {n}: no text")
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        link = entry.get("link") or None
        key = entry.get("id") or link
        parts.append(
            Part(
                text=text,
                title=entry.get("title", ""),
                doc_id=stable_id("e-", key) if key else None,
                source=domain(link) or None,
                url=link,
                published=date(*stamp[:3]) if stamp else None,
                ref=f"{origin}#{n}",
                extra={"feed": feed_title} if feed_title else {},
                seq=n,
                id_prefix="e-",
            )
        )
    return parts
