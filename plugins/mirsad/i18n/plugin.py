"""mirsad_i18n: a site per language (ar, en, fr by default) from one build.

Receivers:
- generator_init: UI strings (Babel catalogs) and date filters in templates;
- article_generator_pretaxonomy: sort briefings by publication (published,
  hidden, held: drafts and scheduled), attach reviewed translations to originals;
- all_generators_finalized: take the held briefings from Pelican's drafts;
- get_generators: the generator writing per-language listings, feeds, sitemap
  (the files it writes itself are checked against other plugins' at the
  end of the build: ownership.py).
"""

from __future__ import annotations

import logging

from pelican import signals
from pelican.generators import ArticlesGenerator

from mirsad.plugins import when_enabled

from . import config as i18n_config
from .catalogs import site_catalogs
from .generator import MultilingualGenerator
from .publication import sort_by_publication, take_held
from .reviewed import attach_reviewed
from .slugs import drop_duplicate_slugs

logger = logging.getLogger(__name__)


@when_enabled("mirsad.i18n")
def install_templating(generator) -> None:
    config = i18n_config.load(generator.settings)
    site_catalogs(generator.settings).install(generator.env)
    generator.env.globals.update(I18N=config)


@when_enabled("mirsad.i18n")
def add_reviewed_translations(generator) -> None:
    sort_by_publication(generator)
    drop_duplicate_slugs(generator)
    _warn_empty_bodies(generator)
    attach_reviewed(generator, i18n_config.load(generator.settings))


@when_enabled("mirsad.i18n")
def hold_back(generators) -> None:
    """Held briefings (drafts, scheduled) are the multilingual site's to
    write, into the preview folder: Pelican would write its drafts into the
    output. Before mirsad.pdf, which reads the site."""
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            take_held(generator)


@when_enabled("mirsad.i18n")
def add_generator(pelican) -> type[MultilingualGenerator]:
    return MultilingualGenerator


def _warn_empty_bodies(generator) -> None:
    """A briefing with front matter but no text builds (a title-only page),
    with a warning naming the file."""
    for article in [*generator.articles, *generator.translations]:
        if not (getattr(article, "_content", None) or "").strip():
            logger.warning(
                "mirsad_i18n: %s: the briefing has no text after its front matter, so its page "
                "shows only the title. Write the body below the second '---' line",
                article.source_path)


def register() -> None:
    signals.generator_init.connect(install_templating)
    signals.article_generator_pretaxonomy.connect(add_reviewed_translations)
    signals.get_generators.connect(add_generator)
    signals.all_generators_finalized.connect(hold_back)
