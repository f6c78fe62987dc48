"""Briefs stored as JSON files (one per brief, written atomically) under ``data_dir/briefs``."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from assistant.errors import NotFoundError
from assistant.types import Brief, BriefInfo, BriefScope

log = logging.getLogger(__name__)

_ID = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{8}$")


class BriefStore:
    """Save, list and reopen briefs; find the previous brief of a scope."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def save(self, brief: Brief) -> Path:
        """Write ``brief`` atomically (a temporary file renamed into place)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{brief.id}.json"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".brief-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(brief.model_dump_json(indent=1))
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    def get(self, brief_id: str) -> Brief:
        """The stored brief ``brief_id``; ``NotFoundError`` when there is none."""
        path = self.folder / f"{brief_id}.json"
        if not _ID.match(brief_id) or not path.is_file():
            raise NotFoundError(f"no brief with id {brief_id!r} (see `briefing briefs`)")
        return Brief.model_validate_json(path.read_text(encoding="utf-8"))

    def all(self) -> list[Brief]:
        """Every readable stored brief, newest period first (unreadable files are logged, skipped)."""
        out = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            try:
                out.append(Brief.model_validate_json(path.read_text(encoding="utf-8")))
            except (OSError, ValidationError) as exc:
                log.warning("skipping unreadable brief %s: %s", path, exc)
        out.sort(key=lambda b: (b.until, b.created), reverse=True)
        return out

    def list(self) -> list[BriefInfo]:
        return [b.info() for b in self.all()]

    def previous(self, scope: BriefScope, until: date) -> Brief | None:
        """The latest brief of the same scope whose period ends on or before ``until``."""
        for b in self.all():
            if b.scope == scope and b.until <= until:
                return b
        return None
