"""Plugin settings: one dict per plugin, merged over documented defaults."""

from __future__ import annotations

import copy
import difflib
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")


# The site's languages when MIRSAD_I18N has no "languages", in switcher order.
DEFAULT_LANGUAGES = ("ar", "en", "fr")


class SettingsError(ValueError):
    """A plugin setting in pelicanconf.py has the wrong type or value."""


def site_languages(settings: Mapping[str, Any]) -> list[str]:
    """The site's language codes: MIRSAD_I18N["languages"], the one place
    they are set, which every plugin reads through here."""
    return list((settings.get("MIRSAD_I18N") or {}).get("languages") or DEFAULT_LANGUAGES)


def plugin_settings(
    settings: Mapping[str, Any], name: str, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """Return ``defaults`` updated with ``settings[name]``.

    Unknown keys are reported (with the closest known key) rather than
    silently ignored, since a typo would otherwise look like a broken feature.
    """
    given = settings.get(name) or {}
    if not isinstance(given, Mapping):
        raise SettingsError(
            f"{name} in pelicanconf.py must be a dict, not {type(given).__name__}"
        )
    merged = copy.deepcopy(dict(defaults))
    for key, value in given.items():
        if key not in defaults:
            logger.warning(
                "%s: unknown setting %s[%r] ignored%s (known: %s)",
                name.lower(), name, key, did_you_mean(key, defaults), ", ".join(sorted(defaults)),
            )
            continue
        merged[key] = value
    return merged


def did_you_mean(name: str, known) -> str:
    """A hint naming the closest known name, or "" when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def once_per_build(settings: dict[str, Any], name: str, make: Callable[[], T]) -> T:
    """`make()` once per build (kept in the build's session).

    Several receivers need a plugin's configuration; computing it once keeps
    any "unknown setting" warning to one per build."""
    from .session import session  # settings.py is imported by everything: it imports nothing at load

    return session(settings).once(f"{name} settings", make)


def jobs(settings: Mapping[str, Any]) -> int:
    """MIRSAD_JOBS: how many cores a build may use (PDF processes, translation
    threads); None means every core this process may run on."""
    value = settings.get("MIRSAD_JOBS")
    if value is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SettingsError(f"MIRSAD_JOBS must be a positive integer or None, not {value!r} "
                            "(pelicanconf.py, or `invoke build --jobs N`)")
    return value
