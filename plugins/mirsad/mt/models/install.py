"""`invoke models`: install the models the site's language pairs need, from
a folder of .argosmodel files and model folders with a manifest (no
network; families.py), or from the public Argos index. Each model is tried
(SiteModels.trial) before it replaces an installed one.

What it prints comes partly from the packages (names, versions): always
plain text, never read as rich markup or highlighted."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.filesize import decimal
from rich.table import Table
from rich.text import Text

from .download import DownloadOptions, download_package, fetch_index, offered_packages, version_key
from .families import (check_model_folder, install_model_folder, installed_family_models, installed_models,
                       model_folders)
from .packages import ExtractionLimits, PackageError, check_archive, install_archive, installed_packages

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteModels:
    """What a site asks of its models: its language pairs and where models
    come from and go (made from MIRSAD_MT by mirsad.mt.config.site_models)."""
    source: str
    targets: list[str]
    pivot: str
    models_dir: Path
    index_url: str
    download: DownloadOptions
    # The set-up step (`make build`) may fetch missing models from the index.
    fetch_at_setup: bool = True
    # False when LibreTranslate servers translate: no model is needed here.
    local: bool = True
    limits: ExtractionLimits = field(default_factory=ExtractionLimits)
    # Loads a model with its engine and translates a sentence (PackageError when
    # it cannot): mirsad.mt.engines.trial, bound to the site's engine options.
    trial: Callable | None = None


def say(console: Console, text: str) -> None:
    """Print `text` as it is: no markup, no highlighting (it holds package
    metadata), no line broken inside a path."""
    console.print(Text(text), highlight=False, soft_wrap=True)


def needed_pairs(config: SiteModels, available: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Direct pairs where available, else the two legs through the pivot."""
    pairs: list[tuple[str, str]] = []
    for target in config.targets:
        direct = (config.source, target)
        if direct in available or target == config.pivot:
            pairs.append(direct)
        else:
            pairs += [(config.source, config.pivot), (config.pivot, target)]
    return list(dict.fromkeys(pairs))


def missing_pairs(config: SiteModels) -> list[tuple[str, str]]:
    """The pairs the site still needs a model for, given what is installed."""
    available = set(installed_models(config.models_dir))
    return [pair for pair in needed_pairs(config, available) if pair not in available]


def install_for_site(config: SiteModels, folder: Path | None, console: Console | None = None) -> list:
    console = console or Console()
    if folder is None:
        return _install_online(config, console)
    if not folder.is_dir():
        raise PackageError(f"{folder}: no such folder. Give the folder holding the .argosmodel files or "
                           "the model folders")
    archives = {}
    for archive in sorted(folder.glob("*.argosmodel")):
        metadata = check_archive(archive, limits=config.limits)  # a corrupt file stops here, named
        archives[(metadata["from_code"], metadata["to_code"])] = archive
    # Every model folder is checked before anything is installed: a wrong manifest stops here, named.
    folders = {model_folder: check_model_folder(model_folder) for model_folder in model_folders(folder)}
    served = {(m.from_code, m.to_code) for models in folders.values() for m in models}
    pairs = needed_pairs(config, set(archives) | served)
    missing = [pair for pair in pairs if pair not in archives and pair not in served]
    if missing:
        found = [f"{a}→{b}" for a, b in [*archives, *sorted(served)]]
        raise PackageError(
            f"{folder}: no .argosmodel or model folder for {', '.join(f'{a}→{b}' for a, b in missing)} "
            f"(found: {', '.join(found) or 'none'}). Add the package file or the model folder"
        )
    installed = [model for model_folder in folders
                 for model in install_model_folder(model_folder, config.models_dir, config.trial)]
    installed += [install_archive(archives[pair], config.models_dir, pair, config.trial, config.limits)
                  for pair in pairs if pair in archives]
    for package in installed:
        say(console, f"installed {package.label} into {package.path}")
    return installed


def install_from_index(config: SiteModels, index: list[dict[str, Any]], console: Console) -> list:
    """The folder path above, with the package index as the folder; a pair
    already installed at the index's version is not downloaded again (a
    damaged install does not count: installed_packages() leaves it out)."""
    options = config.download
    offered = offered_packages(index)
    pairs = needed_pairs(config, set(offered))
    missing = [pair for pair in pairs if pair not in offered]
    if missing:
        raise PackageError(
            f"the package index {config.index_url} has no {', '.join(f'{a}→{b}' for a, b in missing)} package. "
            "Install it from a file with `invoke models --from DIR`, or change MIRSAD_MT['targets']/['pivot']"
        )
    current = {(p.from_code, p.to_code): p for p in installed_packages(config.models_dir)}
    installed = []
    for pair in pairs:
        entry, package = offered[pair], current.get(pair)
        if package and version_key(package.version) >= version_key(entry.get("package_version")):
            say(console, f"{package.label} is up to date in {package.path}")
            continue
        version = entry.get("package_version", "")
        say(console, f"downloading the {pair[0]}→{pair[1]} package {version}")
        with _download_bar(console, f"{pair[0]}→{pair[1]} {version}") as transfer:
            package = download_package(entry, config.models_dir, options, transfer, config.trial, config.limits)
        say(console, f"installed {package.label} ({decimal(transfer.received)}) into {package.path}")
        installed.append(package)
    return installed


def _install_online(config: SiteModels, console: Console) -> list:
    return install_from_index(config, fetch_index(config.index_url, config.download), console)


def list_installed(config: SiteModels, console: Console | None = None) -> None:
    console = console or Console()
    used = installed_models(config.models_dir)
    table = Table(title=Text(f"Translation models in {config.models_dir}"))
    for column in ("pair", "model", "version", "used", "folder"):
        table.add_column(column)
    for package in sorted(used.values(), key=lambda p: (p.from_code, p.to_code)):
        table.add_row(*map(Text, (package.pair, package.label, package.version, "yes", str(package.path))))
    for package in [*installed_packages(config.models_dir), *installed_family_models(config.models_dir)]:
        if used.get((package.from_code, package.to_code)) != package:
            table.add_row(*map(Text, (package.pair, package.label, package.version,
                                      "no (another model is preferred)", str(package.path))))
    console.print(table)
    available = set(used)
    for target in config.targets:
        pairs = needed_pairs(config, available)
        route = [p for p in pairs if p[1] == target or (p[1] == config.pivot and p[0] == config.source)]
        status = "ready" if all(p in available for p in route) else "MISSING " + ", ".join(
            f"{a}→{b}" for a, b in route if (a, b) not in available)
        via = "" if (config.source, target) in available or target == config.pivot else f" via {config.pivot}"
        say(console, f"{config.source}→{target}{via}: {status}")


@contextmanager
def _download_bar(console: Console, label: str) -> Iterator[_Transfer]:
    """A progress bar with the bytes received and the package's size; on a
    log (no terminal) rich prints it once, complete, when the download ends."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    # Short enough for 80 columns (a log's width): rich would cut the sizes otherwise.
    columns = (TextColumn("{task.description}", markup=False), BarColumn(bar_width=30), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        yield _Transfer(progress, progress.add_task(label, total=None))


class _Transfer:
    """Called by the download as bytes arrive (download.OnBytes)."""

    def __init__(self, progress: Any, task: Any):
        self.progress, self.task, self.received = progress, task, 0

    def __call__(self, received: int, size: int | None) -> None:
        self.received = received
        self.progress.update(self.task, completed=received, total=size)
