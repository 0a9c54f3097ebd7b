"""A killed build never locks the project (issue 33, part A): `kill -9` of
Pelican while its workers render PDFs ends those workers too, none of them
holds the build lock, and the next build starts at once. A lock still held
by processes whose build has ended is taken over, with a message.
Real `invoke build` runs in a copy of the project, real SIGKILLs."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from invoke_project import InvokeProject

TIMEOUT = 300


def children(pid: int) -> list[int]:
    """The live (non-zombie) child processes of `pid`."""
    found = []
    for entry in os.scandir("/proc"):
        stat = _stat(entry.name) if entry.name.isdigit() else None
        if stat and stat[1] == str(pid) and stat[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    stat = _stat(str(pid))
    return stat is not None and stat[0] not in ("Z", "X")


def holds(pid: int, path: Path) -> bool:
    """Process `pid` has `path` open."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def _stat(pid: str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError):
        return None


def rendering_workers(invoke: subprocess.Popen) -> tuple[int, list[int]]:
    """Pelican's pid and its PDF workers' (forked after WeasyPrint was loaded), once they run."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and invoke.poll() is None:
        for pelican in children(invoke.pid):
            workers = [pid for pid in children(pelican) if b"libpango" in _maps(pid)]
            if workers:
                return pelican, workers
        time.sleep(0.02)
    pytest.fail("the build never rendered PDFs in worker processes")


def end_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _maps(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/maps", "rb") as handle:
            return handle.read()
    except OSError:
        return b""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_pelican_while_pdfs_render_leaves_no_worker_and_no_lock(tmp_path):
    project = InvokeProject(tmp_path / "project")  # the four sample briefings: 12 PDFs and 3 digests
    lock = project.root / ".build.lock"
    invoke = project.start("build", log=tmp_path / "killed.log")
    try:
        pelican, workers = rendering_workers(invoke)
        # Only `invoke` holds the lock: not Pelican, not its workers.
        assert holds(invoke.pid, lock)
        assert not [pid for pid in (pelican, *workers) if holds(pid, lock)]
        os.kill(pelican, signal.SIGKILL)
        invoke.wait(60)
    finally:
        end_group(invoke)  # whatever a failure left
    log = (tmp_path / "killed.log").read_text(errors="replace")
    assert invoke.returncode != 0 and "Build failed (pelican exit -9)" in log, log[-3000:]

    deadline = time.monotonic() + 5
    while [pid for pid in workers if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not [pid for pid in workers if alive(pid)], "PDF workers of the killed build are still running"

    started = time.monotonic()
    next_build = project.start("build", log=tmp_path / "next.log")
    try:
        # It takes the lock at once: its Pelican starts within seconds.
        while not children(next_build.pid) and next_build.poll() is None and time.monotonic() < started + 30:
            time.sleep(0.02)
        took = time.monotonic() - started
        next_build.wait(TIMEOUT)
    finally:
        end_group(next_build)
    log = (tmp_path / "next.log").read_text(errors="replace")
    assert next_build.returncode == 0, log[-3000:]
    assert "Another build" not in log and "Traceback" not in log and took < 10, (took, log[-3000:])
    assert (project.output / "en" / "digest.pdf").is_file()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_invoke_ends_its_pelican_and_frees_the_project(tmp_path):
    project = InvokeProject(tmp_path / "project", briefings=("libya-oil-output",))
    invoke = project.start("build", log=tmp_path / "killed.log")
    try:
        deadline = time.monotonic() + 60
        while not (pelicans := children(invoke.pid)) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pelicans, "no Pelican started"
        os.kill(invoke.pid, signal.SIGKILL)  # the invoke process only
        invoke.wait(30)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in pelicans) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(alive(pid) for pid in pelicans), "Pelican outlived the invoke that started it"
    finally:
        end_group(invoke)
    run = project.run("build")
    assert run.code == 0 and "Another build" not in run.out, run.out[-3000:]


# An older version's build: the process that took the lock (writing its
# pid into the file) forks a worker, which inherits the lock, and is killed.
# With "--stay", the build keeps running.
BUILD = """
import fcntl, os, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.write(str(os.getpid()))
handle.flush()
if os.fork() == 0:
    print(os.getpid(), flush=True)
    time.sleep(300)
    os._exit(0)
if sys.argv[2:] == ["--stay"]:
    time.sleep(300)
"""


def start_build(lock: Path, *options: str) -> tuple[subprocess.Popen, int]:
    """The build's process and its worker's pid, once the lock is taken."""
    build = subprocess.Popen([sys.executable, "-c", BUILD, str(lock), *options], stdout=subprocess.PIPE, text=True)
    return build, int(build.stdout.readline())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/locks")
def test_a_lock_held_after_its_build_ended_is_taken_over_with_a_message(tmp_path, capsys):
    from mirsad.build.run import BuildFailed, project_lock

    lock = tmp_path / ".build.lock"
    build, worker = start_build(lock)
    build.wait()  # killed, say: its worker lives on, holding the lock
    try:
        with project_lock(lock):
            assert lock.read_text().split()[0] == str(os.getpid())
            with pytest.raises(BuildFailed, match=rf"Another build of this project is running \(pid {os.getpid()}\)"):
                with project_lock(lock):
                    pass
        assert (f"took over the build lock {lock}: the build that took it (pid {build.pid}) has ended"
                in capsys.readouterr().err)
        with project_lock(lock):  # the lock taken over ended with its holder
            pass
    finally:
        os.kill(worker, signal.SIGKILL)


def test_a_lock_whose_build_runs_is_not_taken_over(tmp_path):
    from mirsad.build.run import BuildFailed, project_lock

    lock = tmp_path / ".build.lock"
    build, worker = start_build(lock, "--stay")
    try:
        with pytest.raises(BuildFailed, match=rf"Another build of this project is running \(pid {build.pid}\)"):
            with project_lock(lock):
                pass
        with open(lock) as handle:  # still the same file, still locked
            with pytest.raises(BlockingIOError):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.kill(worker, signal.SIGKILL)
        build.kill()
        build.wait()
