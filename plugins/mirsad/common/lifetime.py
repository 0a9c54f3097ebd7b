"""Processes that end with the process that started them, and who holds a lock.

A build is a tree of processes: `invoke`, its Pelican, Pelican's worker
processes. When one is killed (`kill -9`, out of memory), its children
must not live on: a worker blocked on its pipe would otherwise run for
ever as a child of init. On Linux the kernel kills a child whose parent
ended (prctl PR_SET_PDEATHSIG); elsewhere a child sees its parent's end of
the pipe close.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import IO

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_VARIABLE = "MIRSAD_BUILD_PARENT"  # the pid a Pelican run by `invoke` ends with
# The folder `invoke build` swaps a staged build into, for what its Pelican reports.
TARGET_VARIABLE = "MIRSAD_OUTPUT_TARGET"


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when `parent` (its parent) ends;
    if it has already ended, end now. The signal follows the parent's
    thread that started this process: start children from a thread that
    outlives them (the main thread, or the one that waits for them)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the pipe to the parent still ends us
            pass
    if os.getppid() != parent:  # it ended before the signal was asked for
        os._exit(1)


def die_with_invoking_process() -> None:
    """In a Pelican started by a Mirsad command (run_pelican names the
    command's pid in MIRSAD_BUILD_PARENT): end with that command."""
    parent = os.environ.pop(PARENT_VARIABLE, "")
    if parent.isdigit():
        die_with_parent(int(parent))


def process_identity(pid: int) -> str:
    """`pid` and its start time (Linux), which tells a process from a later one given the same pid."""
    return f"{pid} {_start_time(pid) or ''}".strip()


def is_running(identity: str) -> bool:
    """The process `process_identity` named is still running (not ended, not a zombie)."""
    pid, _, started = identity.partition(" ")
    if not pid.isdigit():
        return False
    if sys.platform.startswith("linux"):
        stat = _stat(int(pid))
        return stat is not None and stat[0] not in ("Z", "X") and (not started or stat[19] == started)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def flock_owners(handle: IO) -> list[int] | None:
    """The pids that set the flock locks on the open file `handle` (Linux:
    /proc/locks names the process that took a lock, even once it has ended
    and a child that inherited the descriptor holds it); None where unknown."""
    info = os.fstat(handle.fileno())
    key = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            fields = [line.split() for line in locks]
    except OSError:
        return None
    return [int(entry[4]) for entry in fields
            if len(entry) > 5 and entry[1] == "FLOCK" and entry[5] == key and entry[4].lstrip("-").isdigit()]


def _start_time(pid: int) -> str | None:
    stat = _stat(pid)
    return stat[19] if stat else None


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first, start time at index 19)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].decode().split()
    except (OSError, IndexError):
        return None
