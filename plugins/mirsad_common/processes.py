"""Work spread over forked processes: a build's costly, independent pieces
(key points of each briefing, the search indexes, PDFs) on every core.

Forking starts a worker in milliseconds with everything the build has
already imported and computed; where fork is not the platform's way
(macOS, Windows), callers do the work in their own process instead.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def fork_context() -> BaseContext | None:
    """The fork start method where it is safe and usual (Linux), else None."""
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return None


def pool_context() -> BaseContext:
    """fork where available, else the platform's default start method."""
    return fork_context() or multiprocessing.get_context()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Fork with nothing for the workers' garbage collector to collect.

    A forked worker inherits the build's objects but none of its threads.
    Had it collected, say, a CTranslate2 translator the build no longer
    used, the destructor would wait forever for its thread pool (seen as
    a hung build). Everything is frozen before the fork, garbage included,
    so the workers' collector never looks at it. (Not collected first: a
    full collection of a large build's heap costs more than the fork.)"""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_task: Callable[[Any], Any] | None = None  # what map_forked's workers run, inherited by the fork


def _run(chunk: list[Any]) -> list[Any]:
    assert _task is not None, "mirsad: a forked worker started without its task"
    return [_task(item) for item in chunk]


def map_forked(function: Callable[[Item], Result], items: Sequence[Item], jobs: int,
               least: int = 16, progress: Callable[..., None] = lambda n=1: None) -> list[Result]:
    """`[function(item) for item in items]`, on `jobs` processes when there
    are at least `least` items (fewer do not repay the forks): `jobs - 1`
    forked workers and this one, which would otherwise only wait.
    `progress(n=k)` is called as k more items are done. `function` need
    not be picklable (the workers inherit it); items and results must be.
    A worker that dies takes the map down (BrokenProcessPool): callers
    that can do the work themselves catch it."""
    global _task
    context = fork_context()
    if context is None or jobs < 2 or len(items) < least:
        results = []
        for item in items:
            results.append(function(item))
            progress(n=1)
        return results
    _task = function
    chunks = _chunks(items, jobs)
    try:
        with ProcessPoolExecutor(min(jobs - 1, len(chunks)), mp_context=context) as pool:
            with frozen_heap():  # the first submit forks every worker
                futures = [pool.submit(_run, chunk) for chunk in chunks]
            done_here = take_unstarted(futures, lambda index: _run(chunks[index]),
                                       lambda index: progress(n=len(chunks[index])))
            waited = {future: index for index, future in enumerate(futures) if index not in done_here}
            for future in as_completed(waited):
                future.result()  # a failed chunk fails the map now
                progress(n=len(chunks[waited[future]]))
            return [result for index, future in enumerate(futures)
                    for result in (done_here[index] if index in done_here else future.result())]
    finally:
        _task = None


def take_unstarted(futures: Sequence[Future], work: Callable[[int], Result],
                   done: Callable[[int], None] = lambda index: None) -> dict[int, Result]:
    """Do here, from the last back, each of `futures`' tasks that no worker
    has begun (`work(index)`, then `done(index)`), until one has: a
    process that would wait for its workers works with them instead. The
    workers take tasks from the first on; the results done here, by index."""
    results: dict[int, Result] = {}
    for index in reversed(range(len(futures))):
        if not futures[index].cancel():
            break  # this one has begun, and every one before it
        results[index] = work(index)
        done(index)
    return results


def _chunks(items: Sequence[Item], jobs: int) -> list[list[Item]]:
    # A few chunks per worker: balanced when items differ in cost, few round trips.
    size = max(1, len(items) // (jobs * 4))
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


class ForkedPool:
    """Tasks handed in as the build goes on (a picklable function and
    arguments), run on `workers` forked processes, started at the first
    task. Without fork, or with no workers, there is no pool (`available`
    is False): the caller does the work itself."""

    def __init__(self, workers: int):
        self._context = fork_context() if workers > 0 else None
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    @property
    def available(self) -> bool:
        return self._context is not None

    def submit(self, function: Callable[..., Result], *args: Any) -> Future:
        assert self._context is not None, "mirsad: ForkedPool.submit without a pool (check `available`)"
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._workers, mp_context=self._context)
        with frozen_heap():  # the first submit forks the workers
            return self._pool.submit(function, *args)

    def close(self) -> None:
        """Wait for the workers to end."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class Background:
    """`function()` run in one forked process while the build goes on; the
    result (which must be picklable) is collected with `result()`. Without
    fork, or with one job, it runs at `result()`, in this process."""

    def __init__(self, function: Callable[[], Result], jobs: int):
        self.function = function
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future | None = None
        context = fork_context()
        if context is not None and jobs > 1:
            global _task
            _task = lambda _: function()  # noqa: E731 - inherited by the fork below
            self._pool = ProcessPoolExecutor(1, mp_context=context)
            with frozen_heap():
                self._future = self._pool.submit(_run, [None])
            _task = None

    def result(self) -> Result:
        """The function's result; if its process died, computed here."""
        if self._future is None:
            return self.function()
        try:
            return self._future.result()[0]
        except BrokenProcessPool:
            return self.function()
        finally:
            self._pool.shutdown()
            self._future = None
