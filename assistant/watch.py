"""A server's background work: ingest watched folders and feeds as they change, and draft the daily
briefing at its time. Everything goes through ``Briefing`` (same ingest, same bad-input handling).

The clock is a callable (``datetime.now`` by default) so tests can move time; ``tick()`` does one
round on the caller's thread, and ``start()`` runs rounds on a background thread until ``stop()``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.errors import BriefingError
from assistant.types import IngestReport

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Draft = Callable[[date], Any]
"""Drafts and stores the briefing for an as-of day (``Briefing.brief(as_of=day)``); returns it."""

MAX_WAIT_S = 30.0
"""The background thread looks at the clock at least this often (an injected clock may jump)."""


class BackgroundStatus(BaseModel):
    """What the watcher and the daily schedule did last (part of the server's status)."""

    watch_paths: list[str] = Field(default_factory=list)
    watch_interval_s: float = 0.0
    last_scan: datetime | None = None
    last_report: IngestReport | None = Field(
        default=None, description="The last scan that ingested anything."
    )
    brief_time: time | None = None
    last_brief_day: date | None = None
    last_brief_id: str | None = None
    last_error: str | None = None


class FolderWatch:
    """Which watched files are new or changed since they were last ingested (size and mtime), plus
    the watched feed URLs, which are fetched every scan (unchanged items are skipped by ingest)."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = list(paths)
        self._seen: dict[str, tuple[int, int]] = {}
        self._missing_reported: set[str] = set()

    def pending(self) -> tuple[dict[str, tuple[int, int]], list[str]]:
        """(changed files with their signature, feed URLs)."""
        from index.loaders import iter_inputs

        files: dict[str, tuple[int, int]] = {}
        urls: list[str] = []
        for item in iter_inputs(self.paths):
            if item.lower().startswith(("http://", "https://")):
                urls.append(item)
                continue
            try:
                st = Path(item).stat()
            except OSError:
                if item not in self._missing_reported:
                    log.warning("watch: %s does not exist (yet)", item)
                    self._missing_reported.add(item)
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if self._seen.get(item) != sig:
                files[item] = sig
        return files, urls

    def done(self, files: dict[str, tuple[int, int]]) -> None:
        """Record files as ingested (a failed one is tried again only when it changes)."""
        self._seen.update(files)


class Scheduler:
    """Runs the watch scans every ``watch_interval_s`` and the daily draft at ``brief_time``."""

    def __init__(
        self, briefing: Any, settings: Settings, *, clock: Clock | None = None, draft: Draft | None = None
    ) -> None:
        self.briefing = briefing
        self.clock = clock or datetime.now
        self.watch = FolderWatch(settings.watch_paths) if settings.watch_paths else None
        self.interval = timedelta(seconds=settings.watch_interval_s)
        self.draft = draft or _brief_drafter(briefing)
        if settings.brief_time is not None and self.draft is None:
            log.warning("brief_time is set but this build of Briefing cannot draft briefings; ignored")
        self.status = BackgroundStatus(
            watch_paths=list(settings.watch_paths),
            watch_interval_s=settings.watch_interval_s,
            brief_time=settings.brief_time,
        )
        self._next_scan: datetime | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._asked = self._served = 0  # rounds requested with run_round, and the last one served
        self._round = threading.Condition()

    @property
    def has_work(self) -> bool:
        return self.watch is not None or (self.status.brief_time is not None and self.draft is not None)

    # -- one round -------------------------------------------------------------------------------
    def tick(self) -> None:
        """Scan if the interval has passed and draft the briefing if it is due; never raises."""
        now = self.clock()
        if self.watch is not None and (self._next_scan is None or now >= self._next_scan):
            self._next_scan = now + self.interval
            self._guard("watch scan", self.scan)
        if self.brief_due(now):
            self.status.last_brief_day = now.date()  # once a day, whatever the outcome
            self._guard("daily briefing", lambda: self._draft(now.date()))

    def scan(self) -> IngestReport | None:
        """Ingest the watched files that changed and the watched feeds; None when nothing to do."""
        assert self.watch is not None
        files, urls = self.watch.pending()
        self.status.last_scan = self.clock()
        if not files and not urls:
            return None
        report = self.briefing.ingest(sorted(files) + urls)
        self.watch.done(files)
        for item in report.failed:
            log.warning("watch: %s not ingested: %s", item.origin, item.reason)
        if any(i.status != "unchanged" for i in report.items):
            self.status.last_report = report
            log.info("watch: %s", ", ".join(f"{s} {report.count(s)}" for s in ("added", "updated", "failed")))
        return report

    def brief_due(self, now: datetime) -> bool:
        at = self.status.brief_time
        return (
            at is not None
            and self.draft is not None
            and now.time() >= at
            and self.status.last_brief_day != now.date()
        )

    def _draft(self, day: date) -> None:
        assert self.draft is not None
        brief = self.draft(day)
        self.status.last_brief_id = getattr(brief, "id", None)
        log.info("daily briefing drafted for %s: %s", day, self.status.last_brief_id)

    def _guard(self, what: str, job: Callable[[], Any]) -> None:
        try:
            job()
        except BriefingError as exc:
            self.status.last_error = f"{what}: {exc}"
            log.warning("%s failed: %s", what, exc)
        except Exception as exc:  # a background thread must outlive one bad round; say what happened
            self.status.last_error = f"{what}: {type(exc).__name__}: {exc}"
            log.exception("%s failed", what)

    # -- the background thread --------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None and self.has_work:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="briefing-scheduler", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to finish (a round in progress completes first) and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_round(self, timeout: float) -> bool:
        """Have the background thread run a round that starts after this call (so it sees the
        clock and files as they are now), and wait for it; False on timeout."""
        with self._round:
            self._asked += 1
            ticket = self._asked
        self._wake.set()
        with self._round:
            return self._round.wait_for(lambda: self._served >= ticket, timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            with self._round:
                ticket = self._asked
            self.tick()
            with self._round:
                self._served = ticket
                self._round.notify_all()
            self._wake.wait(self._seconds_to_next())

    def _seconds_to_next(self) -> float:
        now = self.clock()
        waits = [MAX_WAIT_S]
        if self._next_scan is not None:
            waits.append((self._next_scan - now).total_seconds())
        at = self.status.brief_time
        if at is not None and self.draft is not None:
            day = now.date() if self.status.last_brief_day != now.date() else now.date() + timedelta(days=1)
            waits.append((datetime.combine(day, at, now.tzinfo) - now).total_seconds())
        return max(0.05, min(waits))


def _brief_drafter(briefing: Any) -> Draft | None:
    """``Briefing.brief`` for the day's as-of date, when this build of Briefing has it."""
    brief = getattr(briefing, "brief", None)
    if brief is None:
        return None
    return lambda day: brief(as_of=day)
