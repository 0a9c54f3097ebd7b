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
from concurrent.futures import Future, ProcessPoolExecutor
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


# What a forked worker runs, inherited by the fork: map_forked's function
# of one item, or Background's function of none.
_task: Callable[..., Any] | None = None

# A map's chunks and the number of the next one not yet taken, shared by
# the build's process and its workers (inherited by the fork). Each takes
# the next chunk as it finishes one, so all finish together: with a queue,
# a worker holds a chunk queued beyond the one it runs.
_shared: tuple[list[list[Any]], Any] | None = None


def map_forked(function: Callable[[Item], Result], items: Sequence[Item], jobs: int,
               least: int = 16, progress: Callable[..., None] = lambda n=1: None) -> list[Result]:
    """`[function(item) for item in items]`, on `jobs` processes when there
    are at least `least` items (fewer do not repay the forks): `jobs - 1`
    forked workers and this one, which would otherwise only wait.
    `progress(n=k)` is called as k more items are done. `function` need
    not be picklable (the workers inherit it); items and results must be.
    A worker that dies takes the map down (BrokenProcessPool): callers
    that can do the work themselves catch it."""
    global _task, _shared
    context = fork_context()
    if context is None or jobs < 2 or len(items) < least:
        results = []
        for item in items:
            results.append(function(item))
            progress(n=1)
        return results
    chunks = _chunks(items, jobs)
    _task, _shared = function, (chunks, context.Value("i", 0))
    try:
        with ProcessPoolExecutor(jobs - 1, mp_context=context) as pool:
            with frozen_heap():  # the first submit forks every worker
                workers = [pool.submit(_take_chunks) for _ in range(jobs - 1)]
            try:
                done = _take_chunks(progress)
            except BaseException:
                _claim_all()  # the workers stop at their current chunk
                raise
            for worker in workers:
                found = worker.result()  # a failed chunk fails the map here
                progress(n=sum(len(chunks[number]) for number in found))
                done.update(found)
            return [result for number in range(len(chunks)) for result in done[number]]
    finally:
        _task, _shared = None, None


def _take_chunks(progress: Callable[..., None] = lambda n=1: None) -> dict[int, list[Any]]:
    assert _task is not None and _shared is not None, "mirsad: a forked worker started without its task"
    chunks, _ = _shared
    done = {}
    while (number := _claim()) < len(chunks):
        done[number] = [_task(item) for item in chunks[number]]
        progress(n=len(chunks[number]))
    return done


def _claim() -> int:
    _, following = _shared
    with following.get_lock():
        number = following.value
        following.value = number + 1
    return number


def _claim_all() -> None:
    chunks, following = _shared
    with following.get_lock():
        following.value = len(chunks)


def _chunks(items: Sequence[Item], jobs: int) -> list[list[Item]]:
    # Several chunks per process: balanced when items differ in cost, few
    # round trips to the shared counter.
    size = max(1, len(items) // (jobs * 8))
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


class ForkedPool:
    """Tasks handed in as the build goes on (a picklable function and
    arguments), run on `jobs` forked processes, started at the first task.
    Without fork, or with one job, there is no pool (`available` is False):
    the caller does the work itself."""

    def __init__(self, jobs: int):
        self._context = fork_context() if jobs > 1 else None
        self._jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    @property
    def available(self) -> bool:
        return self._context is not None

    def submit(self, function: Callable[..., Result], *args: Any) -> Future:
        assert self._context is not None, "mirsad: ForkedPool.submit without a pool (check `available`)"
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self._jobs, mp_context=self._context)
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
            _task = function  # inherited by the fork below
            self._pool = ProcessPoolExecutor(1, mp_context=context)
            with frozen_heap():
                self._future = self._pool.submit(_call_task)
            _task = None

    def result(self) -> Result:
        """The function's result; if its process died, computed here."""
        if self._future is None:
            return self.function()
        try:
            return self._future.result()
        except BrokenProcessPool:
            return self.function()
        finally:
            self._pool.shutdown()
            self._future = None


def _call_task() -> Any:
    assert _task is not None, "mirsad: a forked worker started without its task"
    return _task()
