"""Pages rendered on every core.

Pelican writes pages one by one as each generator asks (`write_file`), in
one process: rendering the templates was the largest stage of a rebuild
(11 of 31 s for 1,000 briefings in three languages). This Writer records
each page instead, and `write_pending()`, at the end of the build, renders
them all on MIRSAD_JOBS processes (this one and forked ones, where a fork
is safe), each with Pelican's own `write_file`. Rendering has no effect on the build but the
files it writes, so the order does not matter, with two exceptions kept in
order: a write that may override another (`override_output`), and feeds.

A page is rendered with the build's context as it is at the end of the
build, not at the time it was asked for; generators only add to the
context while they write (Pelican's period archives pass a copy).

A page whose key (reuse.py) is the one the last build recorded is not
rendered: its files are hard-linked from the last build's output.

`content_written` is sent in the build's own process, for every page, with
the path and the context Pelican's `write_file` gives it: while pages render
the signal is muted, then each page's `write_file` is replayed here without
rendering or writing. A plugin that collects pages through that signal
(pelican-touch, a sitemap...) sees the whole site, not what one worker wrote.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer

from mirsad.common.lifetime import TARGET_VARIABLE
from mirsad.common.progress import progress_bar
from mirsad.common.session import session
from mirsad.common.settings import jobs
from mirsad.common.workers import WorkerDied, map_parallel

from .reuse import PageKeys, PageRecord, Written, files_of

logger = logging.getLogger(__name__)


class ParallelWriter(Writer):
    def __init__(self, output_path: str, settings: dict[str, Any] | None = None):
        super().__init__(output_path, settings=settings)
        if settings is not None:
            session(settings).writer = self  # the build writes what is pending when it ends
        self.jobs = jobs(settings or {})
        self._pending: list[tuple[tuple, dict[str, Any]]] = []
        self._pending_paths: set[str] = set()
        self._announcing = False
        self.keys = PageKeys(settings or {})
        cache = (settings or {}).get("CACHE_PATH")
        self.record = PageRecord(last_output(Path(output_path)), Path(cache) if cache else None)
        self.rendered = self.reused = 0
        self._opened: list[str] = []

    def write_file(self, name, template, context, relative_urls=False, paginated=None,
                   template_name=None, override_output=False, url=None, **kwargs) -> None:
        arguments = (name, template, context, relative_urls, paginated, template_name, override_output, url)
        if not name:
            return None  # a page the settings turn off (TAG_SAVE_AS = "" and the like)
        if override_output:  # may replace another page: Pelican's own rules, never reused
            self.write_pending()  # what was asked before is written before
            return super().write_file(*arguments, **kwargs)
        path = sanitised_join(self.output_path, name)
        if path in self._overridden_files:
            logger.info('Skipping "%s", not overwriting', path)
            return None
        if path in self._written_files or path in self._pending_paths:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{path}" as Pelican has already written to it previously '
                "(set `override=True` if intended)")
        self._pending_paths.add(path)
        self._pending.append((arguments, kwargs))
        if self.jobs < 2:
            self.write_pending()  # in the order asked, as Pelican writes
        return None

    def write_pending(self) -> None:
        """Render and write every page recorded so far, on `jobs` processes (this one among them)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        self.keys.fixed()  # once, before the workers fork
        with progress_bar("writing pages", len(pending)) as advance:
            try:
                # Workers inherit the pages (templates and contexts do not pickle): they get numbers.
                results = map_parallel(lambda number: self._write(pending[number]), range(len(pending)),
                                       self.jobs, least=2 * self.jobs, progress=advance)
            except WorkerDied:
                # A worker died (out of memory, a crash in native code): the
                # pages are written again here, where an error is reported.
                logger.warning("mirsad_build: a page-writing process died; writing the pages in one process")
                self._written_files -= self._pending_paths  # some were written here, and are again
                results = [self._write(page) for page in pending]
        for name, written, reused in results:
            if written is not None:
                self.record.pages[name] = written
            self.reused += reused
            self.rendered += not reused
        self._written_files |= self._pending_paths
        self._pending_paths = set()
        self._announce(pending)

    def _write(self, page: tuple[tuple, dict[str, Any]]) -> tuple[str, Written | None, bool]:
        """Link the page from the last build, or render it: (its name, its
        record, whether it was linked)."""
        arguments, kwargs = page
        name, template, context, *call = arguments
        key = self.keys.key(name, template, context, kwargs, call)
        output = Path(self.output_path)
        kept = self.record.reuse(name, key, output)
        if kept is not None:
            return name, kept, True
        self._opened = []
        with signals.content_written.muted():  # announced by _announce, in the build's process
            Writer.write_file(self, *arguments, **kwargs)
        return name, (Written(key, files_of(output, self._opened)) if key else None), False

    def save_record(self) -> None:
        """Record this build's pages (in CACHE_PATH) for the next build."""
        self.record.save()

    def _announce(self, pending: list[tuple[tuple, dict[str, Any]]]) -> None:
        """content_written for every page just written, in this process:
        Pelican's write_file again, with a template that renders nothing and
        files that go nowhere (_open_w), so each page's path and context are
        exactly those Pelican gives."""
        pelican_log = logging.getLogger("pelican.writers")  # its "Writing <path>" was said once already
        self._announcing, pelican_log.disabled = True, True
        try:
            for (name, template, *rest), kwargs in pending:
                Writer.write_file(self, name, _NOTHING, *rest, **kwargs)
        finally:
            self._announcing, pelican_log.disabled = False, False

    def _open_w(self, filename, encoding, override=False):
        if self._announcing:
            return contextlib.nullcontext(io.StringIO())
        self._opened.append(filename)
        # A new file, never one written through: a name may be a link to the
        # last build's page, which must stay as it is.
        with contextlib.suppress(FileNotFoundError):
            if os.lstat(filename).st_nlink > 1:
                os.unlink(filename)
        return super()._open_w(filename, encoding, override)


def last_output(output: Path) -> Path:
    """The folder this build is for, where the last build's pages are: the
    one `invoke build` will replace (it builds into a staging folder beside
    it), or the output itself for a build in place (a plain `pelican` run)."""
    target = os.environ.get(TARGET_VARIABLE)
    return Path(target) if target else output


class _RendersNothing:
    """Stands in for a page's template while its page is announced."""

    def render(self, context: dict[str, Any]) -> str:
        return ""


_NOTHING = _RendersNothing()
