"""The library side of the workspace: uploads and URLs go to ``Briefing.ingest_uploads`` (safe names,
``data_dir/uploads``, one failed item per bad input: see ``assistant.uploads``); deleting a document
also deletes its uploaded copy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant import Briefing, uploads
from assistant.types import IngestItem, IngestReport
from assistant.uploads import safe_upload_name

__all__ = ["add_to_library", "remove_document", "safe_upload_name", "stage_uploads", "uploads_dir"]


def uploads_dir(briefing: Briefing) -> Path:
    """Where uploaded files are kept (inside the data folder)."""
    return uploads.uploads_dir(briefing.settings)


def stage_uploads(
    briefing: Briefing, files: list[tuple[str, str]]
) -> tuple[dict[str, str], list[IngestItem]]:
    """Copy ``(path, original name)`` uploads into the uploads folder under safe names."""
    return uploads.stage_uploads(briefing.settings, [(name, Path(path)) for path, name in files])


def add_to_library(
    briefing: Briefing,
    files: list[tuple[str, str]],
    urls: str = "",
    source: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> IngestReport:
    """Stage uploads, check URLs, ingest what is good; the report names inputs as the user did."""
    good_urls, bad_urls = [], []
    for line in (urls or "").splitlines():
        url = line.strip()
        if not url:
            continue
        if url.lower().startswith(("http://", "https://")):
            good_urls.append(url)
        else:
            bad_urls.append(IngestItem(origin=url, status="failed", reason="not an http(s):// URL"))
    report = briefing.ingest_uploads(
        [(name, Path(path)) for path, name in files],
        urls=good_urls,
        source=(source or "").strip() or None,
        progress=progress,
    )
    return IngestReport(items=bad_urls + report.items, seconds=report.seconds)


def remove_document(briefing: Briefing, doc_id: str) -> None:
    """Delete a document from the index, and its uploaded copy when it came from an upload."""
    briefing.remove(doc_id)
