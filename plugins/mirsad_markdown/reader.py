"""Pelican reader for briefings: YAML front matter + Markdown body."""

from __future__ import annotations

import logging
from typing import Any

from markupsafe import escape
from pelican.readers import BaseReader

from mirsad_common.settings import plugin_settings

from . import frontmatter, render
from .frontmatter import BriefingError

logger = logging.getLogger(__name__)

DEFAULTS = {
    # URL schemes allowed in links and images written in briefings; relative
    # URLs are always allowed. javascript: and data: are never in this list.
    "url_schemes": ["http", "https", "mailto"],
}
# Fields Pelican itself converts (dates, tags, category, ...).
PELICAN_FIELDS = {"date", "modified", "tags", "category", "author", "authors", "status", "slug"}


class BriefingReader(BaseReader):
    enabled = True
    file_extensions = ["md", "markdown"]

    def __init__(self, settings: dict[str, Any]):
        super().__init__(settings)
        self.options = plugin_settings(settings, "MIRSAD_MARKDOWN", DEFAULTS)
        self.renderer = render.make_renderer()

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        try:
            return self.read_briefing(source_path)
        except BriefingError as error:
            # Pelican reports only "Could not process <file>" (the reason only
            # with --debug), so the reason and the fix are logged here.
            logger.error("mirsad_markdown: %s", error)
            raise

    def read_briefing(self, source_path: str) -> tuple[str, dict[str, Any]]:
        document = frontmatter.split(_read_text(source_path), source_path)
        fields = frontmatter.check_fields(document.fields, source_path)
        content = render.render(document.body, self.renderer, self.options["url_schemes"])
        return content, self._metadata(fields, source_path)

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
        if "summary" in metadata:
            # Pelican treats a summary as HTML; an authored one is plain text.
            metadata["summary"] = str(escape(metadata["summary"]))
            metadata["summary_text"] = fields["summary"]
        return metadata


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
    letters = [ch for ch in text if ch.isalpha()]
    arabic = sum("\u0600" <= ch <= "\u06ff" for ch in letters)
    return "; it looks like Windows-1256 (Arabic)" if letters and arabic / len(letters) > 0.5 else ""
