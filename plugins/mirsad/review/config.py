"""mirsad.review settings (the MIRSAD_REVIEW dict). The review commands
(`invoke review`, `mt-report`) set them for the build they run; a site's own build leaves
them off, so nothing of the review loop is published."""

from __future__ import annotations

from typing import Any

from mirsad.common.settings import once_per_build, plugin_settings

DEFAULTS: dict[str, Any] = {
    # A JSON file the build writes every briefing's machine translations
    # to (mirsad.review.drafts), for the commands to work from; None: none.
    "export": None,
}


def load(settings: dict[str, Any]) -> dict[str, Any]:
    """The merged settings, computed once per build."""
    return once_per_build(settings, "MIRSAD_REVIEW", lambda: plugin_settings(settings, "MIRSAD_REVIEW", DEFAULTS))
