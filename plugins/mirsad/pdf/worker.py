"""Rendering in a pool of long-lived worker processes.

WeasyPrint's import (~0.3 s), the parsing of the print stylesheet and the
decoding of its @font-face fonts (~0.6 s) are paid once, not once per PDF:
one FontConfiguration and one parsed stylesheet render every document. Where
workers are forked (Linux, no other thread running), the build prepares
them once and hands the prepared state to the fork, so every worker starts
ready and a process that builds again (tests, `serve`) reuses it; spawned
workers prepare their own when they start.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from mirsad.common.files import atomic_file
from mirsad.common.workers import WorkerDied, Workers, fork_is_safe

from .cache import partial_prefix
from .renderer import FONT_WARNING, fixed_font_time, load_weasyprint

RESOURCE_SCHEMES = ("file",)


@dataclass(frozen=True)
class Job:
    """One PDF to render: its print HTML and where the result goes."""

    label: str  # names the briefing in messages, e.g. "content/briefings/x.md (ar)"
    html: str
    base_url: str  # relative links in the PDF resolve against the web page's URL
    target: str  # file to write (atomically)


@dataclass(frozen=True)
class Resources:
    """How a worker finds the files a document refers to, without any network."""

    stylesheet: str
    fingerprint: str  # of the stylesheet and its fonts: a change means new state
    site_url: str  # URLs under it are the site's own files ...
    roots: tuple[tuple[str, str], ...]  # ... (URL path prefix, folder): content, theme files
    pdf_variant: str | None


@dataclass
class Result:
    job: Job
    size: int = 0
    error: str = ""
    warnings: list[str] = field(default_factory=list)


class _Worker:
    """Per-process state, created once by the pool's initializer."""

    def __init__(self, resources: Resources):
        load_weasyprint()  # first import in a spawned worker: without the DeprecationWarning
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.resources = resources
        self.fetcher = _local_fetcher(resources)
        self.font_config = FontConfiguration()
        with fixed_font_time():  # @font-face WOFF fonts are decoded by fontTools
            self.stylesheet = CSS(filename=resources.stylesheet, font_config=self.font_config,
                                  url_fetcher=self.fetcher)
        self.warnings = _capture_warnings()

    def render(self, job: Job) -> Result:
        from weasyprint import HTML

        self.warnings.clear()
        result = Result(job)
        # Written under a temporary name, renamed when whole: a killed build
        # never leaves a truncated PDF under a cache key (the name carries this
        # process's pid, so the cache can drop what a killed one left).
        try:
            with atomic_file(job.target, "wb", prefix=partial_prefix()) as output, fixed_font_time():
                HTML(string=job.html, base_url=job.base_url, url_fetcher=self.fetcher).write_pdf(
                    output, font_config=self.font_config, stylesheets=[self.stylesheet],
                    pdf_variant=self.resources.pdf_variant,
                )
            result.size = os.path.getsize(job.target)
        except Exception as error:  # any failure is reported for this PDF only
            where = traceback.extract_tb(error.__traceback__)[-1]
            place = f"{os.path.basename(where.filename)}:{where.lineno}"
            result.error = f"{type(error).__name__}: {error} [{place}]"
        result.warnings[:0] = list(self.warnings)
        return result


_prepared: dict[Resources, _Worker] = {}  # kept for the next build of this process (tests, `serve`)
# Let FontConfiguration remove its temporary font folder while the interpreter
# is still whole (its __del__ fails during the final teardown).
atexit.register(_prepared.clear)


def render_all(jobs: Iterable[Job], resources: Resources, workers: int,
               progress: Callable[[Result], None] = lambda result: None) -> Iterator[Result]:
    """Render every job in a pool of `workers` processes; yield results as they finish."""
    jobs = sorted(jobs, key=lambda job: len(job.html), reverse=True)  # longest first
    if not jobs:
        return
    orphans = []  # jobs whose worker died
    with _pool(resources, max(1, min(workers, len(jobs)))) as pool:
        for number, job in enumerate(jobs):
            pool.submit(job, tag=number)
        while True:
            try:
                for _, result in pool.results():
                    progress(result)
                    yield result
                break
            except WorkerDied as death:
                orphans.append(jobs[death.tag])
    # A crash in native code (fonts, Pango) may come from another document
    # (memory): each orphan is rendered again, alone, before it is failed.
    for job in orphans:
        with _pool(resources, 1) as pool:
            pool.submit(job)
            try:
                result = next(pool.results())[1]
            except WorkerDied as death:
                result = Result(job, error=f"the rendering process died ({death})")
        progress(result)
        yield result


def _pool(resources: Resources, size: int) -> Workers:
    """Forked workers inherit one prepared _Worker; spawned ones (when
    threads run here, or on macOS) prepare their own from `resources`."""
    if not fork_is_safe():
        return Workers(_render, resources, size, method="spawn")
    if resources not in _prepared:
        _prepared.clear()
        _prepared[resources] = _Worker(resources)
    return Workers(_render, _prepared[resources], size)


def _render(state: _Worker | Resources, job: Job) -> Result:
    worker = state if isinstance(state, _Worker) else _spawned_worker(state)
    return worker.render(job)


@functools.cache
def _spawned_worker(resources: Resources) -> _Worker:
    return _Worker(resources)


def _local_fetcher(resources: Resources):
    """A URL fetcher that serves the site's own URLs from disk and fetches nothing
    from the network: a PDF build must be the same offline as online."""
    from weasyprint.urls import URLFetcher, path2url

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = local_path(resources, url)
            if path is None and url.startswith(resources.site_url.rstrip("/") + "/"):
                raise FileNotFoundError(f"{url} is not among the site's files (content/ or the theme's static/)")
            return super().fetch(path2url(path) if path else url, headers)

    return LocalFetcher(allowed_protocols=RESOURCE_SCHEMES)


def local_path(resources: Resources, url: str) -> str | None:
    """The file on disk behind one of the site's own URLs (content or theme), if any."""
    prefix = resources.site_url.rstrip("/") + "/"
    if not url.startswith(prefix):
        return None
    relative = url[len(prefix):].split("#")[0].split("?")[0]
    for start, folder in resources.roots:
        path = os.path.join(folder, relative.removeprefix(start))
        if relative.startswith(start) and os.path.isfile(path):
            return path
    return None


class _WarningList(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(FONT_WARNING):
            return  # said for every font of every PDF; the build says it once
        if "disallowed protocol" in message:
            message += (" (PDFs are made offline: nothing is downloaded; ship the file with "
                        "the site, e.g. in content/images/, and link it)")
        self.messages.append(message)

    def clear(self) -> None:
        self.messages.clear()

    def __iter__(self):
        return iter(self.messages)


def _capture_warnings() -> _WarningList:
    """WeasyPrint's warnings (missing image, unsupported CSS) go back to the
    build with the job, so they are reported with the briefing they concern."""
    handler = _WarningList()
    logger = logging.getLogger("weasyprint")
    logger.handlers[:] = [handler]
    logger.propagate = False
    return handler
