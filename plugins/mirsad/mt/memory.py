"""Translation memory: every translated segment, on disk (SQLite).

Keyed by the source segment, the language pair, the identity of the
engine(s) that produced it and the glossary entries it depends on, so an
unchanged segment is never translated twice. Writes of one build go in a
single transaction: a killed build leaves the previous memory intact.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable

from .engines.engine import Translation

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,          -- 'raw' (one engine) or 'final' (with glossary and markup)
    pair TEXT NOT NULL,
    engine TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    created REAL NOT NULL,
    confidence REAL,             -- the engine's (mirsad.mt.engines.engine.Translation); NULL: none given
    flags TEXT                   -- 'final' rows: why the pipeline flags it, a JSON list; NULL: none
)
"""


class DamagedMemory(sqlite3.DatabaseError):
    """The memory file opens but fails SQLite's integrity check."""


def _damaged(error: sqlite3.DatabaseError) -> bool:
    """Real damage (not SQLite's or the disk's passing trouble: full, read-only, busy)."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    return isinstance(error, DamagedMemory) or code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _storage_error(error: sqlite3.DatabaseError, path: str) -> OSError:
    """The memory cannot be opened for a reason of its disk or of another
    process: an OSError the build report explains (no space, read-only)."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    folder = os.path.dirname(os.path.abspath(path))
    if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR) and _no_space(folder):
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
    if code == sqlite3.SQLITE_READONLY:
        return OSError(errno.EROFS, os.strerror(errno.EROFS), path)
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return OSError(errno.EBUSY, "the translation memory is in use by another process "
                       "(another build?); wait for it and build again", path)
    return OSError(errno.EIO, f"the translation memory cannot be opened ({error}); check the "
                   "disk and the folder's permissions", path)


def _no_space(folder: str) -> bool:
    try:
        return os.statvfs(folder).f_bavail == 0
    except OSError:
        return False


def segment_key(kind: str, source: str, pair: str, engine: str, glossary: str = "", revision: str = "") -> str:
    """`revision`: of the code that made the row, when its output depends on more than the engine."""
    parts = "\x1f".join((kind, pair, engine, glossary, source) + ((revision,) if revision else ()))
    return hashlib.sha256(parts.encode("utf-8")).hexdigest()


class TranslationMemory:
    def __init__(self, path: str):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError as error:
            if not _damaged(error):
                raise _storage_error(error, path) from None
            # Kept, not deleted: it may still be recoverable (sqlite3 .recover).
            aside = f"{path}.damaged-{int(time.time())}"
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.replace(path + suffix, aside + suffix)
            logger.warning(
                "mirsad_mt: %s: the translation memory is damaged (%s); moved to %s and "
                "started anew, so this build re-translates what it needs", path, error, aside,
            )
            self._db = self._open(path)
        self._pending: dict[str, tuple] = {}

    @staticmethod
    def _open(path: str) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)
            _add_columns(db)
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise DamagedMemory("integrity check failed")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, Translation]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, Translation] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = self._db.execute(
                f"SELECT key, target, confidence, flags FROM segments WHERE key IN ({','.join('?' * len(chunk))})",
                chunk)
            found.update((key, Translation(target, confidence, _flags(flags))) for key, target, confidence, flags in rows)
        wanted = set(keys)
        found.update({key: Translation(row[5], row[7], _flags(row[8])) for key, row in self._pending.items()
                      if key in wanted})
        return found

    def put(self, key: str, kind: str, pair: str, engine: str, source: str, translation: Translation) -> None:
        self._pending[key] = (key, kind, pair, engine, source, translation.text, time.time(),
                              translation.confidence, json.dumps(translation.flags) if translation.flags else None)

    def commit(self) -> None:
        if not self._pending:
            return
        with self._db:  # one transaction: every pending segment or none
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO segments (key, kind, pair, engine, source, target, created, confidence, "
                "flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._pending.values()
            )
        self._pending.clear()

    def close(self) -> None:
        self._db.close()


def _add_columns(db: sqlite3.Connection) -> None:
    """A memory written before confidences (or flags) were kept gets the
    column; its segments have none (NULL) until they are translated again."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(segments)")}
    for name, kind in (("confidence", "REAL"), ("flags", "TEXT")):
        if name not in columns:
            db.execute(f"ALTER TABLE segments ADD COLUMN {name} {kind}")


def _flags(stored: str | None) -> tuple[str, ...]:
    return tuple(json.loads(stored)) if stored else ()
