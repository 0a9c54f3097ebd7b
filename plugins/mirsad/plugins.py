"""Mirsad's Pelican plugins and the order they must run in.

`PLUGINS = ["mirsad"]` (pelicanconf.py) registers them all, in `ORDER`. A
site may list some of them instead, e.g. `["mirsad.markdown", "mirsad.i18n"]`;
they must then come in the same order, which is checked when a build starts:
Pelican runs the receivers of one signal in the order plugins registered them.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mirsad.common.settings import SettingsError

PACKAGE = "mirsad"
ORDER = ("mirsad.build", "mirsad.markdown", "mirsad.i18n", "mirsad.mt", "mirsad.summary", "mirsad.pdf",
         "mirsad.search", "mirsad.review")
# Why the order matters (each plugin's docstring says which signals it uses).
REASONS = {
    "mirsad.build": "it times and collects what the others do",
    "mirsad.i18n": "machine translation fills in what the reviewed translations leave",
    "mirsad.mt": "the summary box is made for every version, machine translations included",
    "mirsad.pdf": "PDFs and search read the site that mirsad.i18n builds",
    "mirsad.search": "mirsad.review reads what every other plugin made of a briefing",
}


class PluginOrderError(SettingsError):
    """PLUGINS lists Mirsad's plugins in an order they cannot work in."""


def register() -> None:
    """Pelican's entry point for `PLUGINS = ["mirsad"]`: every plugin, in order."""
    importable_by_name()
    for name in ORDER:
        importlib.import_module(name).register()


def importable_by_name() -> None:
    """Pelican loads a plugin found in PLUGIN_PATHS without putting that folder
    on sys.path. A spawned process (the translation engine's) starts from its
    parent's sys.path and imports `mirsad` by name: without the package
    installed, the folder must be there. The one edit of sys.path in the project."""
    if importlib.machinery.PathFinder.find_spec(PACKAGE, sys.path) is None:
        sys.path.append(str(Path(__file__).resolve().parents[1]))


def enabled(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The Mirsad plugins a build runs, checked for their order."""
    return _enabled(tuple(getattr(p, "__name__", p) for p in settings.get("PLUGINS") or ()))


@functools.lru_cache(maxsize=32)
def _enabled(plugins: tuple[str, ...]) -> tuple[str, ...]:
    listed = [name for name in plugins if name in ORDER]
    if PACKAGE in plugins:
        if listed:
            raise PluginOrderError(f"PLUGINS has both {PACKAGE!r} (all of Mirsad's plugins) and "
                                   f"{', '.join(map(repr, listed))}: keep {PACKAGE!r} alone (pelicanconf.py)")
        return ORDER
    expected = sorted(listed, key=ORDER.index)
    if listed != expected:
        first = next(a for a, b in zip(listed, expected) if a != b)
        reasons = "; ".join(f"{name} before the next ones: {REASONS[name]}" for name in ORDER
                            if name in REASONS and name in listed)
        raise PluginOrderError(f"PLUGINS lists {first!r} out of order: write {expected} (pelicanconf.py), "
                               f"or just [{PACKAGE!r}]. Why: {reasons}")
    return tuple(listed)


def when_enabled(plugin: str) -> Callable:
    """A receiver that stays quiet in builds that do not run `plugin`: Pelican
    connects plugin receivers to process-wide signals and never disconnects
    them, so in one process (tests, `invoke serve`) a plugin loaded by an
    earlier build would otherwise act in every later build."""
    def decorate(receiver: Callable) -> Callable:
        @functools.wraps(receiver)
        def guarded(sender, *args, **kwargs):
            # all_generators_finalized sends the list of generators.
            settings = sender.settings if hasattr(sender, "settings") else sender[0].settings
            if plugin in enabled(settings):
                return receiver(sender, *args, **kwargs)
            return None
        return guarded
    return decorate

