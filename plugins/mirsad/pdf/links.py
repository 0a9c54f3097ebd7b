"""What the web pages show about a PDF: its size, in the page's language."""

from __future__ import annotations

from babel.units import format_unit

KILOBYTE = 1000  # sizes in SI units, as browsers and file managers show them


def filesize(size: int, lang: str) -> str:
    """Jinja filter: "245 kB", "245 كيلوبايت", "1,2 Mo"."""
    if size < KILOBYTE * KILOBYTE:
        return format_unit(max(1, round(size / KILOBYTE)), "digital-kilobyte", length="short",
                           locale=lang)
    return format_unit(round(size / KILOBYTE / KILOBYTE, 1), "digital-megabyte", length="short",
                       locale=lang)
