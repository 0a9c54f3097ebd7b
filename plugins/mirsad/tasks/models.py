"""`invoke models`: install the models the site's language pairs need, or list them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console


def install_for_site(settings: dict[str, Any], folder: Path | None, console: Console | None = None) -> list:
    """Install from `folder` (.argosmodel files and model folders), or from the package index when None."""
    from mirsad.mt.api import install_for_site as install, site_models

    return install(site_models(settings), folder, console)


def list_installed(settings: dict[str, Any], console: Console | None = None) -> None:
    """The installed models, their pairs and versions, and which one each pair uses."""
    from mirsad.mt.api import list_installed as show, site_models

    show(site_models(settings), console)
