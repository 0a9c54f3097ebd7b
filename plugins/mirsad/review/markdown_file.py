"""Reviewed translations written as Markdown files
(content/translations/<slug>.<lang>.md), the editor's own format: YAML
front matter, then the body as Markdown with its links, emphasis, lists,
tables and hashtags.

The body comes from HTML (the machine translation, or an XLIFF file put
back together): markdownify turns it back into Markdown, which the site's
reader renders to the same HTML (tests/test_review.py checks it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

import yaml
from markdownify import markdownify

from mirsad.common.files import current_umask

SIGN_HINT = ("# A draft: the page stays the machine translation until it is signed. To sign it, add\n"
             "# `translator: <name>` and `reviewed: <YYYY-MM-DD>`, and remove `status: draft`.\n")


class TranslationFileExists(FileExistsError):
    """The reviewed translation already exists: it is an editor's work, never overwritten."""


def html_to_markdown(fragment: str) -> str:
    """Markdown for a body's HTML. Hashtags and underscores stay as they are
    (`#Al_Bunyan_al_Marsous`); asterisks in text are escaped, since they
    would otherwise become emphasis."""
    text = markdownify(fragment, heading_style="ATX", bullets="-", escape_misc=False,
                       escape_asterisks=True, escape_underscores=False)
    return text.strip() + "\n"


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
