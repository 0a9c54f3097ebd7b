"""YAML front matter: split it from the body and check its fields."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

import yaml

from mirsad.common.settings import did_you_mean
from mirsad.common.yamlfile import LOADER
from mirsad.text.bidi import neutralise

logger = logging.getLogger(__name__)

DELIMITER = "---"

# Field name -> what it holds. Documented in README ("Writing a briefing").
FIELDS = {
    "title": "headline (required)",
    "date": "publication date, e.g. 2017-01-25 10:00 (required for briefings)",
    "modified": "last update date",
    "updated": "date of the latest update, shown as \"Updated\" (same as modified)",
    "corrections": "list of {date, text}: corrections shown on the page and in its PDF",
    "lang": "language code of this text (default: the site's source language)",
    "slug": "URL name (default: derived from the title)",
    "tags": "list of tags",
    "category": "one category",
    "summary": "authored summary (plain text)",
    "key_points": "authored key points (list of plain-text strings)",
    "source": "where the information comes from",
    "location": "place or list of places",
    "author": "author name",
    "authors": "list of author names",
    "status": "published (default), draft or hidden",
    "translator": "who reviewed a translation",
    "reviewed": "date a translation was reviewed",
    "source_hash": "hash of the original a reviewed translation was made from",
}
LIST_FIELDS = {"tags", "key_points", "location", "authors"}
# Bidi embedding/override/isolate controls and invisible joiners: in a
# title they can make text display differently from what it is (the
# "Trojan Source" trick), and in a slug they make look-alike URLs.
HIDDEN_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff"))
SAFE_SLUG = re.compile(r"^[\w][\w-]*$")
DATE_FIELDS = {"date", "modified", "updated", "reviewed"}
# Checked by their own module (corrections.py), with the entry's line.
STRUCTURED_FIELDS = {"corrections"}
STATUSES = ("published", "draft", "hidden")
# A language code ends up in every URL of the version ({lang}/briefings/...).
LANG_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
# Pelican fields that decide where a page is written and how: Mirsad sets
# them for the whole site (pelicanconf.py), never per file, so a briefing
# can neither write outside output/ nor pick another template.
SITE_WIDE_FIELDS = {"save_as", "url", "template", "lang_save_as", "lang_url", "override_save_as",
                    "override_url", "path", "filename", "static", "output"}


class BriefingError(ValueError):
    """A briefing file cannot be read; the message names the file and the fix."""

    def __init__(self, path: str, problem: str, fix: str, line: int | None = None):
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {problem}. {fix}")
        self.path, self.line = path, line


@dataclass
class Document:
    fields: dict[str, Any]
    body: str
    body_line: int  # 1-based line of the body's first line in the file


def split(text: str, path: str) -> Document:
    """Separate the ``---`` delimited YAML front matter from the Markdown body."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != DELIMITER:
        raise BriefingError(
            path, "no front matter",
            "Start the file with a line '---', the YAML fields (title, date, ...), "
            "and another '---' line", line=1,
        )
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == DELIMITER:
            break
    else:
        raise BriefingError(
            path, "the front matter is not closed",
            "Add a line '---' after the last YAML field", line=1,
        )
    fields = _parse_yaml("".join(lines[1:index]), path)
    return Document(fields, "".join(lines[index + 1:]), body_line=index + 2)


def _parse_yaml(source: str, path: str) -> dict[str, Any]:
    try:
        data = yaml.load(source, Loader=LOADER) or {}
    except (ValueError, OverflowError) as error:  # a date YAML reads but the calendar lacks
        raise BriefingError(
            path, f"a date in the front matter is not a real date ({error})",
            "Write dates as YYYY-MM-DD HH:MM, with a day that exists in that month",
            line=_line_of(source, "date"),
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise BriefingError(
            path, f"invalid YAML front matter ({problem})",
            "Check quoting: a value containing ': ' or starting with a quote, "
            "'#', '[' or '{' must be written inside double quotes",
            line=mark.line + 2 if mark else None,  # +1 for 0-based, +1 for '---'
        ) from None
    if not isinstance(data, dict):
        raise BriefingError(
            path, "the front matter is not a list of 'field: value' lines",
            "Write one 'field: value' per line between the two '---' lines", line=2,
        )
    return {str(key).strip().lower(): value for key, value in data.items()}


def _line_of(source: str, field: str) -> int | None:
    """The file line of `field:` in the front matter (the first '---' is line 1)."""
    for number, line in enumerate(source.splitlines(), start=2):
        if line.lower().startswith(f"{field}:"):
            return number
    return None


def check_fields(fields: dict[str, Any], path: str, source: str = "") -> dict[str, Any]:
    """Normalise field values to the types the reader expects. `source`, the
    file's text, lets warnings give the field's line."""
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        if name in SITE_WIDE_FIELDS:
            logger.warning(
                "mirsad_markdown: %s: front matter field '%s' ignored: where pages are written "
                "and which template shows them are set for the whole site (ARTICLE_SAVE_AS, "
                "THEME in pelicanconf.py), not per briefing. Remove the field", path, name,
            )
            continue
        if name not in FIELDS:
            logger.warning(
                "mirsad_markdown: %s: unknown front matter field '%s' ignored%s",
                path, name, did_you_mean(name, FIELDS),
            )
            continue
        if value is None:
            continue
        if name in STRUCTURED_FIELDS:
            checked[name] = value
            continue
        checked[name] = _neutralised(name, _normalise(name, value, path), path, _line_of(source, name))
    title = checked.get("title", "")
    if not isinstance(title, str) or not title.strip():
        raise BriefingError(path, "no title", "Add a line 'title: \"...\"' to the front matter")
    cleaned = title.translate(HIDDEN_CONTROLS)
    if cleaned != title:
        logger.warning("mirsad_markdown: %s: hidden direction/zero-width characters removed from the title", path)
        checked["title"] = cleaned
    if "slug" in checked:
        _check_slug(checked["slug"], path)
    if "lang" in checked and not LANG_CODE.match(checked["lang"]):
        raise BriefingError(
            path, f"'lang: {checked['lang']}' is not a language code",
            "Write an ISO 639-1 code such as ar, en or fr (or remove the field)",
        )
    if "status" in checked and str(checked["status"]).strip().lower() not in STATUSES:
        raise BriefingError(
            path, f"'status: {checked['status']}' is not a status",
            f"Write one of {', '.join(STATUSES)} (or remove the field: published)",
            line=_line_of(source, "status"),
        )
    return checked


def _neutralised(name: str, value: Any, path: str, line: int | None) -> Any:
    """A field's text (tags, sources, summary, points, alt text...) without
    embeddings or overrides, each value one block (mirsad.text.bidi). The
    title loses every hidden control instead (check_fields)."""
    if name == "title":
        return value
    values = value if isinstance(value, list) else [value]
    cleaned, changes = [], []
    for item in values:
        text, changed = neutralise(item) if isinstance(item, str) else (item, [])
        cleaned.append(text)
        changes += changed
    if changes:
        where = f"{path}:{line}" if line else path
        logger.warning("mirsad_markdown: %s: direction controls neutralised in '%s' (%s): an override or "
                       "embedding can make text display differently from what is stored and searched",
                       where, name, "; ".join(changes))
    return cleaned if isinstance(value, list) else cleaned[0]


def _check_slug(slug: str, path: str) -> None:
    """A slug becomes a file name: nothing that could leave output/ or hide."""
    if not SAFE_SLUG.match(slug):  # hidden controls are not \w either
        raise BriefingError(
            path, f"the slug {slug!r} is not a safe file name",
            "Use only letters, digits, '-' and '_' (no '/', '..', '%', spaces or hidden characters)",
        )


def _normalise(name: str, value: Any, path: str) -> Any:
    if name in DATE_FIELDS:
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
        return str(value)
    if name in LIST_FIELDS:
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, (dict, list)) for item in items):
            raise BriefingError(
                path, f"'{name}' must be a list of plain strings",
                f"Write it as {name}: [first, second]",
            )
        return [str(item).strip() for item in items if str(item).strip()]
    if isinstance(value, (dict, list)):
        raise BriefingError(
            path, f"'{name}' must be a single value, not a {type(value).__name__}",
            f"Write it as {name}: \"...\"",
        )
    return str(value).strip()
