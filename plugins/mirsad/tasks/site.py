"""The project a task works on (its folders and settings files) and the one
way a task ends early: TaskError, which tasks.py turns into an exit code.
Tasks import the plugins they run inside their functions, so that
`invoke --list` and tasks.py stay quick to load."""

from __future__ import annotations

import contextlib
import errno
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class TaskError(Exception):
    """A task cannot go on; the message says why and what to do, `code` is the exit status."""

    def __init__(self, message: str = "", code: int = 1):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Site:
    """A Mirsad project: pelicanconf.py, content/, themes/, output/ in `root`."""

    root: Path
    bin: Path = Path(sys.executable).parent  # the project's .venv/bin: pelican, pybabel, lint-imports

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def cache(self) -> Path:
        """The default cache folder; `invoke build --cache DIR` uses another."""
        return self.root / "cache"

    @property
    def theme(self) -> Path:
        return self.root / "themes" / "mirsad"

    @property
    def build_lock(self) -> Path:
        return self.root / ".build.lock"

    @property
    def pelican(self) -> Path:
        return self.bin / "pelican"

    def folders(self, content: Path | None = None, cache: Path | None = None):  # -> output_folders.ProjectFolders
        """The folders no output may be, contain or sit in: content (the
        project's and `content`), the theme, plugins, cache (and `cache`)."""
        from mirsad.common.output_folders import ProjectFolders

        own = [self.content, self.theme, self.root / "plugins", self.root / "cache",
               *(path for path in (content, cache) if path is not None)]
        return ProjectFolders.of(self.root, own, outputs=[self.output, self.root / "output.review"])

    def output_folder(self, target: Path, kind: str = "site", force: bool = False, *,
                      content: Path | None = None, cache: Path | None = None) -> Path:
        """`target` resolved, once common.output_folders allows a command to write it (else OutputRefused)."""
        from mirsad.common.output_folders import check_output

        return check_output(target, self.folders(content, cache), kind=kind, force=force)

    def settings_file(self, publish: bool = False) -> Path:
        return self.root / ("publishconf.py" if publish else "pelicanconf.py")

    def settings(self, publish: bool = False) -> dict[str, Any]:
        """The project's Pelican settings."""
        from pelican.settings import read_settings

        return read_settings(str(self.settings_file(publish)))


@contextlib.contextmanager
def failing_as(command: str = "") -> Iterator[None]:
    """The errors a user can cause end the task with their message: a build
    that failed (its own exit code), and those of the review and model commands."""
    from mirsad.build.api import BuildFailed
    from mirsad.common.output_folders import OutputRefused
    from mirsad.common.settings import SettingsError
    from mirsad.mt.api import PackageError
    from mirsad.review.api import ReviewError, TranslationFileExists

    prefix = f"invoke {command}: " if command else ""
    try:
        yield
    except BuildFailed as failure:
        raise TaskError(str(failure), code=failure.code) from None
    except OutputRefused as refused:
        raise TaskError(f"{prefix}{refused}", code=2) from None
    except (ReviewError, TranslationFileExists, PackageError, SettingsError) as error:
        raise TaskError(f"{prefix}{error}") from None
    except OSError as error:  # a folder or file the user's system would not let us read or write
        raise TaskError(f"{prefix}{os_error_message(error)}") from None


def os_error_message(error: OSError) -> str:
    """What went wrong with which path, and what to do, for an error of the system (permissions, space)."""
    from mirsad.common.buildlog import storage_message

    known = storage_message(error)
    if known:
        return known
    where = " -> ".join(map(_shown, filter(None, (error.filename, error.filename2)))) or "a file"
    fix = {errno.EACCES: "check its permissions (and its folder's), or run as a user who may write it",
           errno.EPERM: "check its permissions (and its folder's), or run as a user who may write it",
           errno.ENOENT: "check that the path exists",
           errno.ENOTDIR: "a part of the path is a file, not a folder",
           errno.EISDIR: "give a file, not a folder"}.get(error.errno, "check the path and try again")
    return f"{error.strerror or error}: {where}; {fix}"


def _shown(path: str | bytes | int) -> str:
    """A path for a message: for a temporary file (`.name-xxxx.part`, written
    then renamed), the folder the user has to fix."""
    name = Path(str(path))
    return f"the folder {name.parent}" if name.name.startswith(".") and name.name.endswith(".part") else str(name)
