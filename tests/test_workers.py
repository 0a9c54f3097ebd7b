"""One worker pool (mirsad.common.workers) for every part of the build that
runs in other processes: explicit start method, state handed to the
workers, no thread of its own, and no fork while another thread runs,
which is what makes it safe on Python 3.12+ (whose fork warning counts the
same threads)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, SiteMaker
from mirsad.common.workers import Background, WorkerDied, Workers, fork_is_safe, map_parallel, threads_running
from test_machine_translation import install

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
pytestmark = pytest.mark.fresh_process  # other tests leave CTranslate2's and onnxruntime's threads here


def square(state: int, item: int) -> int:
    return state + item * item


def pid_of(_: None, item: int) -> tuple[int, int]:
    time.sleep(0.01)
    return item, os.getpid()


def fail_on_three(_: None, item: int) -> int:
    if item == 3:
        raise ValueError(f"item {item} is bad")
    return item


def die_on_three(_: None, item: int) -> int:
    if item == 3:
        os._exit(9)  # killed while it works: out of memory, a crash in native code
    return item


@pytest.fixture
def another_thread():
    """A thread running in this process while the test runs."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    yield thread
    stop.set()
    thread.join()


@linux_only
def test_forked_workers_get_their_state_as_an_argument():
    with Workers(square, 100, 2) as workers:
        for item in range(10):
            workers.submit(item, tag=item)
        assert dict(workers.results()) == {item: 100 + item * item for item in range(10)}


def test_spawned_workers_get_the_same_state_pickled():
    with Workers(square, 100, 2, method="spawn") as workers:
        for item in range(4):
            workers.submit(item, tag=item)
        assert dict(workers.results()) == {0: 100, 1: 101, 2: 104, 3: 109}


@linux_only
def test_items_are_spread_over_every_worker():
    with Workers(pid_of, None, 2) as workers:
        for item in range(20):
            workers.submit(item)
        pids = {pid for _, (_, pid) in workers.results()}
    assert len(pids) == 2 and os.getpid() not in pids


@linux_only
def test_an_exception_in_a_worker_is_raised_in_the_build():
    with pytest.raises(ValueError, match="item 3 is bad"), Workers(fail_on_three, None, 2) as workers:
        for item in range(6):
            workers.submit(item)
        list(workers.results())


@linux_only
def test_a_dead_worker_names_its_item_and_the_others_go_on():
    done, dead = [], []
    with Workers(die_on_three, None, 2) as workers:
        for item in range(8):
            workers.submit(item, tag=item)
        while len(done) + len(dead) < 8:
            try:
                done.extend(tag for tag, _ in workers.results())
            except WorkerDied as death:
                dead.append((death.tag, death.exitcode))
    assert dead == [(3, 9)]
    assert sorted(done) == [0, 1, 2, 4, 5, 6, 7]


@linux_only
def test_map_uses_the_build_process_and_forked_workers_in_order():
    def slow(n: int) -> tuple[int, int]:  # a closure: inherited by the fork, never pickled
        time.sleep(0.01)  # slow enough that the worker takes chunks too
        return n * 2, os.getpid()

    results = map_parallel(slow, range(40), jobs=2)
    assert [value for value, _ in results] == [n * 2 for n in range(40)]
    assert len({pid for _, pid in results}) == 2


@linux_only
def test_a_dead_worker_fails_the_map_with_worker_died():
    parent = os.getpid()

    def only_here(n: int) -> int:
        if os.getpid() != parent:
            os._exit(1)
        time.sleep(0.01)
        return n

    with pytest.raises(WorkerDied):
        map_parallel(only_here, range(40), jobs=2)


@linux_only
def test_no_fork_while_another_thread_runs(another_thread):
    assert threads_running() >= 2 and not fork_is_safe()
    results = map_parallel(lambda n: os.getpid(), range(40), jobs=2)
    assert set(results) == {os.getpid()}  # done here, not forked
    assert Background(os.getpid, jobs=2).result() == os.getpid()
    with pytest.raises(RuntimeError, match="no fork with"):
        Workers(square, 0, 1)


@linux_only
def test_background_runs_in_another_process_and_leaves_no_thread():
    before = threads_running()
    background = Background(os.getpid, jobs=2)
    assert threads_running() == before  # the pool talks over pipes: no manager thread
    assert background.result() != os.getpid()


BUILD = """
import json, os, sys
from mirsad.common.workers import threads_running
forks = []
os.register_at_fork(before=lambda: forks.append(threads_running()))
from pelican import main
main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(forks, out)
"""


@linux_only
def test_a_whole_build_that_translates_forks_only_with_one_thread_running(tmp_path):
    """Translation (CTranslate2 and its OpenMP threads) runs in a process of its
    own, so pages, key points, search indexes and PDFs still fork their workers
    after it, with no other thread running at any fork."""
    site = SiteMaker(tmp_path)
    install(tmp_path / "models")
    for number in range(20):
        site.briefing(f"b{number}", f"موجز {number}", body="الوضع الأمني في ليبيا لا يزال هشا. "
                      f"وقعت اشتباكات جنوب طرابلس {number}.")
    settings = {"MIRSAD_PROJECT_ROOT": str(tmp_path), "MIRSAD_JOBS": 2,
                "MIRSAD_MT": {"models_dir": str(tmp_path / "models"), "memory": str(tmp_path / "tm.sqlite"),
                              "intra_threads": 2}}
    record = tmp_path / "forks.json"
    done = subprocess.run([sys.executable, "-c", BUILD, str(record), str(site.content), "-s",
                           str(ROOT / "pelicanconf.py"), "-o", str(tmp_path / "output"), "--cache-path",
                           str(tmp_path / "cache"), "-q",
                           "-e", *[f"{key}={json.dumps(value)}" for key, value in settings.items()]],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    page = (tmp_path / "output" / "en" / "briefings" / "b1.html").read_text(encoding="utf-8")
    assert "The security situation in Libya remains fragile." in page
    assert (tmp_path / "output" / "en" / "briefings" / "b1.pdf").read_bytes().startswith(b"%PDF")
    forks = json.loads(record.read_text())
    assert len(forks) >= 4, forks  # pages, key points, search indexes, PDFs
    assert set(forks) == {1}, forks



@linux_only
def test_when_no_worker_may_be_forked_again_the_items_left_fail_and_nothing_hangs():
    """The only worker dies while another thread runs, so no new one may be
    forked: the items it would have taken fail one by one as WorkerDied."""
    outcomes = []
    with Workers(die_on_three, None, 1) as workers:
        stop = threading.Event()
        thread = threading.Thread(target=stop.wait)
        thread.start()
        try:
            for item in range(6):
                workers.submit(item, tag=item)
            while len(outcomes) < 6:
                try:
                    outcomes.extend((tag, "done") for tag, _ in workers.results())
                except WorkerDied as death:
                    outcomes.append((death.tag, "died"))
        finally:
            stop.set()
            thread.join()
    assert outcomes == [(0, "done"), (1, "done"), (2, "done"), (3, "died"), (4, "died"), (5, "died")]


def test_translation_runs_in_a_process_of_its_own_and_leaves_no_thread_here(tmp_path):
    from mirsad.mt.engines.engine import EngineOptions
    from mirsad.mt.engines.engine_process import EngineDied, EngineProcess
    from mirsad.mt.models.packages import installed_packages

    install(tmp_path / "models")
    package = next(found for found in installed_packages(tmp_path / "models") if found.to_code == "en")
    before = threads_running()
    engine = EngineProcess(package, EngineOptions(intra_threads=2))
    try:
        assert [t.text for t in engine.translate(["الوضع الأمني في ليبيا لا يزال هشا."])] == [
            "The security situation in Libya remains fragile."]
        assert threads_running() == before  # CTranslate2's threads are in the other process
        engine._process.kill()  # a crash in native code, the OOM killer
        with pytest.raises(EngineDied, match=r"Argos ar→en.*exit code -9.*invoke models"):
            engine.translate(["وقعت اشتباكات جنوب طرابلس."])
    finally:
        engine.close()
