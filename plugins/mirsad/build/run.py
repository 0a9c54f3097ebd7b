"""A whole build as `invoke build` runs it: one build of a project at a time
(`project_lock`), Pelican in a process of its own writing into a staging
folder beside the target, and the staging folder swapped in only once the
build finished (`build_atomically`), with the preview folder of drafts
beside it (`<target>.drafts`). A failed or killed build leaves the target as
it was; the next build removes what a killed one left.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from mirsad.common.buildlog import storage_message
from mirsad.common.files import current_umask
from mirsad.common.lifetime import PARENT_VARIABLE, TARGET_VARIABLE, flock_owners, is_running, process_identity
from mirsad.common.output_folders import mark


TAKEOVER_TRIES = 100  # about 5 s of builds taking over a stale lock at once


class BuildFailed(Exception):
    """The build did not replace its target; the message says why and what to do."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


@contextlib.contextmanager
def project_lock(lock_file: Path) -> Iterator[None]:
    """One build at a time per project: builds share the output, the
    translation memory and the PDF cache.

    The lock is this process's alone: Pelican and its workers do not
    inherit it, and they end with this process (`die_with_parent`), so the
    lock lasts exactly as long as the build. A lock whose taker has ended
    but that processes it left behind still hold (as older versions left
    PDF workers) is taken over, with a message. The file names the build
    holding it, for the messages."""
    for _ in range(TAKEOVER_TRIES):
        handle = open(lock_file, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owners = flock_owners(handle)
            if owners == []:  # released meanwhile
                handle.close()
                continue
            holder = str(owners[0]) if owners else _holder(handle)
            if _taker_runs(owners, holder):
                handle.close()
                raise BuildFailed(f"Another build of this project is running (pid {_pid(holder)}); wait for "
                                  "it to finish (nothing to clean up: the lock ends with that process).") from None
            _take_over(handle, lock_file, holder)
            continue
        if _same_file(handle, lock_file):  # not replaced by a takeover meanwhile
            break
        handle.close()
    else:
        raise BuildFailed(f"Cannot take the build lock {lock_file}: processes of an ended build hold it and it "
                          "cannot be replaced here; end them, or remove the file, and build again.")
    try:
        try:  # the holder only makes the messages nicer: a full disk must not stop here
            handle.truncate(0)
            os.write(handle.fileno(), process_identity(os.getpid()).encode())  # unbuffered: nothing to flush
        except OSError:
            pass
        yield
    finally:
        handle.close()


def _taker_runs(owners: list[int] | None, holder: str) -> bool:
    """The process that took the lock still runs. Without /proc/locks
    (`owners` None), the one the file names; an unnamed lock is being taken
    right now."""
    if owners is None:
        return not holder or is_running(holder)
    return any(pid <= 0 or is_running(str(pid)) for pid in owners)  # <= 0: in another pid namespace


def _holder(handle: IO[str]) -> str:
    handle.seek(0)
    return handle.read(200).strip()


def _pid(holder: str) -> str:
    return holder.split()[0] if holder else "unknown"


def _same_file(handle: IO[str], path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
    except FileNotFoundError:
        return False


def _take_over(stale: IO[str], lock_file: Path, holder: str) -> None:
    """Put a new lock file in place of `stale`, whose taker has ended. A
    record lock on the stale file lets one build at a time do it; the
    others then find the new file (and, locked, the build that took it)."""
    try:
        fcntl.lockf(stale, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another build is taking over right now
        stale.close()
        time.sleep(0.05)
        return
    try:
        if _same_file(stale, lock_file):
            fresh = lock_file.with_name(f"{lock_file.name}.{os.getpid()}.part")
            fresh.touch()
            os.replace(fresh, lock_file)
            print(f"mirsad: took over the build lock {lock_file}: the build that took it (pid {_pid(holder)}) "
                  "has ended; processes it left behind still hold the old lock, and no longer stop builds.",
                  file=sys.stderr)
    finally:
        stale.close()


def run_pelican(pelican: Path, content: Path, settings: Path, output: Path, *, strict: bool,
                overrides: dict[str, Any] | None = None, extra: Sequence[str] = (), jobs: int = 0,
                target: Path | None = None, log: Path | None = None) -> None:
    """Run Pelican into `output`; hold the project lock while it runs.
    Pelican ends with this process (a killed `invoke` leaves no build
    running beside the next one). Problems are logged and summed up at the
    end by the plugins; with MIRSAD_STRICT=1 any error makes Pelican exit
    non-zero after the summary (not --fatal: that would stop at the first
    error and hide the others). `log`: a file for what the build prints (a
    command with a result of its own to print); its end is in the error if
    the build fails."""
    env = {**os.environ, "MIRSAD_STRICT": "1" if strict else "", PARENT_VARIABLE: str(os.getpid())}
    if target is not None:  # what the build is swapped into: the folders its report names
        env[TARGET_VARIABLE] = str(target)
    if jobs:
        env["MIRSAD_JOBS"] = str(jobs)  # read by pelicanconf.py
    settings_overrides = [f"{key}={json.dumps(value)}" for key, value in (overrides or {}).items()]
    command = [str(pelican), str(content), "-s", str(settings), "-o", str(output),
               *(["-e", *settings_overrides] if settings_overrides else []), *extra]
    if log is None:
        result = subprocess.run(command, env=env)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w", encoding="utf-8") as messages:
            result = subprocess.run(command, env=env, stdout=messages, stderr=subprocess.STDOUT)
    if result.returncode:
        where = "the messages above say why" if log is None else f"its messages are in {log}, ending:\n{_tail(log)}"
        raise BuildFailed(f"Build failed (pelican exit {result.returncode}): {target or output} is left as "
                          f"it was; {where}", code=result.returncode)


def _tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def build_atomically(target: Path, build: Callable[[Path], None]) -> None:
    """`build(staging)`, then the staging folder replaces `target`. Call it
    holding the project lock."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = staging_folder(target)
    except OSError as error:  # e.g. a read-only or full disk: the staging folder cannot be made
        raise storage_failure(error, target, target.parent) from None
    previews = preview_of(staging)
    try:
        build(staging)
        mark(staging)  # with the output, before the swap: a folder Mirsad may replace next time
        replace_dir(staging, target)
        replace_previews(previews, preview_of(target))
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(previews, ignore_errors=True)
        raise storage_failure(error, target) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(previews, ignore_errors=True)
        raise


def preview_of(output: Path) -> Path:
    """The preview folder of held briefings (drafts, scheduled) beside an
    output folder, as mirsad.i18n names it by default."""
    return output.with_name(output.name + ".drafts")


def replace_previews(new: Path, target: Path) -> None:
    """The build's previews replace the last build's; none: none are left."""
    if new.is_dir():
        replace_dir(new, target)
    else:
        shutil.rmtree(target, ignore_errors=True)


def staging_folder(target: Path, kind: str = "") -> Path:
    """A new, empty staging folder beside `target`, readable like any folder
    (mkdtemp makes it private). Call it holding the project lock: staging
    folders of killed builds are removed, and a site a killed swap left in
    `<target>.old` is put back."""
    old = target.with_name(target.name + ".old")
    if old.is_dir() and not target.exists():
        old.rename(target)
    for leftover in leftover_staging(target):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-{kind}", dir=target.parent))
    staging.chmod(0o777 & ~current_umask())
    return staging


def leftover_staging(target: Path) -> list[Path]:
    """Staging folders of `target` that killed commands left: only names
    mkdtemp gives them (`staging_folder`), never someone's `.output-backup`."""
    made = re.compile(rf"\.{re.escape(target.name)}-(?:[a-z]+-)?[a-z0-9_]{{8}}")
    return [path for path in target.parent.glob(f".{target.name}-*") if made.fullmatch(path.name) and path.is_dir()]


def replace_dir(new: Path, target: Path) -> None:
    """Swap a finished build in, so the target is never half-written."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    try:
        new.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)  # put the previous site back
        raise
    shutil.rmtree(old, ignore_errors=True)


def storage_failure(error: OSError, target: Path, where: Path | None = None) -> BuildFailed:
    """A clear message for a folder that cannot be written (no space,
    read-only); `where`: the folder to name instead of a temporary file."""
    named = OSError(error.errno, error.strerror, str(where)) if where else error
    problem = storage_message(named, target) or (f"{error.strerror or error} ({named.filename or target}): "
                                                 "check the folder's permissions, or choose another --output")
    return BuildFailed(f"Build failed: {problem}. {target} is left as it was.")
