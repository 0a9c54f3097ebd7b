"""What the search index holds about each briefing version: its words per
field, and what a result shows (title, date, snippet, link)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from lxml import html

from mirsad.i18n.api import is_unreviewed, localdate
from mirsad.summary.api import cap

from .analysis import words


@dataclass(frozen=True)
class Document:
    fields: dict[str, list[str]]  # field name -> folded words
    result: dict[str, str]  # what a result shows (keys below)


@dataclass(frozen=True)
class Source:
    """What one briefing version's document is made from. An index is
    stored under its documents' sources, not their words, so that an
    unchanged site is recognised without analysing its text."""

    body: str  # the HTML body
    title: str
    names: tuple[str, ...]  # its tags, category and source, in `lang`
    result: dict[str, str]

    def key(self) -> tuple[str, str, tuple[str, ...], dict[str, str]]:
        return self.body, self.title, self.names, self.result


def source(article: Any, lang: str, page_save_as: str, config: dict[str, Any], machine_label: str) -> Source:
    """The searchable parts of one briefing version, linked from the search page;
    a result of unreviewed machine translation shows `machine_label`."""
    names = [term.name(lang) for term in getattr(article, "tag_terms", [])]
    if getattr(article, "category_term", None):
        names.append(article.category_term.name(lang))
    if getattr(article, "source_name", None):
        names.append(article.source_name.text)
    shown = result(article, lang, page_save_as, config["snippet_chars"])
    if is_unreviewed(article):
        shown["m"] = machine_label
    return Source(article.content, article.title, tuple(names), shown)


def document(source: Source, body_words: int | None) -> Document:
    """The words of `source` by field; the body cut at `body_words` (None: whole)."""
    body = words(body_text(source.body))
    if body_words:
        body = body[:body_words]
    fields = {"title": words(source.title), "terms": words(" ".join(source.names)), "body": body}
    return Document(fields, source.result)


def result(article: Any, lang: str, page_save_as: str, snippet_chars: int) -> dict[str, str]:
    """u: link relative to the search page, t: title, d: date as shown,
    i: ISO date, s: snippet, and l: the snippet's language when it is not
    the page's (a summary left in the original's language); `source` adds
    m: the mark of unreviewed machine translation."""
    shown = {
        "u": posixpath.relpath(article.url, posixpath.dirname(page_save_as) or "."),
        "t": article.title,
        "d": localdate(article.date, lang),
        "i": article.date.date().isoformat(),
        "s": cap(" ".join((getattr(article, "abstract", "") or "").split()), snippet_chars),
    }
    box = getattr(article, "summary_box", None)
    if box is not None and box.points_lang != lang:
        shown["l"] = box.points_lang
    return shown


def body_text(content: str) -> str:
    """The text of a briefing's HTML body."""
    if not content or not content.strip():
        return ""
    # itertext joined with spaces: table cells and list items would
    # otherwise run into each other ("<td>ليبيا</td><td>2017</td>").
    return " ".join(html.fragment_fromstring(content, create_parent="div").itertext())

