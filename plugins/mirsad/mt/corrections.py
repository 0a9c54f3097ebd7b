"""Corrections of a briefing (front matter `corrections:`), machine-translated
into every version that shows translated text and does not give its own:
the machine translations, and the reviewed translations that have no
`corrections:` of their own. Each translated one says it is machine text."""

from __future__ import annotations

import html

from pelican.contents import Article

from .articles import translate_segments
from .glossary import Glossary
from .memory import TranslationMemory
from .routing import Route, Stats
from .segments import plain_segment


def translate_corrections(versions: list[Article], route: Route, glossary: Glossary,
                          memory: TranslationMemory, stats: Stats, source: str) -> None:
    """Replace the original's corrections (inherited, in its language) on
    each of `versions` by their machine translation, in one batch."""
    wanted = [(version, n, plain_segment(correction["text"], glossary))
              for version in versions if _inherited(version)
              for n, correction in enumerate(version.corrections)]
    if not wanted:
        return
    translations = translate_segments([segment for _, _, segment in wanted], route, glossary, memory, stats, source)
    for version, n, segment in wanted:
        translated = {"date": version.corrections[n]["date"], "text": html.unescape(translations[id(segment)].text),
                      "machine": route.engine.label}
        version.corrections = [*version.corrections[:n], translated, *version.corrections[n + 1:]]
        version.metadata["corrections"] = version.corrections


def _inherited(version: Article) -> bool:
    """Its corrections are the original's, still in the original's language."""
    return any(correction.get("lang") for correction in getattr(version, "corrections", None) or [])
