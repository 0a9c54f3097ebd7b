"""mirsad.summary settings: the MIRSAD_SUMMARY dict in pelicanconf.py."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mirsad.common.settings import SettingsError, once_per_build, plugin_settings

from .summarise import Options

DEFAULTS: dict[str, Any] = {
    # How points are computed: min_points, max_points, words_per_point,
    # max_words, max_body_share, max_point_chars, duplicate_similarity,
    # damping (documented in summarise.Options, the one place their
    # defaults are written).
    **asdict(Options()),
    # Reading speed, words per minute, per language (IReST standardised
    # texts, Trauzettel-Klosinski & Dietz 2012: Arabic 138, English 228,
    # French 195), and for any other language.
    "reading_wpm": {"ar": 138, "en": 228, "fr": 195},
    "default_reading_wpm": 200,
    # <meta name="description"> and og:description: the points, cut here.
    "description_chars": 300,
}


def load(settings: dict[str, Any]) -> dict[str, Any]:
    """The merged settings, computed once per build."""
    return once_per_build(settings, "MIRSAD_SUMMARY",
                          lambda: _check(plugin_settings(settings, "MIRSAD_SUMMARY", DEFAULTS)))


def options(config: dict[str, Any]) -> Options:
    return Options(**{name: config[name] for name in asdict(Options())})


def _check(config: dict[str, Any]) -> dict[str, Any]:
    for name in ("min_points", "max_points", "words_per_point", "max_words", "max_point_chars",
                 "default_reading_wpm", "description_chars"):
        if isinstance(config[name], bool) or not isinstance(config[name], int) or config[name] < 1:
            raise SettingsError(f"MIRSAD_SUMMARY[{name!r}] must be a positive integer, not {config[name]!r}")
    if config["min_points"] > config["max_points"]:
        raise SettingsError(
            "MIRSAD_SUMMARY: 'min_points' and 'max_points' must satisfy "
            f"1 <= min_points <= max_points (got {config['min_points']}, {config['max_points']})"
        )
    share = config["max_body_share"]
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise SettingsError(
            f"MIRSAD_SUMMARY['max_body_share'] must be a share of the body in (0, 1] (0.15: 15 %), not {share!r}")
    if not 0 <= config["damping"] < 1:
        raise SettingsError(f"MIRSAD_SUMMARY['damping'] must be in [0, 1), not {config['damping']!r}")
    return config
