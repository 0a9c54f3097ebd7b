"""A small persistent cache for results of costly pure functions (summaries):
one JSON file, keyed by a hash of the inputs, kept between builds.

Written whole at the end of a build through a temporary file and a rename,
so a killed build leaves the previous file; a file that cannot be read is
started anew (a cache only saves time). Saving keeps only the entries this
build used, so the file follows the site instead of growing forever.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from .files import write_atomically

logger = logging.getLogger(__name__)


def key_of(*inputs: Any) -> str:
    encoded = json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class JsonCache:
    def __init__(self, path: str, revision: str):
        """`revision`: bump it when the cached function changes; older entries are dropped."""
        self.path, self.revision = path, revision
        self._old = self._load()
        self._used: dict[str, Any] = {}
        self.hits = self.misses = 0

    def _load(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            logger.warning("mirsad: %s: unreadable cache (%s); starting it anew", self.path, error)
            return {}
        if not isinstance(data, dict) or data.get("revision") != self.revision:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str) -> Any | None:
        if key in self._used:
            return self._used[key]
        if key in self._old:
            self.hits += 1
            self._used[key] = self._old[key]
            return self._used[key]
        self.misses += 1
        return None

    def put(self, key: str, value: Any) -> None:
        self._used[key] = value

    def save(self) -> None:
        write_atomically(self.path, json.dumps({"revision": self.revision, "entries": self._used},
                                               ensure_ascii=False))
