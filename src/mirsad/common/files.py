"""File helpers shared by the plugins."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path


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


def write_atomically(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` whole or not at all (a temporary file, then a
    rename): a build killed meanwhile leaves the previous file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False,
                                     prefix=f".{os.path.basename(path)}-", suffix=".part") as handle:
        handle.write(text)
    os.chmod(handle.name, 0o666 & ~current_umask())  # as open() would make it, not mkstemp's 0600
    os.replace(handle.name, path)
