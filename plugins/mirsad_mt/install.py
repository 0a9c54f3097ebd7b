"""`invoke models`: install the packages the site's language pairs need,
from a folder of .argosmodel files (no network) or from the public index."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from . import config as mt_config
from .packages import PackageError, check_archive, download_from_index, install_archive, installed_packages

logger = logging.getLogger(__name__)


def needed_pairs(config: mt_config.MTConfig, available: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Direct pairs where available, else the two legs through the pivot."""
    pairs: list[tuple[str, str]] = []
    for target in config.targets:
        direct = (config.source, target)
        if direct in available or target == config.pivot:
            pairs.append(direct)
        else:
            pairs += [(config.source, config.pivot), (config.pivot, target)]
    return list(dict.fromkeys(pairs))


def install_for_site(settings: dict[str, Any], folder: Path | None, console: Console | None = None) -> list:
    console = console or Console()
    config = mt_config.load(settings)
    if folder is None:
        return _install_online(config, console)
    archives = {}
    for archive in sorted(folder.glob("*.argosmodel")):
        metadata = check_archive(archive)  # a corrupt file stops here, named
        archives[(metadata["from_code"], metadata["to_code"])] = archive
    pairs = needed_pairs(config, set(archives))
    missing = [pair for pair in pairs if pair not in archives]
    if missing:
        raise PackageError(
            f"{folder}: no .argosmodel for {', '.join(f'{a}→{b}' for a, b in missing)} "
            f"(found: {', '.join(f'{a}→{b}' for a, b in archives) or 'none'}). Add the package file"
        )
    installed = [install_archive(archives[pair], config.models_dir, pair) for pair in pairs]
    for package in installed:
        console.print(f"installed {package.label} into {package.path}")
    return installed


def _install_online(config: mt_config.MTConfig, console: Console) -> list:
    installed = []
    for target in config.targets:
        try:
            installed.append(download_from_index((config.source, target), config.models_dir))
        except PackageError:
            if target == config.pivot:
                raise
            for pair in ((config.source, config.pivot), (config.pivot, target)):
                if pair not in {(p.from_code, p.to_code) for p in installed + installed_packages(config.models_dir)}:
                    installed.append(download_from_index(pair, config.models_dir))
    for package in installed:
        console.print(f"installed {package.label} into {package.path}")
    return installed


def list_installed(settings: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    config = mt_config.load(settings)
    packages = installed_packages(config.models_dir)
    table = Table(title=f"Argos packages in {config.models_dir}")
    for column in ("pair", "version", "folder"):
        table.add_column(column)
    for package in packages:
        table.add_row(package.pair, package.version, str(package.path))
    console.print(table)
    available = {(p.from_code, p.to_code) for p in packages}
    for target in config.targets:
        pairs = needed_pairs(config, available)
        route = [p for p in pairs if p[1] == target or (p[1] == config.pivot and p[0] == config.source)]
        status = "ready" if all(p in available for p in route) else "MISSING " + ", ".join(
            f"{a}→{b}" for a, b in route if (a, b) not in available)
        via = "" if (config.source, target) in available or target == config.pivot else f" via {config.pivot}"
        console.print(f"{config.source}→{target}{via}: {status}")
