"""mirsad_search: a search page per language that works from file:// and
when hosted, with an index built at build time (lunr.js format).

Receivers:
- generator_init: `search_page(lang)` in templates, for the header's
  search form (no form when the plugin is off);
- get_generators: the generator that writes each language's index and page
  (after mirsad.i18n's, whose site it reads);
- all_generators_finalized: the site is complete: its indexes are built in
  another process while the pages are written.
"""

from __future__ import annotations

from pelican import signals

from mirsad.plugins import when_enabled

from . import config as search_config
from .generator import SearchGenerator


@when_enabled("mirsad.search")
def install_templating(generator) -> None:
    pattern = search_config.load(generator.settings)["page_save_as"]
    generator.env.globals.update(search_page=lambda lang: pattern.format(lang=lang))


@when_enabled("mirsad.search")
def start_indexing(generators: list) -> None:
    for generator in generators:
        if isinstance(generator, SearchGenerator):
            generator.start_indexing()


@when_enabled("mirsad.search")
def add_generator(pelican) -> type[SearchGenerator]:
    return SearchGenerator


def register() -> None:
    signals.generator_init.connect(install_templating)
    signals.get_generators.connect(add_generator)
    signals.all_generators_finalized.connect(start_indexing)
