"""The project a task works on (its folders and settings files) and the one
way a task ends early: TaskError, which tasks.py turns into an exit code.
Tasks import the plugins they run inside their functions, so that
`invoke --list` and tasks.py stay quick to load."""

from __future__ import annotations

import contextlib
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
    def theme(self) -> Path:
        return self.root / "themes" / "mirsad"

    @property
    def build_lock(self) -> Path:
        return self.root / ".build.lock"

    @property
    def pelican(self) -> Path:
        return self.bin / "pelican"

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
    from mirsad.common.settings import SettingsError
    from mirsad.mt.api import PackageError
    from mirsad.review.api import ReviewError, TranslationFileExists

    prefix = f"invoke {command}: " if command else ""
    try:
        yield
    except BuildFailed as failure:
        raise TaskError(str(failure), code=failure.code) from None
    except (ReviewError, TranslationFileExists, PackageError, SettingsError) as error:
        raise TaskError(f"{prefix}{error}") from None
