"""Images a briefing shows: whether the page and the PDF can show them.

A missing file shows as alt text on the page and is left out of the PDF; a
remote one is never downloaded (the PDF leaves it out, a strict
Content-Security-Policy blocks it). Either way the writer is told where
the file should be, relative to the page.
"""

from __future__ import annotations

import os
import posixpath
from typing import Any
from urllib.parse import unquote, urlsplit


def problem(settings: dict[str, Any], src: str, lang: str) -> str | None:
    """Why the image at `src` will not show (None when it will)."""
    parts = urlsplit(src)
    name = posixpath.basename(unquote(parts.path)) or "image.png"
    static = (settings.get("STATIC_PATHS") or ["images"])[0].strip("/")
    folder = page_folder(settings, lang)
    example = posixpath.relpath(f"{static}/{name}", folder) if folder is not None else f"{static}/{name}"
    fix = f"Put the file in content/{static}/ and link it relative to the page, e.g. {example}"
    if parts.scheme or parts.netloc:
        return (f"remote image '{src}' is not downloaded: the PDF leaves it out, and "
                "readers' browsers would fetch it from another host (a strict "
                f"Content-Security-Policy blocks it). {fix}")
    path = unquote(parts.path)
    if not path:
        return None
    if path.startswith("/"):
        site_path = posixpath.normpath(path.lstrip("/"))
    elif folder is None:
        return None  # ARTICLE_URL has fields we cannot know here: no check
    else:
        site_path = posixpath.normpath(posixpath.join(folder, path))
    content_path = os.path.join(settings["PATH"], *site_path.split("/"))
    static_paths = [p.strip("/") for p in settings.get("STATIC_PATHS") or []]
    shipped = any(site_path == p or site_path.startswith(p + "/") for p in static_paths)
    if site_path.startswith("..") or not (shipped and os.path.isfile(content_path)):
        return (f"image '{src}' not found: the page looks for {site_path}, which no file "
                f"in the site's static folders ({', '.join(static_paths) or 'none'}) provides; "
                f"the page shows its alt text and the PDF leaves it out. {fix}")
    return None

def page_folder(settings: dict[str, Any], lang: str) -> str | None:
    """The folder of a briefing's page, which relative image paths start from."""
    try:
        url = str(settings.get("ARTICLE_URL", "{lang}/briefings/{slug}.html")).format(lang=lang, slug="x")
    except (KeyError, IndexError, ValueError, AttributeError):
        return None
    return posixpath.dirname(url)
