"""The library side of the workspace: uploads copied safely into the data folder, then ingested.

An upload keeps its name only when the name is safe: names with path parts are refused, others are
reduced to letters, digits, ``.``, ``-`` and ``_`` and written to ``data_dir/uploads/``; nothing is
written elsewhere. Empty, oversized and unsupported files get their own error before any copy, and
one bad file never stops the others.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant import Briefing
from assistant.errors import LoadError
from assistant.types import IngestItem, IngestReport
from index.loaders import SUPPORTED, SUPPORTED_SUFFIXES, too_large

MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^\w.\-]+")


def uploads_dir(briefing: Briefing) -> Path:
    """Where uploaded files are kept (inside the data folder)."""
    return briefing.settings.data_dir / "uploads"


def safe_upload_name(name: str | None) -> str:
    """The name an upload is stored under; ``LoadError`` for a name with path parts, none, or an
    unsupported type."""
    raw = (name or "").strip()
    if not raw:
        raise LoadError("(unnamed upload)", "the file has no name")
    if (
        "/" in raw
        or "\\" in raw
        or "\x00" in raw
        or raw in (".", "..")
        or PurePosixPath(raw).is_absolute()
        or PureWindowsPath(raw).drive
    ):
        raise LoadError(raw, "file name has path parts (like ../ or /); upload the file itself")
    cleaned = _UNSAFE.sub("_", raw).strip("._ ")
    suffix = PurePosixPath(cleaned).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"file type {suffix}" if suffix else "file type (no extension)"
        raise LoadError(raw, f"unsupported {shown}; supported: {SUPPORTED}")
    stem = cleaned[: -len(suffix)].rstrip("._ ") or "upload"
    return stem[: MAX_NAME_CHARS - len(suffix)] + suffix


def stage_uploads(
    briefing: Briefing, files: list[tuple[str, str]]
) -> tuple[dict[str, str], list[IngestItem]]:
    """Copy ``(path, original name)`` uploads into the uploads folder under safe names.

    Returns the staged paths (-> the name the user gave) and a failed item for each refused file.
    """
    folder = uploads_dir(briefing)
    limit = briefing.settings.max_file_mb * 1024 * 1024
    staged: dict[str, str] = {}
    failed: list[IngestItem] = []
    for path, name in files:
        shown = name or Path(path).name
        try:
            safe = safe_upload_name(name)
            size = Path(path).stat().st_size
            if size == 0:
                raise LoadError(shown, "empty file")
            if size > limit:
                raise too_large(shown, size, briefing.settings)
            target = _free_target(folder, safe, staged)
            folder.mkdir(parents=True, exist_ok=True)
            if target.resolve().parent != folder.resolve():  # belt and braces: never outside
                raise LoadError(shown, "file name has path parts; upload the file itself")
            shutil.copyfile(path, target)
        except LoadError as exc:
            failed.append(IngestItem(origin=shown, status="failed", reason=exc.reason))
        except OSError as exc:
            failed.append(
                IngestItem(origin=shown, status="failed", reason=f"cannot read: {exc.strerror or exc}")
            )
        else:
            staged[str(target)] = shown
    return staged, failed


def _free_target(folder: Path, name: str, staged: dict[str, str]) -> Path:
    """``folder/name``, numbered when another file of this batch already took the name."""
    target = folder / name
    n = 2
    while str(target) in staged:
        target = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return target


def add_to_library(
    briefing: Briefing,
    files: list[tuple[str, str]],
    urls: str = "",
    source: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> IngestReport:
    """Stage uploads, check URLs, ingest what is good; the report names inputs as the user did."""
    staged, failed = stage_uploads(briefing, files)
    good_urls = []
    for line in (urls or "").splitlines():
        url = line.strip()
        if not url:
            continue
        if url.lower().startswith(("http://", "https://")):
            good_urls.append(url)
        else:
            failed.append(IngestItem(origin=url, status="failed", reason="not an http(s):// URL"))
    report = IngestReport()
    if staged or good_urls:
        report = briefing.ingest(
            list(staged) + good_urls, source=(source or "").strip() or None, progress=progress
        )
    for item in report.items:
        if item.origin in staged and item.status in ("failed", "duplicate"):
            Path(item.origin).unlink(missing_ok=True)  # keep no copy of what is not in the index
    items = failed + [
        item.model_copy(update={"origin": staged.get(item.origin, item.origin)}) for item in report.items
    ]
    return IngestReport(items=items, seconds=report.seconds)


def remove_document(briefing: Briefing, doc_id: str) -> None:
    """Delete a document from the index, and its uploaded copy when it came from an upload."""
    origin = next((d.origin for d in briefing.documents() if d.doc_id == doc_id), "")
    briefing.remove(doc_id)
    path = Path(origin) if origin else None
    if path is not None and path.parent.resolve() == uploads_dir(briefing).resolve():
        path.unlink(missing_ok=True)
