"""mirsad.search settings (the MIRSAD_SEARCH dict in pelicanconf.py)."""

from __future__ import annotations

from typing import Any

from mirsad.common.settings import SettingsError, once_per_build, plugin_settings

FIELDS = ("title", "terms", "body")

DEFAULTS: dict[str, Any] = {
    # The search page of each language, and the index it loads with a
    # <script> tag (so that search works from file://, without a server).
    "page_save_as": "{lang}/search.html",
    "index_save_as": "{lang}/search-index.js",
    # Field weights: a word of the title counts 10 times a word of the body;
    # "terms" are the tags, the category and the source.
    "boosts": {"title": 10, "terms": 5, "body": 1},
    # Index at most this many words of each body (None: all of it); a cap
    # keeps the index of a very large site small (see bench/bench_bundle.py).
    "body_words": None,
    # The snippet under each result (the summary's points), in characters.
    "snippet_chars": 220,
    # Results shown at most.
    "max_results": 50,
}


def load(settings: dict[str, Any]) -> dict[str, Any]:
    """The merged settings, computed once per build."""
    return once_per_build(settings, "MIRSAD_SEARCH",
                          lambda: _check(plugin_settings(settings, "MIRSAD_SEARCH", DEFAULTS)))


def _check(config: dict[str, Any]) -> dict[str, Any]:
    for name in ("page_save_as", "index_save_as"):
        if "{lang}" not in config[name]:
            raise SettingsError(
                f"MIRSAD_SEARCH[{name!r}] = {config[name]!r} in pelicanconf.py must contain "
                "{lang}: every language has its own page and index")
    boosts = config["boosts"]
    if set(boosts) != set(FIELDS) or not all(isinstance(v, (int, float)) and v > 0 for v in boosts.values()):
        raise SettingsError(
            f"MIRSAD_SEARCH['boosts'] = {boosts!r} in pelicanconf.py: give a positive number "
            f"for each of {', '.join(FIELDS)}")
    for name in ("snippet_chars", "max_results"):
        if not isinstance(config[name], int) or config[name] < 1:
            raise SettingsError(f"MIRSAD_SEARCH[{name!r}] must be a positive integer, not {config[name]!r}")
    words = config["body_words"]
    if words is not None and (not isinstance(words, int) or words < 1):
        raise SettingsError(f"MIRSAD_SEARCH['body_words'] must be a positive integer or None, not {words!r}")
    return config
