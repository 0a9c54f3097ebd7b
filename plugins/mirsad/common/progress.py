"""A progress bar for a long stage of the build (translation, PDFs, ...) on a
terminal, on Pelican's rich console (so log lines and the bar do not mix);
off a terminal (CI, a log file), a plain line when the stage starts and its
count every few seconds, and log records one line each, never wrapped.

The bars are redrawn as work advances, not by rich's refresh thread: the
build forks its workers while a bar is shown, and a fork is safe only
while no other thread runs (mirsad.common.workers)."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pelican.log import console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

# rich.progress is imported only when a bar is shown: about 12 ms of every
# build's start-up otherwise, and a build writing to a log shows no bar.

PLAIN_EVERY = 5.0  # seconds between two progress lines off a terminal


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[..., None]]:
    """Yield a callback to call as items finish: `advance()` for one, `advance(n=5)` for five."""
    if total == 0:
        yield lambda item=None, n=1: None
        return
    if not console.is_terminal:
        lines = PlainProgress(description, total)
        yield lambda item=None, n=1: lines.advance(n)
        lines.done()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task(description, total=total)
        redraw = _Redraw(progress)
        yield lambda item=None, n=1: redraw(task, n)


class Counter:
    """A running count for a stage whose total is not known in advance
    (pages written): start() and stop() around it, advance() per item."""

    def __init__(self, description: str):
        self._description = description
        self._progress: Progress | None = None
        self._lines: PlainProgress | None = None

    def start(self) -> None:
        if not console.is_terminal:
            self._lines = PlainProgress(self._description)
        else:
            from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=console, transient=True, auto_refresh=False)
            self._task = self._progress.add_task(self._description, total=None)
            self._redraw = _Redraw(self._progress)
            self._progress.start()

    def advance(self) -> None:
        if self._progress is not None:
            self._redraw(self._task, 1)
        elif self._lines is not None:
            self._lines.advance(1)

    def stop(self) -> None:
        if self._lines is not None:
            self._lines.done()
            self._lines = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class PlainProgress:
    """Progress off a terminal: the stage's count at most every PLAIN_EVERY
    seconds, and a line as it ends if it took that long (a quick stage, as
    in most incremental builds, says nothing)."""

    def __init__(self, description: str, total: int | None = None):
        self._description, self._total = description, total
        self._done = 0
        self._started = self._last = time.monotonic()
        self._said = False

    def advance(self, n: int = 1) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last >= PLAIN_EVERY:
            self._last = now
            self._say(f"{self._done}{f'/{self._total}' if self._total else ''}, {now - self._started:.0f} s")

    def done(self) -> None:
        if self._said:
            self._say(f"{self._done} done in {time.monotonic() - self._started:.1f} s")

    def _say(self, what: str) -> None:
        self._said = True
        console.print(f"{self._description}: {what}", markup=False, highlight=False, soft_wrap=True)


def plain_logs_off_terminal() -> None:
    """Off a terminal, rich lays log records out at 80 columns and wraps them
    in the middle of file paths: Pelican's rich handler gives way to a plain
    one there, one line per record (its filters kept)."""
    from rich.logging import RichHandler

    if console.is_terminal:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, RichHandler) and handler.console is console:
            plain = logging.StreamHandler(sys.stdout)
            plain.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
            plain.setLevel(handler.level)
            for log_filter in handler.filters:
                plain.addFilter(log_filter)
            root.removeHandler(handler)
            root.addHandler(plain)


class _Redraw:
    """Advance a task, redrawing the bar at most ten times a second (a redraw takes ~0.6 ms)."""

    def __init__(self, progress: Progress):
        self._progress, self._last = progress, 0.0

    def __call__(self, task: TaskID, n: int) -> None:
        now = time.monotonic()
        refresh = now - self._last >= 0.1
        self._progress.update(task, advance=n, refresh=refresh)
        if refresh:
            self._last = now


def stop_refresh_threads() -> None:
    """Stop the refresh thread of every live display on the console.

    Pelican's command line shows "Generating..." (rich's console.status)
    for the whole build, redrawn by a thread; a fork while it runs could
    copy the console's lock held. From here on the spinner is redrawn with
    the progress bars. (rich 15's Live internals, read with getattr: if they
    change, the thread keeps running and the build works in one process.)"""
    for live in getattr(console, "_live_stack", []):
        thread = getattr(live, "_refresh_thread", None)
        if thread is not None:
            thread.stop()
            thread.join()
            live._refresh_thread = None
            live.auto_refresh = False
