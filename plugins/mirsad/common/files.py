"""File helpers shared by the plugins."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, read in blocks (models can be large)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def files_digest(paths: Iterable[Path]) -> str:
    """A SHA-256 of the files' names and bytes: the revision of the code and
    word lists a cached result was made with. Give files by pattern, not
    whole folders: Python writes bytecode (__pycache__) beside sources."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def publish(cached: str, target: str) -> None:
    """Put a cached file (a PDF, a search index) at `target`: a hard link when
    possible (no copy), else a copy; atomically, through a `.part` name."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.exists(target) and os.path.samefile(cached, target):
        # Already there (a build into a folder that holds it). rename() between
        # two links of one file does nothing, which would leave the .part behind.
        return
    partial = target + ".part"
    if os.path.lexists(partial):
        os.unlink(partial)
    try:
        os.link(cached, partial)
    except OSError:  # another file system, or links not supported
        shutil.copyfile(cached, partial)
    os.replace(partial, target)


def current_umask() -> int:
    """The process umask (reading it means setting it, so it is set back)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, mode: str = "w", prefix: str | None = None) -> Iterator[IO]:
    """The one way Mirsad writes a file that must be whole or absent (caches,
    PDFs, indexes, the bundle): written under a temporary `.part` name beside
    `path` (`prefix` names it, e.g. after the writing process), renamed over
    `path` when the block ends, removed if it fails. A build killed meanwhile
    leaves the previous file and, at worst, a `.part` its cache sweeps away.
    The file gets the mode open() would give it (0o666 less the umask)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=folder, prefix=prefix or f".{os.path.basename(path)}-",
                                           suffix=".part")
    try:
        text = "b" not in mode
        with os.fdopen(descriptor, mode, **({"encoding": "utf-8", "newline": "\n"} if text else {})) as handle:
            yield handle
        os.chmod(partial, 0o666 & ~current_umask())  # mkstemp's 0600 would hide it from a web server
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` whole or not at all (see atomic_file)."""
    with atomic_file(path) as handle:
        handle.write(text)
