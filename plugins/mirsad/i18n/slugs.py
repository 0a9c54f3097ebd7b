"""Two briefings with one slug would write the same pages: Pelican then
stops the whole build. The later file is left out instead, named, with the
fix, and every other briefing is built."""

from __future__ import annotations

import logging

from .publication import DRAFT, HIDDEN, SCHEDULED, every_original

RANK = {HIDDEN: 1, DRAFT: 2, SCHEDULED: 2}  # published: 0

logger = logging.getLogger(__name__)


def drop_duplicate_slugs(generator) -> None:
    """Published, hidden and held briefings alike (a draft's pages take the
    address it will be published at); a published briefing keeps its slug
    against a hidden or held one, so a new draft never takes it down."""
    kept: dict[tuple[str, str], str] = {}
    duplicates = []
    for article in sorted(every_original(generator), key=lambda a: (RANK.get(a.publication, 0), a.source_path)):
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
    if not duplicates:
        return
    for name in ("articles", "hidden_articles", "drafts"):
        # In place: the context's "articles" is this same list.
        getattr(generator, name)[:] = [a for a in getattr(generator, name) if a not in duplicates]
    # Pelican filed same-slug briefings as translations of each other (either
    # way round): neither a dropped briefing nor a kept original stays a
    # translation, and Pelican's lists of translations are made again.
    originals = every_original(generator)
    not_translations = {id(a) for a in [*duplicates, *originals]}
    for article in originals:
        article.translations = [t for t in article.translations if id(t) not in not_translations]
    for name, translations in (("articles", "translations"), ("hidden_articles", "hidden_translations"),
                               ("drafts", "drafts_translations")):
        getattr(generator, translations)[:] = [t for a in getattr(generator, name) for t in a.translations]
