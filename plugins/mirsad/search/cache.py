"""Skip-unchanged for search indexes: analysing the text and building a
lunr index are the costly parts of the search stage, and an unchanged site
gives the same index.

An index script is stored under a hash of all it is made from: every
document's source (body, title, names, result), the settings, and the
revision of the code and data that turn them into an index (this plugin,
mirsad.text with its word lists, the versions of the libraries they use,
Python's Unicode tables). A build whose documents did not change links the
stored script into the output instead of analysing anything.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import unicodedata
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mirsad.common.files import files_digest
from mirsad.text import source_files as text_source_files

# Bump when the index format changes without any input changing.
INDEX_REVISION = "2"


@functools.cache
def code_revision() -> str:
    """What turns documents into an index, besides their sources."""
    here = Path(__file__).resolve().parent
    libraries = " ".join(f"{name}={version(name)}" for name in ("lunr", "lxml", "snowballstemmer"))
    return (f"{libraries} unicode={unicodedata.unidata_version} "
            + files_digest([*here.glob("*.py"), *text_source_files()]))


def index_key(lang: str, inputs: Any) -> str:
    digest = hashlib.sha256(f"{INDEX_REVISION}\n{code_revision()}\n{lang}\n".encode())
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
