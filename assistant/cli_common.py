"""What every ``briefing`` command needs: the settings, the ``Briefing`` built from them, the
one-line ingest report, and a listing (JSON, or one line per item)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def load_settings() -> Any:
    from pydantic import ValidationError

    from assistant.config import Settings
    from assistant.errors import ConfigError

    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}") from exc


def load_briefing() -> Any:
    from assistant import Briefing

    return Briefing(load_settings())


def print_report(report: Any) -> None:
    counts = {s: report.count(s) for s in ("added", "updated", "unchanged", "duplicate", "failed")}
    print(
        f"added {counts['added']}, updated {counts['updated']}, unchanged {counts['unchanged']}, "
        f"skipped {counts['duplicate'] + counts['failed']} ({counts['duplicate']} duplicate, {counts['failed']} failed); "
        f"{report.chunks_added} chunks in {report.seconds:.1f}s"
    )
    for item in report.items:
        if item.status in ("failed", "duplicate"):
            print(f"  {'FAILED ' if item.status == 'failed' else 'skipped'} {item.origin}: {item.reason}")


def print_listing(
    items: list[Any], as_json: bool, empty: str, line: Callable[[Any], str], total: Callable[[list[Any]], str] | None = None
) -> int:
    """A list command's output: the items as JSON, ``empty`` when there are none, or ``line`` of
    each (and ``total`` of them all after)."""
    if as_json:
        print(json.dumps([i.model_dump(mode="json") for i in items], indent=2, ensure_ascii=False))
        return 0
    if not items:
        print(empty)
        return 0
    for i in items:
        print(line(i))
    if total is not None:
        print(total(items))
    return 0
