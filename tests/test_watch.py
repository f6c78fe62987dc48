"""Watched folders and the daily schedule: a dropped file becomes answerable, the briefing is drafted
at its time (with a clock the test moves), in-process and in a live server's background thread."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from live_server import LiveServer

from assistant import Briefing
from assistant.client import Client
from assistant.errors import BriefingError
from assistant.server import create_app
from assistant.watch import Scheduler

SAMPLE = Path(__file__).resolve().parent.parent / "assistant" / "sample"

FLOOD = "Floodwater reached the market square of Marrowby on Tuesday. Officials said 120 homes were flooded."


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_file_dropped_into_a_watched_folder_is_ingested_at_the_next_scan(
    make_settings, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = make_settings(watch_paths=[str(inbox)], watch_interval_s=60)
    b = Briefing(settings)
    clock = FakeClock(datetime(2024, 11, 4, 8, 0))
    sched = Scheduler(b, settings, clock=clock)
    sched.tick()
    (inbox / "flood.txt").write_text(FLOOD)
    sched.tick()  # the interval has not passed: not scanned yet
    assert b.documents() == []
    clock.now += timedelta(seconds=60)
    sched.tick()
    answer = b.ask("How many homes were flooded in Marrowby?")
    assert "120" in answer.answer and answer.citations[0].title.startswith("Floodwater")
    assert sched.status.last_report is not None and sched.status.last_report.count("added") == 1
    assert sched.scan() is None  # unchanged files are not read again
    (inbox / "flood.txt").write_text(FLOOD.replace("120", "140"))
    assert [i.status for i in sched.scan().items] == ["updated"]
    assert "140" in b.ask("How many homes were flooded in Marrowby?").answer


def test_a_bad_file_in_a_watched_folder_is_reported_once_and_blocks_nothing(
    make_settings, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "broken.txt").write_bytes(b"\x00\x01\x02 not text" * 10)
    (inbox / "good.md").write_text("# Port\n\nThe port of Selwick handled 40 ships last week.")
    settings = make_settings(watch_paths=[str(inbox), str(tmp_path / "not-yet")])
    b = Briefing(settings)
    sched = Scheduler(b, settings)
    report = sched.scan()
    assert {Path(i.origin).name: i.status for i in report.items} == {
        "broken.txt": "failed",
        "good.md": "added",
    }
    assert sched.scan() is None  # the failure is not retried until the file changes
    (inbox / "broken.txt").write_text("The Selwick ferry strike ended on Friday.")
    assert [i.status for i in sched.scan().items] == ["added"]
    assert len(b.documents()) == 2


def test_the_daily_briefing_is_drafted_once_a_day_at_its_time(make_settings) -> None:
    settings = make_settings(brief_time=time(7, 0))
    clock = FakeClock(datetime(2024, 11, 4, 6, 59))
    drafted: list[date] = []

    def draft(day: date) -> object:
        drafted.append(day)
        if len(drafted) == 2:
            raise BriefingError("no documents between 2024-11-04 and 2024-11-04")
        return type("Brief", (), {"id": f"brief-{day}"})()

    sched = Scheduler(Briefing(settings), settings, clock=clock, draft=draft)
    sched.tick()
    assert drafted == []
    clock.now = datetime(2024, 11, 4, 7, 0)
    sched.tick()
    clock.now = datetime(2024, 11, 4, 18, 30)
    sched.tick()
    assert drafted == [date(2024, 11, 4)] and sched.status.last_brief_id == "brief-2024-11-04"
    clock.now = datetime(2024, 11, 5, 7, 1)
    sched.tick()  # fails: reported in the status, the scheduler carries on
    assert drafted[-1] == date(2024, 11, 5) and "no documents between" in sched.status.last_error
    clock.now = datetime(2024, 11, 6, 9, 0)  # started late: drafted at once
    sched.tick()
    assert drafted == [date(2024, 11, 4), date(2024, 11, 5), date(2024, 11, 6)]


def test_the_server_watches_folders_and_drafts_briefings_in_the_background(
    make_settings, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = make_settings(watch_paths=[str(inbox)], watch_interval_s=3600, brief_time=time(7, 0))
    clock = FakeClock(datetime(2024, 11, 4, 6, 0))
    drafted: list[date] = []

    def draft(day: date) -> object:
        drafted.append(day)
        return type("Brief", (), {"id": f"brief-{day}"})()

    app = create_app(Briefing(settings), settings, clock=clock, draft=draft)
    sched = app.state.scheduler
    with LiveServer(app) as srv, Client(srv.url) as client:
        assert client.health().status == "ok"  # start-up done: the background thread runs
        assert sched.run_round(timeout=60)
        (inbox / "flood.txt").write_text(FLOOD)
        clock.now += timedelta(hours=1, minutes=1)  # the next scan and the briefing are due
        assert sched.run_round(timeout=60)
        assert "120" in client.ask("How many homes were flooded in Marrowby?").answer
        background = client.status().background
        assert background.last_report.count("added") == 1 and background.last_brief_id == "brief-2024-11-04"
        assert drafted == [date(2024, 11, 4)]
    assert sched._thread is None  # stopped with the server


def test_the_scheduled_briefing_is_a_real_cited_brief_listed_by_the_client(make_settings) -> None:
    """No stub: the server's own drafter (``Briefing.brief(as_of=day)``) drafts the day before's news."""
    settings = make_settings(brief_time=time(7, 0))
    b = Briefing(settings)
    assert b.ingest([str(SAMPLE)], published=date(2024, 11, 3)).ok
    clock = FakeClock(datetime(2024, 11, 4, 6, 30))
    app = create_app(b, settings, clock=clock)
    sched = app.state.scheduler
    with LiveServer(app) as srv, Client(srv.url) as client:
        assert sched.run_round(timeout=60)
        assert client.briefs() == []  # not yet its time
        clock.now = datetime(2024, 11, 4, 7, 0)
        assert sched.run_round(timeout=120)
        background = client.status().background
        assert background.last_error is None, background.last_error
        [info] = client.briefs()
        assert info.id == background.last_brief_id
        brief = client.get_brief(info.id)
        assert (brief.since, brief.until) == (date(2024, 11, 3), date(2024, 11, 3))
        points = brief.cited_points()
        assert points and all(cites and all(c.quote for c in cites) for _t, cites in points)
        assert any("39" in text and any("39" in c.quote for c in cites) for text, cites in points)
