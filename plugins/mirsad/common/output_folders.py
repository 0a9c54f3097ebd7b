"""Output folders are Mirsad's alone: the one check every command that
writes a folder (`build`, `pdf`, `digest`, `bundle`, `review-site`,
`mt-report`, and `xliff-export` for its file's folder) makes before it
writes anything.

A command replaces its output folder whole (or writes files into it), so
the folder must not be, contain or sit inside the project's own folders
(content, theme, plugins, cache), must not be or contain the project or a
git work tree's root, and, when it is not empty, must be one a Mirsad
command made. Mirsad marks the folders it makes with a `.mirsad-output`
file, written with the output (into the staging folder before the swap).
A folder made before the marker existed is recognised by what the command
itself writes there (`LEGACY`): a Mirsad site (theme/, sitemap.xml and a
search index per language), only PDFs, only bundles, only review pages or
only the mt-report files.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

MARKER = ".mirsad-output"
MARKER_TEXT = ("This folder is made by Mirsad: the next Mirsad command that writes here replaces what it made.\n"
               "Keep nothing of your own in it.\n")
FORCE_HINT = "--force-output"


class OutputRefused(Exception):
    """The output folder asked for is not one a Mirsad command may write; the message says why and what to do."""


@dataclass(frozen=True)
class ProjectFolders:
    """What an output folder must keep clear of."""

    root: Path  # the project folder: never the output, nor inside the output
    own: tuple[Path, ...]  # content, theme, plugins, cache: never the output, inside it or around it
    outputs: tuple[Path, ...] = ()  # folders a build replaces: no file of an editor's goes there

    @classmethod
    def of(cls, root: Path, own: Iterable[Path], outputs: Iterable[Path] = ()) -> ProjectFolders:
        return cls(root.resolve(), tuple(dict.fromkeys(path.resolve() for path in own)),
                   tuple(path.resolve() for path in outputs))


def _site(folder: Path) -> bool:
    return ((folder / "theme").is_dir() and (folder / "sitemap.xml").is_file()
            and any(folder.glob("*/search-index.js")))


def _only(*patterns: str) -> Callable[[Path], bool]:
    def check(folder: Path) -> bool:  # stops at the first other file: a big folder is not read through
        files = (path for path in folder.rglob("*") if not path.is_dir())
        found = False
        for path in files:
            if not any(path.match(pattern) for pattern in patterns):
                return False
            found = True
        return found
    return check


# kind -> what a folder made by that command before the marker existed holds
LEGACY: dict[str, Callable[[Path], bool]] = {
    "site": _site,
    "pdf": lambda folder: _site(folder) or _only("*.pdf")(folder),
    "bundle": _only("*.zip", "*.zip.sha256"),
    "review": _only("*.html"),
    "report": _only("mt-report.json", "mt-report.html"),
}


def made_by_mirsad(folder: Path, kind: str = "site") -> bool:
    """The folder carries the marker, or holds what the command of `kind` writes, and nothing else."""
    return (folder / MARKER).is_file() or LEGACY[kind](folder)


def check_output(target: Path, project: ProjectFolders, *, option: str = "--output", kind: str = "site",
                 force: bool = False) -> Path:
    """`target`, resolved, if a command may write it; else OutputRefused.
    `force` lets a command replace a non-empty folder Mirsad did not make,
    never the project's own folders."""
    target = target.resolve()
    refuse = _refusal(target, option)
    if project.root.is_relative_to(target):
        refuse(f"is or contains the project folder {project.root}")
    for repository in _git_roots(target, project.root):
        refuse(f"is or contains the root of a git work tree ({repository})")
    for folder in project.own:
        if target.is_relative_to(folder) or folder.is_relative_to(target):
            relation = "is" if target == folder else "sits inside" if target.is_relative_to(folder) else "contains"
            refuse(f"{relation} {folder}, one of the project's own folders (content, theme, plugins, cache)")
    if target.exists() and not target.is_dir():
        refuse("is not a folder")
    if target.is_dir() and not force and any(target.iterdir()) and not made_by_mirsad(target, kind):
        raise OutputRefused(
            f"{option} {target}: the folder holds files and was not made by Mirsad (no {MARKER} file in it); "
            "writing there could replace them. Give a new or empty folder, move or remove that one yourself, "
            f"or add {FORCE_HINT} to let Mirsad replace it.")
    return target


def check_file_folder(path: Path, project: ProjectFolders, option: str = "--output") -> Path:
    """`path`, resolved, if a file may be written there: not in the project's
    own folders, and not in a folder a Mirsad command replaces (the next
    build would delete it)."""
    path = path.resolve()
    refuse = _refusal(path, option, FILE_ADVICE)
    if path.is_dir():
        refuse("is a folder: give the file to write")
    for folder in (*project.own, *project.outputs):
        if path.is_relative_to(folder):
            refuse(f"is inside {folder}, which Mirsad reads or replaces")
    for folder in path.parents:
        if (folder / MARKER).is_file():
            refuse(f"is inside {folder}, an output folder the next Mirsad command replaces")
    return path


def mark(folder: Path) -> None:
    """Mark `folder` as made by Mirsad (the same bytes every time: builds stay reproducible)."""
    marker = folder / MARKER
    if not marker.is_file() or marker.read_text(encoding="utf-8", errors="replace") != MARKER_TEXT:
        partial = folder / (MARKER + ".part")
        partial.write_text(MARKER_TEXT, encoding="utf-8")
        os.replace(partial, marker)


FOLDER_ADVICE = ("Mirsad writes only into folders of its own, which it may replace whole: give another folder "
                 "(e.g. output/ in the project, the default)")
FILE_ADVICE = "give a file outside them (e.g. in a folder of your own beside the project)"


def _refusal(target: Path, option: str, advice: str = FOLDER_ADVICE) -> Callable[[str], None]:
    def refuse(why: str) -> None:
        raise OutputRefused(f"{option} {target} {why}. Nothing was written; {advice}.")
    return refuse


def _git_roots(target: Path, root: Path) -> list[Path]:
    """The git work-tree roots that `target` is or contains: itself, or the project's (or an ancestor's)."""
    found = [target] if (target / ".git").exists() else []
    found += [folder for folder in (root, *root.parents) if (folder / ".git").exists()
              and folder.is_relative_to(target) and folder != target]
    return found
