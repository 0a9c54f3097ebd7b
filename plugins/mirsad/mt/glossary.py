"""The glossary: names, places, organisations and acronyms rendered exactly
as the newsroom decided, in every target language, every time.

content/glossary.yml maps a source-language term to its renderings:

    داعش: {en: ISIS, fr: Daech}
    الأفريكوم: {en: AFRICOM, fr: AFRICOM}
    UNSMIL: {keep: true}          # do not translate: same in every language
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass

from mirsad.common.yamlfile import load_mapping
from mirsad.text.bidi import neutralise

logger = logging.getLogger(__name__)

# Arabic attaches conjunctions, prepositions and the article to the next
# word: "والأفريكوم", "لداعش", "بسرت" all contain a glossary term.
_ARABIC_PREFIXES = "(?:[وف]?(?:[بلك]|ال|بال|لل|كال)?)"


class GlossaryError(ValueError):
    """content/glossary.yml is malformed; the message says where and how to fix it."""


@dataclass(frozen=True)
class Match:
    start: int  # span in the text, prefix letters included
    end: int
    term_start: int  # where the term itself starts (after prefixes)
    term: str


class Glossary:
    def __init__(self, entries: dict[str, dict[str, str]], source_lang: str):
        self.entries = entries
        self.source_lang = source_lang
        # Longest terms first, so "البنيان المرصوص" wins over "البنيان".
        terms = sorted(entries, key=len, reverse=True)
        prefix = _ARABIC_PREFIXES if source_lang == "ar" else ""
        self._pattern = re.compile(
            r"(?<!\w)" + prefix + "(" + "|".join(map(re.escape, terms)) + r")(?!\w)"
        ) if terms else None

    @classmethod
    def load(cls, path: str, source_lang: str, targets: list[str]) -> Glossary:
        data = load_mapping(path, GlossaryError)
        if data is None:
            return cls({}, source_lang)
        entries = {}
        for term, value in data.items():
            entries[str(term)] = _entry(str(term), value, targets, path)
        return cls(entries, source_lang)

    def find(self, text: str) -> list[Match]:
        if self._pattern is None:
            return []
        return [Match(m.start(), m.end(), m.start(1), m.group(1)) for m in self._pattern.finditer(text)]

    def rendering(self, term: str, lang: str) -> str | None:
        return self.entries.get(term, {}).get(lang)

    def key(self, text: str, lang: str) -> str:
        """What of the glossary a segment depends on: a change to other
        entries does not invalidate its translation."""
        used = sorted({(m.term, self.rendering(m.term, lang) or "") for m in self.find(text)})
        return hashlib.sha256(json.dumps(used, ensure_ascii=False).encode()).hexdigest()[:16] if used else ""


def _entry(term: str, value, targets: list[str], path: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise GlossaryError(
            f"{path}: entry {term!r} must be a mapping like {{en: ..., fr: ...}} or {{keep: true}}"
        )
    if value.get("keep"):
        return {lang: term for lang in targets}
    unknown = set(value) - set(targets) - {"keep", "note"}
    if unknown:
        raise GlossaryError(
            f"{path}: entry {term!r} has renderings for {sorted(unknown)}, which are not "
            f"target languages ({', '.join(targets)})"
        )
    return {lang: _rendering(path, term, lang, str(text)) for lang, text in value.items() if lang in targets}


def _rendering(path: str, term: str, lang: str, text: str) -> str:
    """A rendering goes into every translated page: no override in it (mirsad.text.bidi)."""
    cleaned, changes = neutralise(text)
    if changes:
        logger.warning("mirsad_mt: %s: entry %r (%s): direction controls neutralised (%s)",
                       path, term, lang, "; ".join(changes))
    return cleaned
