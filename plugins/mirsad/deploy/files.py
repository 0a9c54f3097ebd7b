"""The files of a build as a deploy sees them: their names, digests, kinds
and HTTP headers, and the manifest of what Mirsad deployed to a target."""

from __future__ import annotations

import functools
import hashlib
import json
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirsad.common.output_folders import MARKER

# At the root of every target: the names (and digests) of the files Mirsad
# uploaded there. A deploy deletes only names listed in it.
MANIFEST = ".mirsad-deploy.json"

# Upload order: assets before the pages that use them, feeds and sitemaps
# (which announce pages) last, so a reader never gets a page before its assets.
ASSET, PAGE, FEED = 0, 1, 2

TYPES = {  # by suffix, longest first: what mimetypes gets wrong or lacks on some systems
    ".atom.xml": "application/atom+xml", ".rss.xml": "application/rss+xml",
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8",
    ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".pdf": "application/pdf",
    ".zip": "application/zip", ".svg": "image/svg+xml", ".ico": "image/x-icon", ".webp": "image/webp",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
}
# Cached long by browsers and CDNs; everything else (pages, feeds, scripts, search indexes) short.
LONG_CACHE = (".woff2", ".woff", ".ttf", ".css", ".pdf", ".svg", ".ico", ".webp", ".png", ".jpg", ".jpeg", ".gif")


class ManifestError(Exception):
    """A target's manifest cannot be read; the message names it and the way out."""


def content_type(name: str) -> str:
    lower = name.lower()
    for suffix, kind in TYPES.items():
        if lower.endswith(suffix):
            return kind
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def kind(name: str) -> int:
    lower = name.lower()
    if lower.endswith(".html"):
        return PAGE
    if lower.endswith(".xml"):
        return FEED
    return ASSET


def cache_control(name: str, policy: dict[str, str]) -> str:
    return policy["long" if name.lower().endswith(LONG_CACHE) else "short"]


@dataclass(frozen=True)
class LocalFile:
    """A file of the build: `name` is its path in the site, with "/"."""

    name: str
    path: Path
    size: int

    @functools.cached_property
    def md5(self) -> str:
        with open(self.path, "rb") as handle:
            return hashlib.file_digest(handle, "md5").hexdigest()

    def entry(self) -> dict[str, Any]:
        """What the manifest keeps of it."""
        return {"md5": self.md5, "size": self.size}


def local_files(output: Path) -> dict[str, LocalFile]:
    """Every file of the build, by name, in upload order (assets, pages, feeds)."""
    found = []
    for folder, _, names in os.walk(output):
        for name in names:
            path = Path(folder) / name
            relative = path.relative_to(output).as_posix()
            if relative not in (MANIFEST, MARKER):  # the marker says who made the folder here, not there
                found.append(LocalFile(relative, path, path.stat().st_size))
    return {file.name: file for file in sorted(found, key=lambda file: (kind(file.name), file.name))}


def in_order(names) -> list[str]:
    return sorted(names, key=lambda name: (kind(name), name))


def manifest_bytes(entries: dict[str, dict[str, Any]]) -> bytes:
    body = {"generator": "Mirsad (invoke deploy)",
            "note": "The files Mirsad deployed here; a deploy deletes only files listed here.",
            "files": dict(sorted(entries.items()))}
    return (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def parse_manifest(data: bytes | None, where: str) -> dict[str, dict[str, Any]]:
    """The entries of a manifest read from `where` (None: there is none yet)."""
    if data is None:
        return {}
    try:
        files = json.loads(data.decode("utf-8"))["files"]
        if not isinstance(files, dict) or not all(isinstance(entry, dict) for entry in files.values()):
            raise ValueError("'files' is not a mapping of names to entries")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{where} is not a Mirsad deploy manifest ({error}). Remove it to start over: "
                            "the next deploy then uploads what differs and deletes nothing.") from None
    return files
