"""The end-of-build report: plugins add lines, one place prints them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console

_KEY = "_MIRSAD_REPORT"


def report(settings: dict[str, Any]) -> dict[str, list[str]]:
    """This build's report: section title -> lines (kept in the settings of the build)."""
    return settings.setdefault(_KEY, defaultdict(list))


def add(settings: dict[str, Any], section: str, line: str) -> None:
    report(settings)[section].append(line)


def print_report(settings: dict[str, Any], console: Console | None = None) -> None:
    sections = report(settings)
    if not sections:
        return
    console = console or Console(stderr=True)
    console.print("[bold]Mirsad build report[/bold]")
    for section, lines in sections.items():
        console.print(f"  [bold]{section}[/bold]")
        for line in lines:
            console.print(f"    {line}", markup=False, highlight=False)
