"""Briefings as read, kept between builds by the digest of their text.

Parsing the front matter and rendering the Markdown is most of reading a
briefing (about 1.5 ms of 2 ms): a build of an archive reads thousands of
files that did not change. What is kept is what the text alone decides: the
fields as YAML gives them, the body, the rendered HTML and the direction
controls neutralised. The checks that depend on more than the text (the
fields, the site's languages, images on disk) run on every build, and
warnings are given again, so a build that reads from here reports exactly
what one that parses does.

One SQLite file in CACHE_PATH; an entry is keyed by the text and the
revision of the code that reads it, and a build keeps only the entries it
used. A killed build leaves the last committed state; an unreadable file is
started anew (a cache only saves time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mirsad.common.files import files_digest
from mirsad.text import source_files as text_source_files

logger = logging.getLogger(__name__)

FILE = "briefings-read.sqlite"


@dataclass
class Read:
    """What the text of a briefing file alone gives."""

    fields: dict[str, Any]  # as YAML parsed them, before any check
    body: str
    body_line: int
    content: str  # the body rendered and sanitised
    bidi: list[tuple[int, list[str]]]  # (line in the body, what was neutralised)


def revision(options: dict[str, Any]) -> str:
    here = Path(__file__).resolve().parent
    libraries = " ".join(f"{name}={version(name)}" for name in ("markdown-it-py", "mdit-py-plugins", "nh3", "pyyaml"))
    return hashlib.sha256(f"{libraries} {json.dumps(options, sort_keys=True, default=str)} "
                          f"{files_digest([*here.glob('*.py'), *text_source_files()])}".encode()).hexdigest()[:16]


class ReadCache:
    def __init__(self, folder: str, revision: str):
        self.path = os.path.join(folder, FILE)
        self.revision = revision
        self.used: set[str] = set()
        self.hits = self.misses = 0
        self._db = self._open()

    def _open(self) -> sqlite3.Connection | None:
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            return self._connect()
        except sqlite3.DatabaseError as error:
            logger.warning("mirsad_markdown: %s cannot be used (%s); it is started anew", self.path, error)
        except OSError as error:
            logger.info("mirsad_markdown: no read cache at %s (%s)", self.path, error)
            return None
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(self.path + suffix)
        try:
            return self._connect()
        except (sqlite3.DatabaseError, OSError):
            return None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS reads (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("BEGIN")
        return db

    def key(self, text: str) -> str:
        return self.revision + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    def get(self, text: str) -> Read | None:
        if self._db is None:
            return None
        key = self.key(text)
        try:
            row = self._db.execute("SELECT value FROM reads WHERE key = ?", (key,)).fetchone()
            found = _decode(row[0]) if row else None
        except (sqlite3.DatabaseError, ValueError, TypeError, KeyError):
            found = None
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self.used.add(key)
        return found

    def put(self, text: str, read: Read) -> None:
        if self._db is None:
            return
        try:
            value = json.dumps({"fields": _encode(read.fields), "body": read.body, "body_line": read.body_line,
                                "content": read.content, "bidi": read.bidi}, ensure_ascii=False)
        except TypeError:  # a YAML value JSON cannot hold: read it each time
            return
        key = self.key(text)
        try:
            self._db.execute("INSERT OR REPLACE INTO reads VALUES (?, ?)", (key, value))
            self.used.add(key)
        except sqlite3.DatabaseError as error:
            logger.info("mirsad_markdown: read cache not written (%s)", error)

    def save(self) -> None:
        """Keep what this build read, and only that."""
        if self._db is None:
            return
        try:
            self._db.execute("CREATE TEMP TABLE used (key TEXT PRIMARY KEY)")
            self._db.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((key,) for key in self.used))
            self._db.execute("DELETE FROM reads WHERE key NOT IN (SELECT key FROM used)")
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            logger.info("mirsad_markdown: read cache not saved (%s)", error)
        finally:
            self._db.close()
            self._db = None


def _encode(value: Any) -> Any:
    """YAML's values as JSON: dates tagged, everything else as it is."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        if any(not isinstance(key, str) for key in value) or any(key.startswith("$") for key in value):
            raise TypeError("keys JSON cannot hold")
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(type(value).__name__)


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        return {key: _decode_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_value(item) for item in value]
    return value


def _decode(text: str) -> Read:
    data = json.loads(text)
    return Read(_decode_value(data["fields"]), data["body"], int(data["body_line"]), data["content"],
                [(int(line), list(changes)) for line, changes in data["bidi"]])
