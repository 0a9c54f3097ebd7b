"""Skip-unchanged for search indexes: building a lunr index is the costly part
of the search stage, and an unchanged site gives the same index.

An index script is stored under a hash of all it is made from (every
document's words and result, the settings, the language's browser data, the
lunr.py version); a build whose documents did not change links the stored
script into the output instead of building it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from importlib.metadata import version
from typing import Any

# Bump when the index format changes without any input changing.
INDEX_REVISION = "1"


def index_key(lang: str, inputs: Any) -> str:
    digest = hashlib.sha256(f"{INDEX_REVISION}\nlunr={version('lunr')}\n{lang}\n".encode())
    digest.update(json.dumps(inputs, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
    return digest.hexdigest()[:20]


class IndexCache:
    def __init__(self, directory: str):
        self.directory = directory

    def path(self, lang: str, key: str) -> str:
        return os.path.join(self.directory, f"{lang}.{key}.js")

    def prune(self, lang: str, kept: str) -> None:
        """One stored index per language: the one this build published."""
        for entry in os.scandir(self.directory):
            if entry.name.startswith(f"{lang}.") and entry.path != kept:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
