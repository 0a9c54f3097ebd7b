"""Worker processes for a build's costly, independent pieces (pages, key
points, search indexes, PDFs): one pool, used by every caller.

A pool is started with an explicit start method and gets its state as an
argument of the worker processes, never through a module global set before
the fork:

- "fork" (Linux) when no other thread runs in this process: workers
  inherit the state (templates, page contexts, a prepared WeasyPrint)
  without pickling, and start in milliseconds. A fork while another thread
  runs could copy a lock that thread holds, and Python 3.12+ warns about it:
  `fork_is_safe()` says whether a fork is safe now, and callers that need
  fork work in their own process when it is not;
- "spawn": a fresh interpreter, for state that pickles.

The pool runs no thread of its own (concurrent.futures' pools run a manager
thread, which would still be running when the next pool forks): this
process talks to each worker over a pipe of its own.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from .lifetime import die_with_parent

State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")


class WorkerDied(Exception):
    """A worker process ended while it worked on an item (killed for memory,
    a crash in native code). The pool replaces it and stays usable."""

    def __init__(self, tag: Hashable, exitcode: int | None):
        super().__init__(f"a worker process died (exit code {exitcode})")
        self.tag, self.exitcode = tag, exitcode


def threads_running() -> int:
    """Threads of this process, native ones included (CTranslate2's, OpenMP's):
    the count Python 3.12's fork warning reads."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def fork_is_safe() -> bool:
    """Fork is the platform's way (Linux) and this process runs one thread.
    A thread just joined may still be ending in the kernel: it is given a
    few milliseconds."""
    if not sys.platform.startswith("linux"):
        return False
    deadline = time.monotonic() + 0.02
    while threads_running() > 1:
        if threading.active_count() > 1 or time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Fork with nothing for the workers' garbage collector to collect.

    A forked worker inherits the build's objects but none of its threads.
    Had it collected an object whose destructor waits for a thread of the
    build (a CTranslate2 translator waits for its thread pool), it would
    wait forever. Everything is frozen before the fork, garbage included,
    so the workers' collector never looks at it. (Not collected first: a
    full collection of a large build's heap costs more than the fork.)"""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Workers(Generic[State, Item, Result]):
    """`size` processes, each running `handle(state, item)` for every item
    it is sent. Items are handed out as workers fall idle; `results()`
    yields `(tag, result)` as they finish. `handle` and `state` pickle only
    with "spawn"; items and results always do (they cross a pipe).

    An exception raised by `handle` is raised again by `results()`. A worker
    that dies raises WorkerDied from `results()`, naming the tag of its
    item; a new worker takes its place, and `results()` goes on with the
    other items when called again."""

    def __init__(self, handle: Callable[[State, Item], Result], state: State, size: int,
                 method: str = "fork"):
        self._context = multiprocessing.get_context(method)
        self._handle, self._state, self._wanted = handle, state, size
        self._idle: list[_Process] = []
        self._busy: dict[Connection, tuple[_Process, Hashable]] = {}
        self._queue: deque[tuple[Hashable, Item]] = deque()
        self._done: deque[tuple[Hashable, Result]] = deque()
        if method == "fork" and not fork_is_safe():
            raise RuntimeError(f"mirsad: no fork with {threads_running()} threads running "
                               "(check fork_is_safe() first)")
        with frozen_heap():
            for _ in range(size):
                self._idle.append(self._start())

    @classmethod
    def calling(cls, function: Callable[[Item], Result], size: int) -> Workers:
        """A pool whose items are the arguments of `function` (stateless)."""
        return cls(_apply, function, size)

    def __enter__(self) -> Workers[State, Item, Result]:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.close(wait=error is None)

    @property
    def size(self) -> int:
        return len(self._idle) + len(self._busy)

    def submit(self, item: Item, tag: Hashable = None) -> None:
        """Hand `item` to an idle worker, or queue it until one is."""
        self._queue.append((tag, item))
        self._collect(block=False)
        self._dispatch()

    def results(self) -> Iterator[tuple[Hashable, Result]]:
        """The result of every item submitted, as each finishes."""
        while self._done or self._queue or self._busy:
            if not self._done:  # with none busy, dispatching queued items is progress enough
                self._collect(block=bool(self._busy))
            while self._done:
                tag, value = self._done.popleft()
                if isinstance(value, _Failure):
                    raise value.error
                yield tag, value

    def close(self, wait: bool = True) -> None:
        """End the workers: idle ones are told to stop; with `wait` False
        (the caller is failing), busy ones are killed."""
        for worker, _ in self._busy.values():
            if wait:  # its result, unread, could keep it blocked in send()
                with contextlib.suppress(EOFError, OSError):
                    worker.connection.recv()
            else:
                worker.process.kill()
        for worker in [*self._idle, *(worker for worker, _ in self._busy.values())]:
            worker.stop()
        self._idle, self._busy, self._queue = [], {}, deque()

    def _start(self) -> _Process:
        ours, theirs = self._context.Pipe()
        # A worker keeps no end of this process's side of the pipes, its own
        # or its siblings': a sibling that dies is seen at once, and the
        # worker sees its pipe close when this process ends.
        owner_ends = [ours, *(worker.connection for worker in [*self._idle, *(w for w, _ in self._busy.values())])]
        arguments = (self._handle, self._state, theirs, owner_ends, os.getpid())
        process = self._context.Process(target=_serve, args=arguments, daemon=True)
        process.start()
        theirs.close()
        return _Process(process, ours)

    def _dispatch(self) -> None:
        while self._queue and (self._idle or self._replace()):
            worker, (tag, item) = self._idle.pop(), self._queue.popleft()
            try:
                worker.connection.send((tag, item))
            except (BrokenPipeError, ConnectionResetError):
                pass  # it died idle: seen by _collect below, as any death
            self._busy[worker.connection] = (worker, tag)

    def _collect(self, block: bool) -> None:
        """Take in what finished workers sent (failures too, raised by
        `results()`), and hand them new items."""
        for connection in wait(list(self._busy), timeout=None if block else 0) if self._busy else []:
            worker, tag = self._busy.pop(connection)
            try:
                failed, value = connection.recv()
            except (EOFError, ConnectionResetError):
                worker.process.join()
                connection.close()
                failed, value = True, WorkerDied(tag, worker.process.exitcode)
            else:
                self._idle.append(worker)
            self._done.append((tag, _Failure(value) if failed else value))
        self._dispatch()

    def _replace(self) -> bool:
        """Start a worker in place of one that died, if a fork is safe now."""
        if self.size >= self._wanted:
            return False
        if self._context.get_start_method() == "fork" and not fork_is_safe():
            if self.size == 0:  # the next item fails as its worker would
                tag, _ = self._queue.popleft()
                self._done.append((tag, _Failure(WorkerDied(tag, None))))
            return False
        with frozen_heap():
            self._idle.append(self._start())
        return True


class _Failure:
    """An item's exception (or its worker's death), raised when its turn comes."""

    def __init__(self, error: BaseException):
        self.error = error


class _Process:
    def __init__(self, process: multiprocessing.process.BaseProcess, connection: Connection):
        self.process, self.connection = process, connection

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.connection.close()
        self.process.join()


def _serve(handle: Callable[[Any, Any], Any], state: Any, connection: Connection,
           owner_ends: list[Connection], parent: int) -> None:
    """A worker's life: items in, results out, until told to stop or until
    the process that started it ends (killed builds leave no worker behind)."""
    die_with_parent(parent)
    for end in owner_ends:
        end.close()
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return  # the build's process is gone
        if message is None:
            return
        tag, item = message
        try:
            reply = (False, handle(state, item))
        except Exception as error:  # raised again in the build's process
            reply = (True, error)
        try:
            connection.send(reply)
        except Exception as error:  # an exception (or a result) that does not pickle
            connection.send((True, RuntimeError(f"{type(error).__name__}: {error}")))


def map_parallel(function: Callable[[Item], Result], items: Sequence[Item], jobs: int, least: int = 16,
                 progress: Callable[..., None] = lambda n=1: None) -> list[Result]:
    """`[function(item) for item in items]`, on `jobs` processes when there
    are at least `least` items (fewer do not repay the forks) and a fork is
    safe: `jobs - 1` forked workers and this process, which would otherwise
    only wait. `progress(n=k)` is called as k more items are done.
    `function` and `items` need not pickle (the workers inherit them);
    results must. A worker that dies raises WorkerDied: callers that can
    do the work themselves catch it."""
    if jobs < 2 or len(items) < least or not fork_is_safe():
        results = []
        for item in items:
            results.append(function(item))
            progress(n=1)
        return results
    chunks = _chunks(items, jobs)
    # Every process takes the next chunk as it finishes one, so all finish
    # together (with a queue, a worker would hold a chunk beyond the one it runs).
    shares = _Shares(function, chunks, multiprocessing.get_context("fork").Value("i", 0))
    with Workers(_take_chunks, shares, jobs - 1) as workers:
        for _ in range(workers.size):
            workers.submit(None)
        try:
            done = _take_chunks(shares, progress=progress)
        except BaseException:
            shares.claim_all()  # the workers stop at their current chunk
            raise
        for _, found in workers.results():
            progress(n=sum(len(chunks[number]) for number in found))
            done.update(found)
    return [result for number in range(len(chunks)) for result in done[number]]


class _Shares:
    """A map's function, its chunks and the number of the next chunk not taken yet."""

    def __init__(self, function: Callable[[Any], Any], chunks: list[list[Any]], following: Any):
        self.function, self.chunks, self.following = function, chunks, following

    def claim(self) -> int:
        with self.following.get_lock():
            number = self.following.value
            self.following.value = number + 1
        return number

    def claim_all(self) -> None:
        with self.following.get_lock():
            self.following.value = len(self.chunks)


def _take_chunks(shares: _Shares, _: None = None,
                 progress: Callable[..., None] = lambda n=1: None) -> dict[int, list[Any]]:
    done = {}
    while (number := shares.claim()) < len(shares.chunks):
        done[number] = [shares.function(item) for item in shares.chunks[number]]
        progress(n=len(shares.chunks[number]))
    return done


def _chunks(items: Sequence[Item], jobs: int) -> list[list[Item]]:
    # Several chunks per process: balanced when items differ in cost, few
    # round trips to the shared counter.
    size = max(1, len(items) // (jobs * 8))
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


class Background(Generic[Result]):
    """`function()` run in one forked process while the build goes on; its
    result (which must pickle) is collected with `result()`. Where a fork
    is not safe, or with one job, it runs at `result()`, in this process."""

    def __init__(self, function: Callable[[], Result], jobs: int):
        self.function = function
        self._workers: Workers | None = None
        if jobs > 1 and fork_is_safe():
            self._workers = Workers(_call, function, 1)
            self._workers.submit(None)

    def result(self) -> Result:
        """The function's result; if its process died, computed here."""
        if self._workers is None:
            return self.function()
        try:
            return next(self._workers.results())[1]
        except WorkerDied:
            return self.function()
        finally:
            self._workers.close()
            self._workers = None


def _call(function: Callable[[], Result], _: None) -> Result:
    return function()


def _apply(function: Callable[[Item], Result], item: Item) -> Result:
    return function(item)
