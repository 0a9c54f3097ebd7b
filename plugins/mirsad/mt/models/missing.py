"""The set-up step of `make build` (`invoke models --if-missing`): install
the models the site's language pairs still lack from the package index,
once. The build itself never downloads; this step must never stop it
either: where the index cannot be reached, or a download fails, it says so
in one line (the missing pairs and the commands that install them) and the
build goes on, showing those languages as "not available yet"."""

from __future__ import annotations

import threading
from typing import Any

from rich.console import Console

from .download import DownloadOptions, IndexUnreachable, fetch_index
from .install import SiteModels, install_from_index, missing_pairs
from .packages import PackageError

# Seconds the set-up may wait for the index, name lookup and connection
# included: on a machine without network (CI) `make build` goes on at once.
INDEX_DEADLINE = 5.0
INSTALL_LATER = ("install them with `invoke models` (from the package index) or `invoke models --from DIR` "
                 "(a folder of .argosmodel files)")


def install_missing(config: SiteModels, console: Console | None = None) -> list:
    """Install the pairs the site lacks; nothing to do (and no request) when
    every pair has a model or LibreTranslate servers translate."""
    console = console or Console(stderr=True)
    missing = missing_pairs(config) if config.local else []
    if not missing:
        return []
    pairs = ", ".join(f"{a}→{b}" for a, b in missing)
    if not config.fetch_at_setup:
        _one_line(console, f"{pairs} not installed (not fetched: MIRSAD_FETCH_MODELS=0 or MIRSAD_MT['fetch_models'] "
                           f"is off); the build shows those languages untranslated; {INSTALL_LATER}")
        return []
    try:
        index = _index_within(config.index_url, INDEX_DEADLINE)
    except IndexUnreachable as error:
        _one_line(console, f"{pairs} not installed: the package index {config.index_url} cannot be reached "
                           f"({error.reason}); the build goes on without them; {INSTALL_LATER}")
        return []
    except PackageError as error:  # an answer that is not an index (a captive portal...)
        _one_line(console, f"{pairs} not installed: {error}")
        return []
    console.print(f"Installing the translation models this site needs ({pairs}) from {config.index_url}, "
                  "once (MIRSAD_FETCH_MODELS=0 turns this off)", markup=False, highlight=False, soft_wrap=True)
    try:
        return install_from_index(config, index, console)
    except PackageError as error:  # named and explained; what was installed stays
        _one_line(console, f"{error}; the build goes on without it")
        return []


def _index_within(url: str, seconds: float) -> list[dict[str, Any]]:
    """The index, or IndexUnreachable after `seconds` in all: urllib's
    timeout bounds the connection and each read, not the name lookup, which
    can hang for long on a machine without network."""
    answer: dict[str, Any] = {}

    def read() -> None:
        try:  # urllib's own timeout only ends the thread, should it still wait
            answer["index"] = fetch_index(url, DownloadOptions(timeout=2 * seconds, retries=0))
        except PackageError as error:
            answer["error"] = error

    reader = threading.Thread(target=read, daemon=True)  # a hung lookup must not hold the process
    reader.start()
    reader.join(seconds)
    if reader.is_alive():
        reason = f"no answer from the server within {seconds:g} s"
        raise IndexUnreachable(f"cannot read the package index {url}: {reason}", reason)
    if "error" in answer:
        raise answer["error"]
    return answer["index"]


def _one_line(console: Console, message: str) -> None:
    console.print(f"mirsad models: {message}", markup=False, highlight=False, soft_wrap=True)
