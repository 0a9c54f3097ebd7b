"""A reproducible zip of a folder with a SHA-256 manifest inside, and the
check of a received one.

Reproducible: the same files give the same bytes. Entries are sorted by
path, every entry carries the same timestamp and permissions, no folder
entries, no extra fields, one compression setting per file type. The
manifest, `SHA256SUMS`, has the format of GNU `sha256sum` ("<hex>  <path>"),
so `sha256sum -c SHA256SUMS` checks an unpacked bundle without Mirsad.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mirsad.common.files import atomic_file, sha256_file

MANIFEST = "SHA256SUMS"
# Already compressed: deflating them again costs time and saves nothing.
STORED_SUFFIXES = frozenset({".woff2", ".woff", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".zip", ".gz"})
COMPRESS_LEVEL = 9
# rw-r--r-- regular file, as unzip restores it.
FILE_MODE = 0o100644
EARLIEST = dt.datetime(1980, 1, 1)  # the zip format cannot say earlier


class BundleError(Exception):
    """A bundle cannot be written or read; the message names the file and the fix."""




def files_of(folder: Path) -> list[str]:
    """Every file under `folder`, as sorted POSIX paths relative to it."""
    found = []
    for directory, _, names in os.walk(folder):
        for name in names:
            found.append((Path(directory) / name).relative_to(folder).as_posix())
    return sorted(found)


def manifest_text(hashes: dict[str, str]) -> str:
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(hashes.items()))


def parse_manifest(text: str, source: str) -> dict[str, str]:
    hashes = {}
    for number, line in enumerate(text.splitlines(), 1):
        digest, separator, path = line.partition("  ")
        if not separator or len(digest) != 64 or not path:
            raise BundleError(f"{source}: line {number} of {MANIFEST} is not '<sha256>  <path>'; "
                              "the bundle is damaged: ask for it again")
        hashes[path] = digest.lower()
    return hashes


def write_zip(folder: Path, destination: Path, timestamp: dt.datetime) -> dict[str, str]:
    """Zip every file of `folder` plus its manifest into `destination` and
    return the manifest (path -> SHA-256)."""
    paths = [path for path in files_of(folder) if path != MANIFEST]
    hashes = {path: sha256_file(folder / path) for path in paths}
    stamp = max(timestamp.replace(tzinfo=None), EARLIEST).timetuple()[:6]
    # Never a half-written bundle under the real name.
    with atomic_file(destination, "wb") as output, zipfile.ZipFile(output, "w") as archive:
        for path in sorted([*paths, MANIFEST]):
            data = (manifest_text(hashes).encode("utf-8") if path == MANIFEST
                    else (folder / path).read_bytes())
            info = _entry(path, stamp)
            level = COMPRESS_LEVEL if info.compress_type == zipfile.ZIP_DEFLATED else None
            archive.writestr(info, data, compresslevel=level)
    return hashes


def _entry(path: str, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=stamp)
    info.create_system = 3  # Unix, whatever machine builds the bundle
    info.external_attr = FILE_MODE << 16
    stored = Path(path).suffix.lower() in STORED_SUFFIXES
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    return info


@dataclass
class Verification:
    """What `verify` found: files named in the manifest but absent, present
    but not named, or whose content differs."""

    source: str
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.altered)

    def lines(self) -> list[str]:
        head = (f"{self.source}: OK, {self.checked} files match {MANIFEST}" if self.ok
                else f"{self.source}: NOT OK ({len(self.missing)} missing, {len(self.extra)} extra, "
                     f"{len(self.altered)} altered, of {self.checked} files in {MANIFEST})")
        return [head] + [f"  {kind}: {path}" for kind in ("missing", "extra", "altered")
                         for path in getattr(self, kind)]


def verify(path: Path) -> Verification:
    """Check a bundle (the zip, or the folder it was unpacked into) against
    the manifest inside it."""
    if path.is_dir():
        return _check(str(path), files_of(path), lambda name: (path / name).read_bytes())
    if not zipfile.is_zipfile(path):
        raise BundleError(f"{path}: not a zip file nor a folder; give the bundle's .zip "
                          "(or the folder it was unpacked into)")
    with zipfile.ZipFile(path) as archive:
        names = sorted(name for name in archive.namelist() if not name.endswith("/"))
        return _check(str(path), names, archive.read)


def _check(source: str, names: list[str], read: Callable[[str], bytes]) -> Verification:
    if MANIFEST not in names:
        raise BundleError(f"{source}: no {MANIFEST} inside, so it cannot be checked; "
                          "was it made by `invoke bundle`?")
    expected = parse_manifest(read(MANIFEST).decode("utf-8"), source)
    present = set(names) - {MANIFEST}
    result = Verification(source, checked=len(expected))
    result.missing = sorted(set(expected) - present)
    result.extra = sorted(present - set(expected))
    result.altered = [name for name in sorted(present & set(expected))
                      if _digest(read, name) != expected[name]]
    return result


def _digest(read: Callable[[str], bytes], name: str) -> str | None:
    try:
        return hashlib.sha256(read(name)).hexdigest()
    except (zipfile.BadZipFile, zlib.error, EOFError):  # bytes changed inside the zip
        return None
