"""A progress bar for a long stage of the build (translation, PDFs, ...), on a
terminal only, on Pelican's rich console (so log lines and the bar do not mix)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pelican.log import console

if TYPE_CHECKING:
    from rich.progress import Progress

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
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda item=None, n=1: progress.advance(task, n)


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
                                      TimeElapsedColumn(), console=console, transient=True)
            self._task = self._progress.add_task(self._description, total=None)
            self._progress.start()

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
