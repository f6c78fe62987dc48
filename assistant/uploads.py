"""Uploaded files (from the workspace or the REST API): copied safely into ``data_dir/uploads``, then
ingested, and reported by the names they came with.

An upload keeps its name only when the name is safe: names with path parts are refused, others are
reduced to letters, digits, ``.``, ``-`` and ``_``; nothing is written outside the uploads folder.
Empty, oversized and unsupported files get their own error before any copy, one bad file never
stops the others, and the copy of a file that did not go into the index is deleted.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from assistant.config import Settings
from assistant.errors import LoadError
from assistant.types import IngestItem, IngestReport
from index.loaders import SUPPORTED, SUPPORTED_SUFFIXES, too_large

MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^\w.\-]+")

Upload = tuple[str, "bytes | Path"]
"""(the name it came with, its bytes or the path of a temporary copy)"""


def uploads_dir(settings: Settings) -> Path:
    """Where uploaded files are kept (inside the data folder)."""
    return settings.data_dir / "uploads"


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


def stage_uploads(settings: Settings, files: list[Upload]) -> tuple[dict[str, str], list[IngestItem]]:
    """Copy uploads into the uploads folder under safe names.

    Returns the staged paths (-> the name the uploader gave) and a failed item for each refused file.
    """
    folder = uploads_dir(settings)
    limit = settings.max_file_mb * 1024 * 1024
    staged: dict[str, str] = {}
    failed: list[IngestItem] = []
    for name, content in files:
        shown = name or (content.name if isinstance(content, Path) else "(unnamed upload)")
        try:
            safe = safe_upload_name(name)
            size = len(content) if isinstance(content, bytes) else Path(content).stat().st_size
            if size == 0:
                raise LoadError(shown, "empty file")
            if size > limit:
                raise too_large(shown, size, settings)
            target = _free_target(folder, safe, staged)
            folder.mkdir(parents=True, exist_ok=True)
            if target.resolve().parent != folder.resolve():  # belt and braces: never outside
                raise LoadError(shown, "file name has path parts; upload the file itself")
            part = target.with_name(f".{target.name}.part")  # whole or absent, as ingest reads it
            if isinstance(content, bytes):
                part.write_bytes(content)
            else:
                shutil.copyfile(content, part)
            part.replace(target)
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


def ingest_uploads(
    briefing: Any, files: list[Upload], *, urls: list[str] | None = None, **ingest: Any
) -> IngestReport:
    """Stage uploads, ingest them (and ``urls``) with ``Briefing.ingest(**ingest)``; the report names
    each file as the uploader did, and no copy is kept of what is not in the index."""
    staged, failed = stage_uploads(briefing.settings, files)
    report = IngestReport()
    if staged or urls:
        report = briefing.ingest(list(staged) + list(urls or []), **ingest)
    for item in report.items:
        if item.origin in staged and item.status in ("failed", "duplicate"):
            Path(item.origin).unlink(missing_ok=True)
    items = failed + [
        item.model_copy(update={"origin": _shown(item.origin, staged)}) for item in report.items
    ]
    return IngestReport(items=items, seconds=report.seconds)


def _shown(origin: str, staged: dict[str, str]) -> str:
    """An origin as the uploader named it (``path#3``, a record of an uploaded file, too)."""
    head, sep, tail = origin.partition("#")
    return staged[head] + sep + tail if head in staged else origin


def forget_upload(settings: Settings, origin: str) -> None:
    """Delete the uploaded copy a removed document came from (a file of one document only)."""
    path = Path(origin) if origin and "#" not in origin else None
    if path is not None and path.parent.resolve() == uploads_dir(settings).resolve():
        path.unlink(missing_ok=True)
