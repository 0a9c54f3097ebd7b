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
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mirsad.common.buildlog import storage_message
from mirsad.common.files import current_umask


class BuildFailed(Exception):
    """The build did not replace its target; the message says why and what to do."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


@contextlib.contextmanager
def project_lock(lock_file: Path) -> Iterator[int]:
    """One build at a time per project: builds share the output, the
    translation memory and the PDF cache. Yields the lock's file descriptor:
    Pelican inherits it, so the lock lasts as long as either process (a
    killed `invoke` must not let a second build start beside a Pelican still
    running)."""
    with open(lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            raise BuildFailed(f"Another build of this project is running (pid {owner}); wait for it "
                              "to finish (nothing to clean up: the lock ends with that process).") from None
        try:  # the pid only makes the message above nicer: a full disk must not stop here
            handle.truncate(0)
            os.write(handle.fileno(), str(os.getpid()).encode())  # unbuffered: nothing left to flush
        except OSError:
            pass
        yield handle.fileno()


def run_pelican(pelican: Path, content: Path, settings: Path, output: Path, lock: int, *, strict: bool,
                overrides: dict[str, Any] | None = None, extra: Sequence[str] = (), jobs: int = 0,
                target: Path | None = None, log: Path | None = None) -> None:
    """Run Pelican into `output`, holding the project lock `lock`. Problems are
    logged and summed up at the end by the plugins; with MIRSAD_STRICT=1 any
    error makes Pelican exit non-zero after the summary (not --fatal: that
    would stop at the first error and hide the others). `log`: a file for
    what the build prints (a command with a result of its own to print);
    its end is in the error if the build fails."""
    env = {**os.environ, "MIRSAD_STRICT": "1" if strict else ""}
    if jobs:
        env["MIRSAD_JOBS"] = str(jobs)  # read by pelicanconf.py
    settings_overrides = [f"{key}={json.dumps(value)}" for key, value in (overrides or {}).items()]
    command = [str(pelican), str(content), "-s", str(settings), "-o", str(output),
               *(["-e", *settings_overrides] if settings_overrides else []), *extra]
    if log is None:
        result = subprocess.run(command, env=env, pass_fds=(lock,))
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w", encoding="utf-8") as messages:
            result = subprocess.run(command, env=env, pass_fds=(lock,), stdout=messages, stderr=subprocess.STDOUT)
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
    for leftover in target.parent.glob(f".{target.name}-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-{kind}", dir=target.parent))
    staging.chmod(0o777 & ~current_umask())
    return staging


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
    problem = storage_message(named, target) or f"{error.strerror or error} ({named.filename or target})"
    return BuildFailed(f"Build failed: {problem}. {target} is left as it was.")
