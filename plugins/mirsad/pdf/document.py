"""The print HTML of a briefing (or a digest) and the PDF's metadata.

Everything a PDF shows or carries is decided here and in the print template,
from the briefing alone: no build time, no random ids, so the same briefing
gives the same HTML and therefore the same PDF bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

# Unicode isolates: WeasyPrint supports neither `unicode-bidi` nor dir="auto",
# so a run of the other direction is isolated with characters instead.
ISOLATES = {"ltr": "\u2066", "rtl": "\u2067"}
POP_ISOLATE = "\u2069"
PAGE, PAGES = "\x01", "\x02"  # placeholders in the localized "Page N of M"


@dataclass(frozen=True)
class PdfLink:
    """What a page needs to link a PDF: its URL (relative to the site) and size."""

    url: str
    size: int


@dataclass(frozen=True)
class PdfMetadata:
    created: str
    modified: str
    authors: list[str]
    keywords: list[str]


def metadata(article: Any, site_name: str) -> PdfMetadata:
    """Dates from the briefing (not the clock) and its tags in its language."""
    authors = [str(author) for author in getattr(article, "authors", None) or []]
    return PdfMetadata(
        created=w3c(article.date),
        modified=w3c(_modified(article)),
        authors=authors or [site_name],
        keywords=[term.name(article.lang) for term in getattr(article, "tag_terms", [])],
    )


def digest_metadata(articles: list[Any], site_name: str) -> PdfMetadata:
    """A digest is as old as its newest briefing, so a rebuild gives the same file."""
    newest = w3c(max(_modified(article) for article in articles))
    return PdfMetadata(created=newest, modified=newest, authors=[site_name], keywords=[])


def _modified(article: Any) -> dt.datetime:
    """The last change: `modified`, or a translation's review day, or the date."""
    modified = getattr(article, "modified", None) or article.date
    reviewed = getattr(article, "reviewed", None)
    if reviewed:
        modified = max(modified, _at_midnight(reviewed, article.date.tzinfo))
    return modified


def w3c(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def _at_midnight(value: Any, tzinfo) -> dt.datetime:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return dt.datetime(day.year, day.month, day.day, tzinfo=tzinfo)


def isolate(text: Any, direction: str) -> Markup:
    """Jinja filter: `text` as a directional isolate (for WeasyPrint, which
    ignores `unicode-bidi`), so a Latin URL in an Arabic line, or an Arabic
    title in a French one, keeps its own order and leaves its neighbours'."""
    return Markup(ISOLATES.get(direction, ISOLATES["ltr"])) + escape(text) + Markup(POP_ISOLATE)


def page_rule(page_format: str, counter_style: str, page_size: str) -> Markup:
    """Jinja global: the @page rule with the size and the localized page
    numbers, e.g. "صفحة " counter(page, arabic-indic) " من " counter(pages, ...).

    `page_format` is the translated "Page %(number)s of %(total)s" rendered with
    the PAGE and PAGES placeholders.
    """
    parts = []
    for piece in re.split(f"([{PAGE}{PAGES}])", str(page_format)):
        if piece == PAGE:
            parts.append(f"counter(page, {counter_style})")
        elif piece == PAGES:
            parts.append(f"counter(pages, {counter_style})")
        elif piece:
            parts.append(css_string(piece))
    if not re.fullmatch(r"[\w\s.-]+", page_size):
        raise ValueError(f"MIRSAD_PDF['page_size'] = {page_size!r} is not a CSS page size")
    return Markup(
        f"@page {{ size: {page_size}; @bottom-center {{ content: {' '.join(parts)}; }} }}"
    )


def css_string(text: str) -> str:
    """A CSS string literal that is also safe inside an HTML <style> element."""
    return '"' + re.sub(r'["\\<>\n]', lambda m: f"\\{ord(m.group()):x} ", text) + '"'
