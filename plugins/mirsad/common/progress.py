"""A progress bar for a long stage of the build (translation, PDFs, ...), on a
terminal only, on Pelican's rich console (so log lines and the bar do not mix).

The bars are redrawn as work advances, not by rich's refresh thread: the
build forks its workers while a bar is shown, and a fork is safe only
while no other thread runs (mirsad.common.workers)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pelican.log import console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

# rich.progress is imported only when a bar is shown: about 12 ms of every
# build's start-up otherwise, and a build writing to a log shows no bar.


@contextmanager
def progress_bar(description: str, total: int) -> Iterator[Callable[..., None]]:
    """Yield a callback to call as items finish: `advance()` for one, `advance(n=5)` for five."""
    if total == 0 or not console.is_terminal:
        yield lambda item=None, n=1: None
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

    def start(self) -> None:
        if console.is_terminal:
            from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), MofNCompleteColumn(),
                                      TimeElapsedColumn(), console=console, transient=True, auto_refresh=False)
            self._task = self._progress.add_task(self._description, total=None)
            self._redraw = _Redraw(self._progress)
            self._progress.start()

    def advance(self) -> None:
        if self._progress is not None:
            self._redraw(self._task, 1)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


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
