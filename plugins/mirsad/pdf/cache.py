"""Skip-unchanged: a PDF is stored under a hash of everything it is made from.

The key covers the print HTML (the briefing, the template's output, so a
template edit re-renders exactly the PDFs whose HTML it changes), the print
stylesheet, every font file it loads, every local image the HTML shows, the
PDF options, the versions of the renderer and which font subsetter it uses
(HarfBuzz and fontTools give different bytes). A build looks the key up first and
renders only what is missing. The cache lives outside the output folder,
since `invoke build` replaces that folder as a whole; PDFs are hard-linked
(or copied) from it into the output.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
from importlib.metadata import version

logger = logging.getLogger(__name__)

# Bump when the way PDFs are made changes without any input changing.
RENDERER_REVISION = "1"
CACHED_NAME = re.compile(r"(.+)\.[0-9a-f]{20}\.pdf")
# A PDF being rendered: written under this name, then renamed to its key (see
# worker.py). The pid says whether its writer is still alive.
PARTIAL_NAME = re.compile(r"rendering-(\d+)-\w+\.part")
FONT_URL = re.compile(r"""url\(\s*["']?([^"')]+\.(?:woff2?|ttf|otf))["']?\s*\)""")


def stylesheet_fingerprint(stylesheet: str) -> str:
    """Hash of what every PDF shares: renderer versions, stylesheet, its fonts."""
    from .renderer import subsetter

    digest = hashlib.sha256()
    for name in ("weasyprint", "pydyf", "fonttools"):
        digest.update(f"{name}={version(name)}\n".encode())
    # Installing libharfbuzz-subset0 changes every PDF's fonts: cached ones
    # made with fontTools must not be reused then.
    digest.update(f"subsetter={subsetter()}\n".encode())
    digest.update(f"revision={RENDERER_REVISION}\n".encode())
    with open(stylesheet, "rb") as handle:
        css = handle.read()
    digest.update(css)
    folder = os.path.dirname(stylesheet)
    for url in sorted(set(FONT_URL.findall(css.decode("utf-8")))):
        with open(os.path.normpath(os.path.join(folder, url)), "rb") as handle:
            digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()


def with_options(fingerprint: str, options: dict) -> str:
    """`fingerprint` combined with the PDF options (variant, page size)."""
    return hashlib.sha256(f"{fingerprint}\n{sorted(options.items())!r}".encode()).hexdigest()


class PdfCache:
    def __init__(self, directory: str, shared: str):
        self.directory = directory
        self.shared = shared
        os.makedirs(directory, exist_ok=True)

    def path(self, save_as: str, html: str) -> str:
        """Where the PDF of `html` (to be published as `save_as`) is cached."""
        key = hashlib.sha256((self.shared + html).encode("utf-8")).hexdigest()[:20]
        return os.path.join(self.directory, f"{_flat(save_as)}.{key}.pdf")

    def prune(self, kept: list[str]) -> None:
        """Drop older renderings of the PDFs kept by this build, so the cache
        holds one file per published PDF (others' entries are left alone)."""
        kept_names = {os.path.basename(path) for path in kept}
        published = {_published_as(name) for name in kept_names}
        abandoned = 0
        for entry in os.scandir(self.directory):
            if entry.name not in kept_names and _published_as(entry.name) in published:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
            elif _abandoned(entry.name):
                # A rendering cut short (build killed): never a cache entry, but
                # nothing else would ever remove it.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                abandoned += 1
        if abandoned:
            logger.info("mirsad_pdf: removed %d unfinished PDF(s) of interrupted builds from %s",
                        abandoned, self.directory)


def partial_prefix() -> str:
    """Start of the name a worker renders a PDF under (see PARTIAL_NAME)."""
    return f"rendering-{os.getpid()}-"


def _flat(save_as: str) -> str:
    return save_as.replace("/", "--").removesuffix(".pdf")


def _abandoned(name: str) -> bool:
    """A partial PDF whose rendering process no longer exists."""
    match = PARTIAL_NAME.fullmatch(name)
    if not match:
        return False
    try:
        os.kill(int(match.group(1)), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _published_as(cache_name: str) -> str | None:
    """"ar--briefings--x.<key>.pdf" -> "ar--briefings--x" (None: not a cached PDF)."""
    match = CACHED_NAME.fullmatch(cache_name)
    return match.group(1) if match else None
