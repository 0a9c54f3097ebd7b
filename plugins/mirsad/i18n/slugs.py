"""Two briefings with one slug would write the same pages: Pelican then
stops the whole build. The later file is left out instead, named, with the
fix, and every other briefing is built."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def drop_duplicate_slugs(generator) -> None:
    kept: dict[tuple[str, str], str] = {}
    duplicates = []
    for article in sorted(generator.articles, key=lambda a: a.source_path):
        key = (article.slug, article.lang)
        if key in kept:
            duplicates.append(article)
            logger.error(
                "mirsad_i18n: %s: the slug '%s' is already used by %s; this briefing is left "
                "out. Give it its own `slug:` in the front matter",
                article.source_path, article.slug, kept[key],
            )
        else:
            kept[key] = article.source_path
    for article in duplicates:
        generator.articles.remove(article)  # the context's list is this same list
    if duplicates:
        # Pelican filed same-slug briefings as translations of each other.
        for article in generator.articles:
            article.translations = [t for t in article.translations if t not in duplicates]
