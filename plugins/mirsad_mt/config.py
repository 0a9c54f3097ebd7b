"""mirsad_mt settings (the MIRSAD_MT dict in pelicanconf.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirsad_common.settings import jobs, once_per_build, plugin_settings

from .engine import EngineOptions

DEFAULTS: dict[str, Any] = {
    # Folder of installed Argos packages; the MIRSAD_MODELS_DIR environment
    # variable overrides it.
    "models_dir": "~/.local/share/mirsad/models",
    # Target languages (default: every site language but the source).
    "targets": None,
    # Language used as a bridge when no direct package is installed.
    "pivot": "en",
    # Translation memory (SQLite), relative to the project folder.
    "memory": "cache/translation-memory.sqlite",
    # Glossary, relative to the content folder.
    "glossary": "glossary.yml",
    # Missing model: False = the build completes and the pages say the
    # translation is not available yet; True = the build fails.
    "strict": False,
    # Engine (measured defaults: see README, "Performance").
    "beam_size": 2,
    "max_batch_size": 32,
    # Source tokens per batch (padding included): bounds the memory of a
    # batch of long sentences.
    "max_batch_tokens": 2048,
    "compute_type": "int8",
    "inter_threads": 1,
    # Threads per translation; None: MIRSAD_JOBS (every core by default).
    "intra_threads": None,
    "max_length_ratio": 1.5,
}


@dataclass(frozen=True)
class MTConfig:
    source: str
    targets: list[str]
    pivot: str
    models_dir: Path
    memory: Path
    glossary: Path
    strict: bool
    engine: EngineOptions


def load(settings: dict[str, Any]) -> MTConfig:
    """The plugin's configuration, computed once per build."""
    return once_per_build(settings, "MIRSAD_MT", lambda: _load(settings))


def _load(settings: dict[str, Any]) -> MTConfig:
    options = plugin_settings(settings, "MIRSAD_MT", DEFAULTS)
    source = settings["DEFAULT_LANG"]
    languages = (settings.get("MIRSAD_I18N") or {}).get("languages") or [source]
    targets = options["targets"] or [lang for lang in languages if lang != source]
    project = Path(settings.get("MIRSAD_PROJECT_ROOT") or os.getcwd())
    models_dir = os.environ.get("MIRSAD_MODELS_DIR") or options["models_dir"]
    return MTConfig(
        source=source,
        # The pivot language first, so its translations exist when others reuse them.
        targets=sorted(targets, key=lambda lang: lang != options["pivot"]),
        pivot=options["pivot"],
        models_dir=Path(os.path.expanduser(models_dir)),
        memory=project / options["memory"],
        glossary=Path(settings["PATH"]) / options["glossary"],
        strict=bool(options["strict"]),
        engine=EngineOptions(
            beam_size=options["beam_size"], max_batch_size=options["max_batch_size"],
            max_batch_tokens=options["max_batch_tokens"],
            compute_type=options["compute_type"], inter_threads=options["inter_threads"],
            intra_threads=options["intra_threads"] or jobs(settings), max_length_ratio=options["max_length_ratio"],
        ),
    )
