"""Corrections and updates of a published briefing (docs/writing.md#corrections).

    updated: 2017-01-26 09:00
    corrections:
      - date: 2017-01-26
        text: "..."

A malformed entry refuses the briefing, naming the file and the entry's line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from mirsad.text.bidi import neutralise

from .frontmatter import BriefingError

EXAMPLE = 'corrections:\n  - date: 2017-01-26\n    text: "What was corrected."'


def check(value: Any, path: str, source: str) -> list[dict[str, str]]:
    """The `corrections:` field as a list of {date, text} (the date as text,
    converted with the others by the reader)."""
    if not isinstance(value, list):
        raise BriefingError(path, "'corrections' must be a list of entries with a date and a text",
                            f"Write it as\n{EXAMPLE}", line=_field_line(source))
    checked = []
    for number, entry in enumerate(value, start=1):
        line = _entry_line(source, number)
        if not isinstance(entry, dict) or set(entry) != {"date", "text"}:
            raise BriefingError(path, f"correction {number} must have a `date` and a `text`, and nothing else",
                                f"Write it as\n{EXAMPLE}", line=line)
        date, text = _as_date(entry["date"]), entry["text"]
        if not isinstance(date, (dt.date, dt.datetime)):
            raise BriefingError(path, f"correction {number} has the date {date!r}, which is not a date",
                                "Write it as YYYY-MM-DD (or YYYY-MM-DD HH:MM)", line=line)
        if not isinstance(text, str) or not text.strip():
            raise BriefingError(path, f"correction {number} has no text", "Say what was corrected in `text:`",
                                line=line)
        checked.append({"date": date.isoformat(sep=" ") if isinstance(date, dt.datetime) else date.isoformat(),
                        "text": neutralise(text.strip())[0]})
    return checked


def _as_date(value: Any) -> Any:
    """YAML reads 2017-01-26 as a date, but 2017-01-26 14:30 (no seconds) as text: both are dates here."""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value
        return moment.date() if len(value.strip()) == 10 else moment
    return value


def metadata(fields: dict[str, Any], to_date: Callable[[str, str], dt.datetime]) -> dict[str, Any]:
    """Pelican metadata from `updated` and `corrections`: the corrections with
    their dates, and `modified` (the visible "updated" date, the feed's
    <updated>, the sitemap's lastmod): the latest of modified, updated and
    the corrections' dates. `to_date(name, text)` is Pelican's date parser."""
    found: dict[str, Any] = {}
    corrections = [{"date": to_date("date", c["date"]), "text": c["text"]} for c in fields.get("corrections") or []]
    if corrections:
        found["corrections"] = sorted(corrections, key=lambda c: c["date"])
    dates = [to_date("modified", fields[name]) for name in ("modified", "updated") if fields.get(name)]
    dates += [c["date"] for c in corrections]
    if dates:
        found["modified"] = max(dates)
    return found


def _field_line(source: str) -> int | None:
    for number, line in enumerate(source.splitlines(), start=2):
        if line.lower().startswith("corrections:"):
            return number
    return None


def _entry_line(source: str, number: int) -> int | None:
    """The line of the `number`th `- ` item under `corrections:` (block style),
    else the field's line."""
    start = _field_line(source)
    if start is None:
        return None
    seen = 0
    for offset, line in enumerate(source.splitlines()[start - 1:], start=start + 1):
        if line and not line[0].isspace() and not line.startswith("-"):
            break  # the next field
        if line.strip().startswith("- "):
            seen += 1
            if seen == number:
                return offset
    return start
