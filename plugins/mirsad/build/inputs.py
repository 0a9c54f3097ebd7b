"""Whether a build would make what the output already holds: a fingerprint
of everything a build reads, so that `invoke build` with nothing changed
ends at once instead of reading an archive to find that out.

The fingerprint covers the content, the theme, the plugins' code, the
settings files and the settings given on the command line, the installed
translation models, the environment's MIRSAD_* variables and the installed
Python packages: files by name, size and modification time (as make does).
The last build that finished recorded its fingerprint (outcome.py) and
whether its output holds for as long as nothing changes: it had no error,
no briefing waiting for a model or a server, and, if briefings are
scheduled, it holds only until the first of them is due.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from importlib.metadata import distributions
from pathlib import Path
from typing import Any

from mirsad.common.lifetime import PARENT_VARIABLE, TARGET_VARIABLE

# Variables that say how a build runs, not what it makes.
NOT_INPUTS = frozenset({PARENT_VARIABLE, TARGET_VARIABLE, "MIRSAD_JOBS"})


def fingerprint(folders: Iterable[Path], files: Iterable[Path], options: dict[str, Any]) -> str:
    """A digest of the files under `folders`, the `files`, `options` (the
    command line's settings), the environment and the installed packages."""
    digest = hashlib.sha256()
    for folder in sorted({Path(folder).resolve() for folder in folders}):
        digest.update(f"folder {folder}\n".encode())
        for parent, names, found in sorted(os.walk(folder)):
            names[:] = sorted(name for name in names if name != "__pycache__")
            for name in sorted(found):
                _add_file(digest, Path(parent) / name, folder)
    for path in sorted({Path(path).resolve() for path in files}):
        _add_file(digest, path, path.parent)
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    variables = {name: value for name, value in os.environ.items()
                 if name.startswith("MIRSAD_") and name not in NOT_INPUTS}
    digest.update(json.dumps(variables, sort_keys=True).encode())
    digest.update(sys.version.encode())
    packages = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in distributions())
    digest.update("\n".join(packages).encode())
    return digest.hexdigest()


def _add_file(digest: Any, path: Path, base: Path) -> None:
    try:
        status = os.stat(path)
    except OSError:
        digest.update(f"gone {path}\n".encode())
        return
    digest.update(f"{path.relative_to(base)}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())


def holds_until(record: dict[str, Any]) -> str | None:
    """Until when the output of the build `record` (its last-build.json)
    describes holds while nothing changes: "" for ever, a time (ISO 8601)
    when a scheduled briefing is due, None if the next build must run anyway
    (errors, briefings waiting for a model or a server)."""
    counts, notes = record.get("counts", {}), record.get("notes", {})
    if counts.get("errors") or counts.get("briefings_waiting"):
        return None
    return str(notes.get("next_publication") or "")


def still_holds(until: str | None, now: dt.datetime) -> bool:
    if until is None:
        return False
    if not until:
        return True
    try:
        due = dt.datetime.fromisoformat(until)
    except ValueError:
        return False
    return now < (due if due.tzinfo else due.replace(tzinfo=now.tzinfo))
