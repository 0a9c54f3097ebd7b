"""Pelican reader for briefings: YAML front matter + Markdown body."""

from __future__ import annotations

import copy
import logging
from typing import Any
from urllib.parse import unquote

from lxml import etree
from lxml import html as lxml_html
from markupsafe import escape
from pelican.readers import BaseReader

from mirsad.common.session import session
from mirsad.common.settings import plugin_settings, site_languages

from . import corrections, frontmatter, images, render
from .cache import Read, ReadCache, revision
from .frontmatter import BriefingError

logger = logging.getLogger(__name__)

DEFAULTS = {
    # URL schemes allowed in links and images written in briefings; relative
    # URLs are always allowed. javascript: and data: are never in this list.
    "url_schemes": ["http", "https", "mailto"],
}
# How deep lists, quotes and HTML elements may nest in a briefing body.
# Every later stage walks the tree recursively: WeasyPrint (the PDF) fails
# with a RecursionError at about 150 levels inside the print template, lxml
# silently stops nesting at 255, markdown-it drops (!) the text beyond its
# own limit (20 by default). A real briefing needs a few levels; deeper is
# refused with the file named, instead of a lost text or a failed PDF.
MAX_NESTING = 100
# Fields Pelican itself converts (dates, tags, category, ...).
PELICAN_FIELDS = {"date", "modified", "tags", "category", "author", "authors", "status", "slug"}


class BriefingReader(BaseReader):
    enabled = True
    file_extensions = ["md", "markdown"]

    def __init__(self, settings: dict[str, Any]):
        super().__init__(settings)
        self.options = plugin_settings(settings, "MIRSAD_MARKDOWN", DEFAULTS)
        self.renderer = render.make_renderer()
        # Past maxNesting markdown-it silently leaves content out; with the
        # limit just above MAX_NESTING such a body is refused by _check_body.
        self.renderer.options["maxNesting"] = MAX_NESTING + 2

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        try:
            return self.read_briefing(source_path)
        except BriefingError as error:
            # Pelican reports only "Could not process <file>" (the reason only
            # with --debug), so the reason and the fix are logged here.
            logger.error("mirsad_markdown: %s", error)
            raise

    def read_briefing(self, source_path: str) -> tuple[str, dict[str, Any]]:
        text = _read_text(source_path)
        cache = read_cache(self.settings)
        document, known = _document(text, source_path, cache)
        pristine = copy.deepcopy(document.fields) if known is None and cache is not None else None
        after_first_delimiter = text.removeprefix("\ufeff").split("\n", 1)[-1]  # as _line_of counts
        fields = frontmatter.check_fields(document.fields, source_path, after_first_delimiter)
        if "corrections" in fields:
            fields["corrections"] = corrections.check(fields["corrections"], source_path, after_first_delimiter)
        self._check_language(fields, source_path)
        if known is None:
            bidi: list[tuple[int, list[str]]] = []
            content = render.render(document.body, self.renderer, self.options["url_schemes"],
                                    lambda line, changes: bidi.append((line, changes)))
        else:
            content, bidi = known.content, known.bidi
        for line, changes in bidi:
            _bidi_warning(source_path, document.body_line + line, changes)
        self._check_body(content, document, fields, source_path)
        if pristine is not None:
            cache.put(text, Read(pristine, document.body, document.body_line, content, bidi))
        return content, self._metadata(fields, source_path)

    def _check_language(self, fields: dict[str, Any], path: str) -> None:
        """A version in a language the site does not have would have no home,
        listing or switcher entry: refuse it by name rather than hide it."""
        languages = site_languages(self.settings)
        lang = fields.get("lang")
        if lang and lang not in languages:
            raise BriefingError(
                path, f"'lang: {lang}' is not one of the site's languages ({', '.join(languages)})",
                "Correct the code, or add the language to MIRSAD_I18N['languages'] in pelicanconf.py",
            )

    def _check_body(self, content: str, document: frontmatter.Document, fields: dict[str, Any],
                    path: str) -> None:
        """Refuse a body nested too deep for the later stages; warn about
        images that the page and the PDF cannot show."""
        if not content.strip():
            return
        root = lxml_html.fragment_fromstring(content, create_parent="div")
        depth = nesting_depth(root)
        if depth > MAX_NESTING:
            raise BriefingError(
                path, f"lists, quotes or HTML elements are nested more than {MAX_NESTING} "
                "levels deep (the web page, the PDF and the translation could not all show it)",
                f"Flatten the nesting to at most {MAX_NESTING} levels; a briefing rarely needs more than a few",
            )
        lang = str(fields.get("lang") or self.settings.get("DEFAULT_LANG", "ar"))
        for image in root.iter("img"):
            problem = images.problem(self.settings, image.get("src") or "", lang)
            if problem:
                src = image.get("src") or ""
                logger.warning("mirsad_markdown: %s: %s", _where(path, document, src), problem)

    def _metadata(self, fields: dict[str, Any], path: str) -> dict[str, Any]:
        metadata: dict[str, Any] = {}
        for name, value in fields.items():
            if name in PELICAN_FIELDS:
                try:
                    metadata[name] = self.process_metadata(name, value)
                except (ValueError, OverflowError) as error:
                    raise BriefingError(
                        path, f"'{name}: {value}' is not understood ({error})",
                        f"Write {name} as YYYY-MM-DD HH:MM" if name in frontmatter.DATE_FIELDS
                        else f"Correct the '{name}' field",
                    ) from None
            else:
                metadata[name] = value
        try:
            metadata.update(corrections.metadata(fields, self.process_metadata))
        except (ValueError, OverflowError) as error:
            raise BriefingError(path, f"a date of 'updated' or 'corrections' is not understood ({error})",
                                "Write dates as YYYY-MM-DD HH:MM") from None
        if "summary" in metadata:
            # Pelican treats a summary as HTML; an authored one is plain text.
            metadata["summary"] = str(escape(metadata["summary"]))
            metadata["summary_text"] = fields["summary"]
        return metadata


def open_read_cache(settings: dict[str, Any]) -> None:
    """The build's cache of briefings read (cache.py), in CACHE_PATH."""
    options = plugin_settings(settings, "MIRSAD_MARKDOWN", DEFAULTS)
    session(settings).once(READ_CACHE, lambda: ReadCache(settings["CACHE_PATH"], revision(
        {**options, "max_nesting": MAX_NESTING})))


def save_read_cache(settings: dict[str, Any]) -> None:
    cache = read_cache(settings)
    if cache is not None:
        cache.save()
        session(settings).forget(READ_CACHE)


def front_matter(path: str, settings: dict[str, Any] | None = None) -> frontmatter.Document:
    """A briefing file's front matter and body, from the build's read cache
    when it holds the file's text (then without parsing it again)."""
    return _document(_read_text(path), path, read_cache(settings) if settings is not None else None)[0]


def _document(text: str, path: str, cache: ReadCache | None) -> tuple[frontmatter.Document, Read | None]:
    """The text's front matter and body, from `cache` if it holds them
    (then also what it holds, else None)."""
    known = cache.get(text) if cache is not None else None
    if known is None:
        return frontmatter.split(text, path), None
    return frontmatter.Document(copy.deepcopy(known.fields), known.body, known.body_line), known


def read_cache(settings: dict[str, Any]) -> ReadCache | None:
    """The build's read cache; None outside a build (tools reading one file)."""
    return session(settings).made(READ_CACHE)


READ_CACHE = "mirsad.markdown read cache"


def body_html(source_path: str, settings: dict[str, Any]) -> str:
    """A briefing file's body as the site's reader makes it (front matter
    checked, Markdown rendered and sanitised): for tools that show a
    briefing outside a build (the review pages' diff of an original)."""
    try:
        return BriefingReader(settings).read_briefing(source_path)[0]
    except BriefingError as error:
        logger.error("mirsad_markdown: %s", error)
        raise


def _bidi_warning(path: str, line: int, changes: list[str]) -> None:
    logger.warning("mirsad_markdown: %s:%d: direction controls neutralised (%s): an override or embedding "
                   "can make text display differently from what is stored and searched; use an isolate "
                   "(U+2066-U+2069) closed in the same paragraph if the direction must be set",
                   path, line, "; ".join(changes))


def nesting_depth(root) -> int:
    """How many elements deep the tree under `root` goes (iteratively: a
    recursive walk would itself fail on hostile input)."""
    depth = deepest = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest - 1  # not counting root


def _where(path: str, document: frontmatter.Document, needle: str) -> str:
    """`path:line` of the first place `needle` (a URL) is written in the body."""
    for candidate in (needle, unquote(needle)):
        index = document.body.find(candidate) if candidate else -1
        if index >= 0:
            return f"{path}:{document.body_line + document.body.count(chr(10), 0, index)}"
    return path


def _read_text(path: str) -> str:
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BriefingError(path, f"not valid UTF-8 (byte {error.start}){_guess_encoding(raw)}",
                            "Save the file as UTF-8, e.g. `iconv -f WINDOWS-1256 -t UTF-8 "
                            "old.md > new.md` for files from older Arabic newsroom tools",
                            line=line) from None


def _guess_encoding(raw: bytes) -> str:
    """Name the likely encoding (never used silently): old Arabic tools save
    Windows-1256."""
    try:
        text = raw.decode("cp1256")
    except UnicodeDecodeError:
        return ""
    # Non-ASCII letters only: field names and Latin words say nothing about it.
    letters = [ch for ch in text if ch.isalpha() and not ch.isascii()]
    arabic = sum("\u0600" <= ch <= "\u06ff" for ch in letters)
    return "; it looks like Windows-1256 (Arabic)" if letters and arabic / len(letters) > 0.5 else ""
