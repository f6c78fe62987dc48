"""Briefs stored as JSON files (one per brief, written atomically) under ``data_dir/briefs``."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

from pydantic import ValidationError

from assistant.errors import NotFoundError
from assistant.types import Brief, BriefInfo, BriefScope

log = logging.getLogger(__name__)

_ID = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9a-f]{8}$")
RECENT_DAYS = 3  # a previous brief ends at most this many days (or a period's length) before a brief starts


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

    def previous(self, scope: BriefScope, since: date, until: date) -> Brief | None:
        """The latest brief of the same scope whose period ends on or before ``until`` and is recent:
        it ends no earlier than a period's length (at least ``RECENT_DAYS``) before ``since``. A
        weekly brief follows last week's, a Monday's the Friday's; one of three months ago is no
        "last brief" to compare with."""
        earliest = since - timedelta(days=max((until - since).days + 1, RECENT_DAYS))
        for b in self.all():
            if b.scope == scope and earliest <= b.until <= until:
                return b
        return None
