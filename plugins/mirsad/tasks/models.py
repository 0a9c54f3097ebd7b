"""`invoke models`: install the models the site's language pairs need, or list them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from .site import Site, failing_as


def install_for_site(settings: dict[str, Any], folder: Path | None, console: Console | None = None) -> list:
    """Install from `folder` (.argosmodel files and model folders), or from the package index when None."""
    from mirsad.mt.api import install_for_site as install, site_models

    return install(site_models(settings), folder, console)


def list_installed(settings: dict[str, Any], console: Console | None = None) -> None:
    """The installed models, their pairs and versions, and which one each pair uses."""
    from mirsad.mt.api import list_installed as show, site_models

    show(site_models(settings), console)


def install_missing(settings: dict[str, Any], console: Console | None = None) -> list:
    """The set-up step of `make build`: fetch the models the site lacks, never failing."""
    from mirsad.mt.api import install_missing as install, site_models

    return install(site_models(settings), console)


def models(site: Site, folder: Path | None = None, show: bool = False, if_missing: bool = False) -> None:
    """`invoke models`: list the installed models (`show`), install those the
    site lacks at set-up (`if_missing`), or install those the site needs."""
    settings = site.settings()
    with failing_as("models"):  # a bad package names the file and the fix; nothing was installed
        if if_missing:
            install_missing(settings)
        elif show:
            list_installed(settings)
        else:
            install_for_site(settings, folder)
