"""The originals as they were reviewed: when a reviewed translation records
a source_hash, the original of that hash is kept beside the translations
(<translations>/.sources/<slug>-<hash>.md), so that review pages can show
what changed in the original since (a paragraph-level diff).

Kept with the content (commit them with it): the translation memory and
caches are not the place, `invoke clean` removes them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FOLDER = ".sources"


def snapshot_path(translations: Path, slug: str, digest: str) -> Path:
    return translations / FOLDER / f"{slug}-{digest}.md"


def keep_source(source_path: str | os.PathLike, slug: str, digest: str, translations: Path) -> Path:
    """Keep a copy of the original whose hash is `digest` (once)."""
    kept = snapshot_path(translations, slug, digest)
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".{kept.name}.part")
        shutil.copyfile(source_path, partial)
        os.replace(partial, kept)
    return kept
