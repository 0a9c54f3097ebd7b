"""One build's state, in one object.

Pelican hands plugins nothing but its settings dict (and generators that
hold it), so the build's state is one `BuildSession` kept there under a
single key: the problems logged (buildlog.BuildLog), the report's lines,
the stage timings, the configurations computed once per build, and the
writer that renders the pages. A new build (a new settings dict) starts
with a new session; nothing of a build outlives it in module globals.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")
_KEY = "_MIRSAD_SESSION"


@dataclass
class Timings:
    started: float = field(default_factory=time.perf_counter)
    clock_started: float = field(default_factory=time.time)  # for comparing with files' modification times
    marks: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class BuildSession:
    settings: dict[str, Any]
    log: Any = None  # buildlog.BuildLog, from the build's start (mirsad.build)
    report: defaultdict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    timings: Timings = field(default_factory=Timings)
    writer: Any = None  # mirsad.build's ParallelWriter, once Pelican asked for it
    report_printed: bool = False
    last_checks: list[Callable[[], None]] = field(default_factory=list)  # report.check_last
    _made: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, make: Callable[[], T]) -> T:
        """`make()` the first time this build asks for `name` (a plugin's
        configuration, its summariser...), the same object afterwards."""
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def forget(self, name: str) -> None:
        self._made.pop(name, None)

    def made(self, name: str) -> Any | None:
        return self._made.get(name)


def new_session(settings: dict[str, Any]) -> BuildSession:
    """A build starts (mirsad.build, at Pelican's `initialized`): a fresh session."""
    settings[_KEY] = BuildSession(settings)
    return settings[_KEY]


def session_in(context: dict[str, Any] | None) -> BuildSession | None:
    """The session of the build a template context (a copy of its settings) comes from, if any."""
    return (context or {}).get(_KEY)


def session(settings: dict[str, Any]) -> BuildSession:
    """The session of the build these settings belong to."""
    found = settings.get(_KEY)
    if found is None:
        found = settings[_KEY] = BuildSession(settings)
    return found
