"""Places (`location`) and sources (`source`) in each language.

A name is looked up in content/taxonomy.yml (`places:`, `sources:`, then
`tags:`, where a place is often a tag too), then in the glossary
(content/glossary.yml, `keep: true` meaning the same text everywhere);
otherwise it is shown as written, in the original's language. A reviewed
translation that gives its own `location:` or `source:` shows them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mirsad.common.settings import once_per_build
from mirsad.common.yamlfile import load_mapping

from .taxonomy import TaxonomyError, site_taxonomy

# Where MIRSAD_MT keeps the glossary by default (relative to the content folder).
DEFAULT_GLOSSARY = "glossary.yml"


@dataclass(frozen=True)
class Name:
    text: str
    lang: str  # the language the text is in


class LocalNames:
    def __init__(self, taxonomy: dict[str, dict[str, dict[str, str]]], glossary: dict[str, Any]):
        self.sections = [taxonomy.get("places", {}), taxonomy.get("sources", {}), taxonomy.get("tags", {})]
        self.glossary = glossary

    def known(self, name: str, lang: str) -> str | None:
        """`name` in `lang`, if taxonomy.yml or the glossary gives it."""
        for section in self.sections:
            if lang in section.get(name, {}):
                return section[name][lang]
        entry = self.glossary.get(name)
        if isinstance(entry, dict):
            return name if entry.get("keep") else entry.get(lang)
        return None

    def get(self, name: str, lang: str, source_lang: str) -> Name:
        if lang == source_lang:
            return Name(name, lang)
        known = self.known(name, lang)
        return Name(known, lang) if known else Name(name, source_lang)


def local_names(settings: dict[str, Any]) -> LocalNames:
    """The site's names, read once per build."""
    def make() -> LocalNames:
        relative = (settings.get("MIRSAD_MT") or {}).get("glossary") or DEFAULT_GLOSSARY
        path = os.path.join(settings["PATH"], relative)
        return LocalNames(site_taxonomy(settings), load_mapping(path, TaxonomyError) or {})

    return once_per_build(settings, "MIRSAD_LOCAL_NAMES", make)


def version_names(article: Any, original: Any, names: LocalNames) -> tuple[list[Name], Name | None]:
    """The places and the source of one version of a briefing, in its language."""
    lang, source_lang = article.lang, original.lang

    def own(field: str) -> bool:
        """A reviewed translation gave its own (a translation inherits the original's otherwise)."""
        return article is not original and article.metadata.get(field) != original.metadata.get(field)

    places = article.metadata.get("location") or []
    if own("location"):
        shown = [Name(str(place), lang) for place in places]
    else:
        shown = [names.get(str(place), lang, source_lang) for place in places]
    source = article.metadata.get("source")
    if not source:
        return shown, None
    return shown, Name(str(source), lang) if own("source") else names.get(str(source), lang, source_lang)
