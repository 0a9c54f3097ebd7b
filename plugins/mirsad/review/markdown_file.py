"""Reviewed translations written as Markdown files
(content/translations/<slug>.<lang>.md), the editor's own format: YAML
front matter, then the body as Markdown with its links, emphasis, lists,
tables and hashtags.

The body comes from HTML (the machine translation, or an XLIFF file put
back together): markdownify turns it back into Markdown, which the site's
reader renders to the same HTML (tests/test_review.py checks it).

Its text is text: whatever in it Markdown or HTML would read as markup
(links, images, emphasis, HTML, entities, headings, lists, quotes, tables'
pipes, code fences) is escaped, so that a machine translation or a
translator's words can never add a link, an image or a heading to a
reviewed page. Only the elements of the HTML given (the original's own
structure) become Markdown markup.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from typing import Any

import yaml
from markdownify import MarkdownConverter

from mirsad.common.files import current_umask

SIGN_HINT = ("# A draft: the page stays the machine translation until it is signed. To sign it, add\n"
             "# `translator: <name>` and `reviewed: <YYYY-MM-DD>`, and remove `status: draft`.\n")


class TranslationFileExists(FileExistsError):
    """The reviewed translation already exists: it is an editor's work, never overwritten."""


# An underscore between two letters or digits can neither open nor close
# emphasis (CommonMark's flanking rules): hashtags such as
# #Al_Bunyan_al_Marsous stay as written; any other is escaped.
_LOOSE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")


class _TextConverter(MarkdownConverter):
    """markdownify, with every character of the text that could start
    Markdown or HTML markup escaped (its escape_misc, asterisks and loose
    underscores), the text's line breaks made spaces (HTML shows them so; a
    line break in Markdown can start a heading or a list), and image alt
    texts and titles escaped as well (markdownify writes them as they are)."""

    def __init__(self):
        super().__init__(heading_style="ATX", bullets="-", escape_misc=True, escape_asterisks=True,
                         escape_underscores=False)

    def escape(self, text: str, parent_tags) -> str:
        text = super().escape(re.sub(r"[\r\n]+", " ", text or ""), parent_tags)
        return _LOOSE_UNDERSCORE.sub(r"\_", text)

    def convert_img(self, el, text, parent_tags) -> str:
        if el.attrs.get("alt"):
            el.attrs["alt"] = self.escape(el.attrs["alt"], parent_tags)
        if el.attrs.get("title"):  # markdownify escapes its quotes
            el.attrs["title"] = el.attrs["title"].replace("\\", "\\\\")
        return super().convert_img(el, text, parent_tags)


def html_to_markdown(fragment: str) -> str:
    """Markdown for a body's HTML; its text escaped (see _TextConverter)."""
    return _TextConverter().convert(fragment).strip() + "\n"


def file_text(fields: Mapping[str, Any], body_html: str, draft: bool) -> str:
    """A reviewed translation's file: front matter (in the order given), then the body."""
    front = yaml.safe_dump(dict(fields), allow_unicode=True, sort_keys=False, width=1000)
    return "---\n" + (SIGN_HINT if draft else "") + front + "---\n\n" + html_to_markdown(body_html)


def write_new(path: str | os.PathLike, text: str) -> None:
    """Write `path` whole, only if it does not exist: written beside it under
    a temporary name, then hard-linked to `path`, which fails if the path
    exists, even if another process made it in the meantime."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}-", suffix=".part")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(partial, 0o666 & ~current_umask())
        try:
            os.link(partial, path)
        except FileExistsError:
            raise TranslationFileExists(f"{path} already exists: it is kept as it is. Move it away first "
                                        "if you want a new draft") from None
    finally:
        os.unlink(partial)
