"""Every warning and error of one build, for the end-of-build summary.

Pelican and the plugins log problems as they meet them (a bad briefing is
logged and left out; the other briefings build). A handler on the root
logger keeps them, so the report printed at the end lists each one with
its file, counts them, and decides the outcome: a strict build
(`invoke build --strict`, `--publish`) with any error fails; a build that
ran out of space or hit a read-only folder fails in every mode, since its
output is incomplete.

Pelican's own reader error ("Could not process <file>") carries no reason
unless Pelican runs with --debug; it is logged inside the `except` block,
so the reason is taken from the exception being handled.

While the build runs, the console prints a warning only while fewer than
SHOWN_WHILE_BUILDING others made from the same message (record.msg) were
printed: a large archive would otherwise print one line per file. The
others are still kept, counted and grouped in the summary, which says how
many were not shown. Errors are always printed. (Pelican's own limits,
LOG_FILTER and `limit_msg`, filter on the loggers, so the records would
never reach this collector: the limit is a filter on the console handlers.)
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sys
from typing import Any

from .session import session

PELICAN_READ_ERROR = "Could not process %s"
# errno -> what happened, the fix. Out of space and read-only storage make
# an incomplete site, so they fail every build.
STORAGE = {
    errno.ENOSPC: ("no space left on device", "free space or choose another --output"),
    errno.EDQUOT: ("disk quota exceeded", "free space or choose another --output"),
    errno.EROFS: ("read-only file system", "choose another --output (a writable folder)"),
}
# A warning made from a message already printed this many times during the
# build is not printed again (it is in the end-of-build summary).
SHOWN_WHILE_BUILDING = 3
_STORAGE_TEXT = re.compile(r"\[Errno (28|30|122)\]|No space left on device|Read-only file system|"
                           r"database or disk is full")


def storage_message(error: OSError, path: str | os.PathLike | None = None) -> str | None:
    """A clear message for an out-of-space / read-only error, or None."""
    known = STORAGE.get(error.errno)
    if known is None:
        return None
    what, fix = known
    where = getattr(error, "filename2", None) or error.filename or path or "the output folder"
    return f"{what} writing {where}: {fix}"


_ERRNO_TEXT = re.compile(r"\[Errno (\d+)\] [^:']*(?:: '([^']*)')?(?: -> '([^']*)')?")


def storage_in_text(message: str) -> str | None:
    """The same message for a problem that a library logged as text (Pelican
    logs a failed static-file copy as a warning and goes on)."""
    match = _ERRNO_TEXT.search(message)
    if match and int(match[1]) in STORAGE:
        what, fix = STORAGE[int(match[1])]
        return f"{what} writing {match[3] or match[2] or 'the output folder'}: {fix}"
    if _STORAGE_TEXT.search(message):
        return f"{message}: free space (or choose another --output / --cache)"
    return None


class BuildLog(logging.Handler):
    def __init__(self, settings: dict[str, Any]):
        super().__init__(logging.WARNING)
        self.settings = settings
        self.errors: list[str] = []
        self.warnings: list[str] = []
        # Warnings by the message they were made from (record.msg): a group
        # of many is printed as one line (report.print_report).
        self.warning_groups: dict[str, list[tuple[str, str]]] = {}  # template -> [(message, file)]
        self._seen: set[str] = set()
        # Template -> distinct messages the console printed / did not print.
        self._printed: dict[str, set[str]] = {}
        self._not_printed: dict[str, set[str]] = {}
        self.storage: list[str] = []  # out of space / read-only: fails every build
        self.finished = False
        self.stopped = False  # the build stopped on an exception

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._keep(record)
        except Exception:  # a report must never break the build
            self.handleError(record)

    def _keep(self, record: logging.LogRecord) -> None:
        if self.finished:
            return
        handled = record.exc_info[1] if record.exc_info else None
        if handled is None and record.levelno >= logging.ERROR:
            handled = sys.exc_info()[1]
        if record.msg == PELICAN_READ_ERROR and record.args:
            message = self._read_error(str(record.args[0]), handled)
            if message is None:
                return  # the reader already logged the reason, naming the file
        else:
            message = record.getMessage()
        storage = storage_message(handled) if isinstance(handled, OSError) else None
        storage = storage or storage_in_text(message)
        if storage:
            # Whatever its level, a file that could not be written makes an
            # incomplete site: an error, listed once (the count says how many).
            self.storage.append(storage)
            if len(self.storage) == 1:
                self.errors.append(storage)
        elif record.levelno >= logging.ERROR:
            if message not in self.errors:
                self.errors.append(message)
        elif message not in self._seen:
            self._seen.add(message)
            self.warnings.append(message)
            self.warning_groups.setdefault(str(record.msg), []).append((message, _file_in(record)))
        if record.levelno >= logging.CRITICAL:
            # Pelican's last word before it exits on an exception: the
            # report is printed as the process exits (report.start).
            self.stopped = True

    def prints(self, record: logging.LogRecord) -> bool:
        """Whether the console prints this record now: an error always; a
        warning unless SHOWN_WHILE_BUILDING others made from its message were."""
        if self.finished or record.levelno != logging.WARNING:
            return True
        message = record.getMessage()
        handled = record.exc_info[1] if record.exc_info else None
        if storage_in_text(message) or (isinstance(handled, OSError) and storage_message(handled)):
            return True  # an error in the summary
        template = str(record.msg)
        printed = self._printed.setdefault(template, set())
        if message in printed or len(printed) < SHOWN_WHILE_BUILDING:
            printed.add(message)
            return True
        self._not_printed.setdefault(template, set()).add(message)
        return False

    def not_printed(self, template: str) -> int:
        """How many warnings made from `template` the console did not print."""
        return len(self._not_printed.get(template, ()))

    def _read_error(self, relative: str, error: BaseException | None) -> str | None:
        path = os.path.join(self.settings.get("PATH", ""), relative)
        if any(path in m or relative in m for m in self.errors):
            return None
        reason = f" ({type(error).__name__}: {error})" if error else ""
        return (f"{path}: could not be read{reason}. Fix the file (the other briefings "
                "are built without it)")

    def counts(self) -> str:
        return f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"


def _file_in(record: logging.LogRecord) -> str:
    """The file a warning names: its first argument that looks like a path."""
    args = record.args if isinstance(record.args, tuple) else ()
    return next((str(arg) for arg in args if isinstance(arg, (str, os.PathLike))
                 and ("/" in str(arg) or str(arg).endswith(".md"))), "")


class _FewOfAKind(logging.Filter):
    """On a console handler: prints what BuildLog.prints allows."""

    def __init__(self, log: BuildLog):
        super().__init__()
        self.log = log

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            return self.log.prints(record)
        except Exception:  # a report must never hide a problem
            return True


def _console_handlers() -> list[logging.Handler]:
    """The root handlers that print to the terminal: Pelican's rich handler,
    or the plain one that replaces it off a terminal (progress.py). Not the
    handlers that collect records (tests' collectors, pytest's caplog)."""
    from rich.logging import RichHandler

    return [handler for handler in logging.getLogger().handlers
            if isinstance(handler, RichHandler) or type(handler) is logging.StreamHandler]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def start(settings: dict[str, Any]) -> BuildLog:
    """Collect this build's warnings and errors (a collector left by an
    earlier build of the same process is removed first)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, BuildLog)]:
        root.removeHandler(handler)
    _remove_console_filters()
    log = session(settings).log = BuildLog(settings)
    root.addHandler(log)
    for handler in _console_handlers():
        handler.addFilter(_FewOfAKind(log))
    return log


def current(settings: dict[str, Any]) -> BuildLog | None:
    return session(settings).log


def stop(settings: dict[str, Any]) -> None:
    log = current(settings)
    if log is not None:
        log.finished = True
        logging.getLogger().removeHandler(log)
        _remove_console_filters()


def _remove_console_filters() -> None:
    for handler in logging.getLogger().handlers:
        for log_filter in [f for f in handler.filters if isinstance(f, _FewOfAKind)]:
            handler.removeFilter(log_filter)


class BuildFailed(SystemExit):
    """The build ended with errors that fail it (strict build, or no space /
    read-only output). A SystemExit: the process exits non-zero after the
    summary, without a traceback (Pelican catches only Exception); the
    interpreter prints the message and exits with status 1."""
