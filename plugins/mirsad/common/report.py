"""The end-of-build report: plugins add lines, one place prints them, with
the summary of every warning and error of the build (see buildlog.py)."""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import Any

from rich.console import Console

from . import buildlog
from .session import BuildSession, session


def report(settings: dict[str, Any]) -> dict[str, list[str]]:
    """This build's report: section title -> lines (kept in the build's session)."""
    return session(settings).report


def add(settings: dict[str, Any], section: str, line: str) -> None:
    report(settings)[section].append(line)


def strict(settings: dict[str, Any]) -> bool:
    """`invoke build --strict` / `--publish` (MIRSAD_STRICT=1, publishconf.py)."""
    return bool(settings.get("STRICT"))


def start(settings: dict[str, Any]) -> None:
    """A build starts: should it stop on an exception (Pelican logs it as
    CRITICAL and exits), the report is printed as the process exits."""
    atexit.unregister(_print_if_stopped)  # one build at a time: an earlier one is over
    atexit.register(_print_if_stopped, session(settings))


def _print_if_stopped(build: BuildSession) -> None:
    if build.log is not None and build.log.stopped:
        print_report(build.settings)


def print_report(settings: dict[str, Any], console: Console | None = None) -> None:
    """Print the report and the summary of problems, once per build."""
    build = session(settings)
    atexit.unregister(_print_if_stopped)  # printed now: not again at exit
    if build.report_printed:
        return
    build.report_printed = True
    log = buildlog.current(settings)
    buildlog.stop(settings)
    sections = report(settings)
    problems = log is not None and (log.errors or log.warnings)
    if not sections and not problems:
        return
    console = console or Console(stderr=True)
    console.print("[bold]Mirsad build report[/bold]")
    for section, lines in sections.items():
        console.print(f"  [bold]{section}[/bold]")
        for line in lines:
            console.print(f"    {line}", markup=False, highlight=False, soft_wrap=True)
    if log is None:
        return
    console.print(f"  [bold]Problems: {log.counts()}[/bold]")
    for line in [f"error: {message}" for message in log.errors] + warning_lines(log):
        console.print(f"    {line}", markup=False, highlight=False, soft_wrap=True)
    if len(log.storage) > 1:
        console.print(f"    ({len(log.storage) - 1} more write(s) failed the same way)", markup=False,
                      highlight=False, soft_wrap=True)
    console.print(f"Summary: {log.counts()}{_outcome(settings, log)}", markup=False, highlight=False, soft_wrap=True)


# More warnings than this made from one message are printed as one line.
GROUPED_AFTER = 5
FILES_SHOWN = 3


def warning_lines(log: buildlog.BuildLog) -> list[str]:
    """One line per warning, except that many warnings made from the same
    message (one per sentence, per file ...) are one line: the first, with
    the count and the first few files."""
    lines = []
    for template, group in log.warning_groups.items():
        if len(group) <= GROUPED_AFTER:
            lines += [f"warning: {message}" for message, _ in group]
            continue
        files = list(dict.fromkeys(file for _, file in group if file))
        shown = ", ".join(files[:FILES_SHOWN]) + (f" … ({len(files) - FILES_SHOWN} more files)"
                                                  if len(files) > FILES_SHOWN else "")
        # The console printed only the first few of them (buildlog.SHOWN_WHILE_BUILDING).
        hidden = log.not_printed(template)
        count = f"×{len(group)}" + (f" ({hidden} not shown above)" if hidden else "")
        lines.append(f"warning {count}: {group[0][0]} — and {len(group) - 1} more like it"
                     + (f", in {shown}" if shown else ""))
    return lines


def first_few(names: list[str], count: int = FILES_SHOWN) -> str:
    """`a, b, c and 5 more`: a message that names files stays one short line."""
    more = f" and {len(names) - count} more" if len(names) > count else ""
    return ", ".join(names[:count]) + more


def _outcome(settings: dict[str, Any], log: buildlog.BuildLog) -> str:
    if log.storage:
        return " — the site could not be written completely, so the build fails"
    if log.stopped:
        return " — the build stopped at the last error"
    if log.errors and strict(settings):
        return " — strict build: it fails on any error"
    if log.errors:
        return (" — the files named above are left out; the rest of the site is built "
                "(`invoke build --strict` fails instead)")
    return ""


def check_last(settings: dict[str, Any], check: Callable[[], None]) -> None:
    """Run `check` at the very end of the build, once every plugin, Mirsad's
    or not, has done its work, just before the report (what it logs counts)."""
    session(settings).last_checks.append(check)


def finish(settings: dict[str, Any], console: Console | None = None) -> None:
    """At the end of a build: the last checks, the report, then fail the build
    (non-zero exit, output/ left as it was) when it is strict and had errors,
    or when the output could not be written (no space, read-only)."""
    for check in session(settings).last_checks:
        check()
    print_report(settings, console)
    log = buildlog.current(settings)
    if log is None:
        return
    if log.storage:
        raise buildlog.BuildFailed(f"Build failed: {log.storage[0]}")
    if log.errors and strict(settings):
        raise buildlog.BuildFailed(f"Build failed (strict): {log.counts()}, listed above")
