"""MIRSAD_DEPLOY: where `invoke publish` deploys to, and how (docs/deploy.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mirsad.common.settings import SettingsError, plugin_settings

DEFAULTS: dict[str, Any] = {
    # Where `invoke publish` (and `invoke deploy` without --to) deploys: a
    # folder, user@host:path (rsync), gh-pages:REMOTE or s3://BUCKET/PREFIX.
    "to": "",
    # A deploy that would delete more files stops and lists them (-1: no limit).
    "max_deletes": 256,
    # An S3-compatible store's address (None: AWS, or $AWS_ENDPOINT_URL).
    "endpoint_url": None,
    # gh-pages: the branch, and the CNAME file (None: the host of SITEURL;
    # "": none).
    "branch": "gh-pages",
    "cname": None,
    # S3 Cache-Control: "short" for pages, feeds and scripts, "long" for
    # fonts, stylesheets, PDFs and images (their names carry no version).
    "cache_control": {"short": "public, max-age=300", "long": "public, max-age=604800"},
}


def deploy_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """MIRSAD_DEPLOY merged over DEFAULTS, checked."""
    config = plugin_settings(settings, "MIRSAD_DEPLOY", DEFAULTS)
    for key in ("to", "branch"):
        if not isinstance(config[key], str):
            raise SettingsError(f"MIRSAD_DEPLOY[{key!r}] (publishconf.py) must be a string, not {config[key]!r}")
    if not config["branch"]:
        raise SettingsError("MIRSAD_DEPLOY['branch'] (publishconf.py) must name a branch, e.g. 'gh-pages'")
    for key in ("endpoint_url", "cname"):
        if config[key] is not None and not isinstance(config[key], str):
            raise SettingsError(f"MIRSAD_DEPLOY[{key!r}] (publishconf.py) must be a string or None, "
                                f"not {config[key]!r}")
    config["max_deletes"] = max_deletes(config["max_deletes"])
    cache = config["cache_control"]
    if (not isinstance(cache, Mapping) or set(cache) != {"short", "long"}
            or not all(isinstance(value, str) and value for value in cache.values())):
        raise SettingsError("MIRSAD_DEPLOY['cache_control'] (publishconf.py) must be a dict with two "
                            f"strings, 'short' and 'long', e.g. {DEFAULTS['cache_control']!r}; not {cache!r}")
    return config


def max_deletes(value: Any) -> int:
    """A delete limit: a number of files, or -1 for none (as Hugo's --maxDeletes)."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < -1:
        raise SettingsError(f"the delete limit (MIRSAD_DEPLOY['max_deletes'], --max-deletes) must be a number "
                            f"of files, or -1 for none; not {value!r}")
    return value
