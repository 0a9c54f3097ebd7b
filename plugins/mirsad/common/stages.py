"""How long each stage of a build takes, and what it did (segments translated
or reused, PDFs rendered or reused): the end-of-build report shows it, and
`<CACHE_PATH>/last-build.json` keeps it for tools (bench/bench_build.py).

Plugins time their own work with `stage(settings, name)` and add counts with
`count()`; Pelican's own reading and writing are timed between its signals
(`mark()`), by the receivers mirsad.i18n connects.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .files import write_atomically
from .session import Timings, session

# The order the report shows them in.
STAGES = ("read", "translate", "summarise", "pdf", "html", "search")


def timings(settings: dict[str, Any]) -> Timings:
    return session(settings).timings


@contextmanager
def stage(settings: dict[str, Any], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        record = timings(settings).seconds
        record[name] = record.get(name, 0.0) + time.perf_counter() - start


def count(settings: dict[str, Any], name: str, value: int) -> None:
    counts = timings(settings).counts
    counts[name] = counts.get(name, 0) + value


def note(settings: dict[str, Any], name: str, value: str) -> None:
    """A fact about the build for tools (e.g. when the next scheduled briefing is due)."""
    timings(settings).notes[name] = value


def mark(settings: dict[str, Any], event: str) -> None:
    """Remember when a Pelican signal fired (the first time it did)."""
    timings(settings).marks.setdefault(event, time.perf_counter())


def summary(settings: dict[str, Any]) -> dict[str, Any]:
    """Seconds per stage (Pelican's reading and page writing included) and counts."""
    record = timings(settings)
    marks, seconds = record.marks, dict(record.seconds)
    if "read_start" in marks and "read_end" in marks:
        seconds["read"] = marks["read_end"] - marks["read_start"]
    if "write_start" in marks:
        # Page writing, less the search index built in the same phase.
        end = marks.get("write_end", time.perf_counter())
        seconds["html"] = end - marks["write_start"] - seconds.get("search", 0.0)
    total = time.perf_counter() - record.started
    ordered = {name: round(seconds[name], 3) for name in STAGES if name in seconds}
    ordered.update({name: round(value, 3) for name, value in seconds.items() if name not in ordered})
    return {"total": round(total, 3), "stages": ordered, "counts": dict(record.counts), "notes": dict(record.notes)}


def report_line(data: dict[str, Any]) -> str:
    parts = [f"{name} {value:.1f} s" for name, value in data["stages"].items()]
    return f"{data['total']:.1f} s in all: " + ", ".join(parts)


def save(settings: dict[str, Any], data: dict[str, Any]) -> Path | None:
    """Write last-build.json in the cache folder (atomically: readers never see half a file)."""
    folder = settings.get("CACHE_PATH")
    if not folder:
        return None
    path = Path(folder) / "last-build.json"
    write_atomically(path, json.dumps(data, indent=1))
    return path
