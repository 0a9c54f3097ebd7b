"""Tags, categories and places that content/taxonomy.yml does not give: one
warning per term, naming the first few briefings that use it and the line
to add, so that nothing about a term (its URL, its name in another
language) is decided behind the editor's back."""

from __future__ import annotations

import logging
from typing import Any

from mirsad.common.report import first_few

from .site import Site

logger = logging.getLogger(__name__)


def warn_missing_terms(site: Site, settings: dict[str, Any]) -> None:
    source = site.config.source.code
    targets = [code for code in site.config.codes if code != source]
    sections = site.registry.taxonomy
    used: dict[tuple[str, str], list[str]] = {}  # (section, name) -> briefing files
    for briefing in site.briefings:
        original = briefing.original
        terms = [("tags", term) for term in original.tag_terms]
        terms += [("categories", original.category_term)] if original.category_term else []
        for section, term in terms:
            if term.key not in sections[section]:
                used.setdefault((section, term.key), []).append(original.source_path)
        for place in original.metadata.get("location") or []:
            if any(site.names.known(str(place), lang) is None for lang in targets):
                used.setdefault(("places", str(place)), []).append(original.source_path)
    for (section, name), paths in sorted(used.items()):
        term = site.registry.terms.get(({"tags": "tag", "categories": "category"}.get(section, ""), name))
        slug = term.slug if term else None
        fields = ([f"slug: {slug}"] if slug else []) + [f"{lang}: ..." for lang in targets]
        unlisted = ("its name is shown as written, or as machine-translated (labelled)"
                    if slug else "its name is shown as written")
        logger.warning("mirsad_i18n: %s %r is not in taxonomy.yml (used by %s): %s. Add under `%s:` the line "
                       "`  %s: {%s}`", _singular(section), name, first_few(paths), unlisted, section, name,
                       ", ".join(fields))


def _singular(section: str) -> str:
    return {"tags": "the tag", "categories": "the category", "places": "the place"}[section]
