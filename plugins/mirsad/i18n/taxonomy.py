"""Tags and categories: one identity (and URL) per term, a name per language.

A term is identified by its name in the source language, as written in the
briefings' front matter. `content/taxonomy.yml` gives its stable URL slug and
its display name in the other languages; without an entry the slug is
Pelican's (transliterated) one and the source name is shown everywhere.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from mirsad.common.settings import once_per_build
from mirsad.common.yamlfile import load_mapping

logger = logging.getLogger(__name__)

# tags and categories: a display name and a URL slug each; places
# (`location`) and sources: a display name (names.py).
KINDS = ("tags", "categories", "places", "sources")


class TaxonomyError(ValueError):
    """content/taxonomy.yml is malformed; the message says where and how to fix it."""


@dataclass
class Term:
    kind: str  # "tag" or "category"
    key: str  # name in the source language
    slug: str
    source_lang: str
    names: dict[str, str] = field(default_factory=dict)
    machine: frozenset[str] = frozenset()  # languages whose name is a machine translation

    def name(self, lang: str) -> str:
        return self.names.get(lang, self.key)

    def is_machine(self, lang: str) -> bool:
        """Its name in `lang` is machine output, labelled wherever it is shown."""
        return lang in self.machine

    def name_lang(self, lang: str) -> str:
        """Language of the name shown on a `lang` page (for the lang attribute)."""
        return lang if lang in self.names else self.source_lang

    def __hash__(self) -> int:
        return hash((self.kind, self.key))


def site_taxonomy(settings: dict[str, Any]) -> dict[str, dict[str, dict[str, str]]]:
    """The site's taxonomy.yml, read once per build (several plugins use it)."""
    from . import config as i18n_config

    path = os.path.join(settings["PATH"], i18n_config.load(settings).options["taxonomy_file"])
    return once_per_build(settings, "MIRSAD_TAXONOMY", lambda: load_taxonomy(path))


def load_taxonomy(path: str) -> dict[str, dict[str, dict[str, str]]]:
    """Read taxonomy.yml: {"tags": {name: {slug, <lang>: name}}, "categories": ...}."""
    data = load_mapping(path, TaxonomyError)
    if data is None:
        return {kind: {} for kind in KINDS}
    unknown = set(data) - set(KINDS)
    if unknown:
        raise TaxonomyError(
            f"{path}: unknown section(s) {sorted(unknown)}. Use only {', '.join(f'{kind}:' for kind in KINDS)}"
        )
    entries: dict[str, dict[str, dict[str, str]]] = {}
    for kind in KINDS:
        entries[kind] = {}
        for name, value in (data.get(kind) or {}).items():
            if not isinstance(value, dict):
                raise TaxonomyError(
                    f"{path}: {kind} entry {name!r} must be a mapping like "
                    "{slug: libya, en: Libya, fr: Libye}"
                )
            entries[kind][str(name)] = {str(k): str(v) for k, v in value.items()}
    return entries


class TermRegistry:
    """Finds or creates the Term for a Pelican Tag or Category."""

    def __init__(self, taxonomy: dict[str, Any], source_lang: str,
                 machine_names: dict[tuple[str, str], dict[str, str]] | None = None):
        self.taxonomy = taxonomy
        self.source_lang = source_lang
        # (kind, name) -> {lang: name} from machine translation (mirsad.mt);
        # names written in taxonomy.yml win over them.
        self.machine_names = machine_names or {}
        self.terms: dict[tuple[str, str], Term] = {}
        self._slugs: dict[tuple[str, str], str] = {}  # (kind, slug) -> the name that has it

    def term(self, kind: str, wrapper) -> Term:
        key = (kind, wrapper.name)
        if key not in self.terms:
            entry = dict(self.taxonomy["tags" if kind == "tag" else "categories"].get(wrapper.name, {}))
            slug = self._unique_slug(kind, wrapper.name, entry.pop("slug", None) or wrapper.slug)
            machine = frozenset(self.machine_names.get(key, {})) - set(entry)
            entry = {**self.machine_names.get(key, {}), **entry}
            self.terms[key] = Term(kind, wrapper.name, slug, self.source_lang, entry, machine)
        return self.terms[key]

    def _unique_slug(self, kind: str, name: str, slug: str) -> str:
        """Two names with one slug would write the same page: the later one
        gets a numbered slug, and a warning says how to choose one. A name
        of only symbols makes no slug at all (and would write `tags/.html`)."""
        section = "tags" if kind == "tag" else "categories"
        if not slug.strip("-_"):
            slug = kind
            logger.warning("mirsad_i18n: the %s name %r makes no URL slug; its page is named after "
                           "%r. Give it a slug in taxonomy.yml (%s: {%s: {slug: ...}})",
                           kind, name, slug, section, name)
        wanted, number = slug, 1
        while (kind, slug) in self._slugs:
            number += 1
            slug = f"{wanted}-{number}"
        if slug != wanted:
            logger.warning(
                "mirsad_i18n: the %s names %r and %r both make the URL slug %r; %r gets %r. "
                "Give each its own slug in taxonomy.yml (%s: {%s: {slug: ...}})",
                kind, self._slugs[(kind, wanted)], name, wanted, name, slug, section, name)
        self._slugs[(kind, slug)] = name
        return slug
