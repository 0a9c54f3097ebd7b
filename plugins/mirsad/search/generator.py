"""Writes each language's search index (a script) and search page."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from pelican.generators import Generator

from mirsad.common import report, stages
from mirsad.common.files import publish
from mirsad.common.settings import jobs
from mirsad.common.workers import Background
from mirsad.i18n.api import MACHINE_LABEL, Alternate, Listing, ui_text

from . import config as search_config
from .analysis import stemmer
from .cache import IndexCache, index_key
from .documents import document, source
from .index import payload, write_script

logger = logging.getLogger(__name__)

# Vendored browser files (themes/mirsad/static/js/vendor/), in loading order.
LUNR = "lunr.min.js"


@dataclass(frozen=True)
class LanguageIndex:
    lang: str
    cached: str  # the index script, in the cache
    documents: int
    reused: bool
    seconds: float


def _index_cache(settings: dict[str, Any]) -> IndexCache:
    return IndexCache(os.path.join(settings["CACHE_PATH"], "search"))


def build_indexes(site: Any, settings: dict[str, Any]) -> list[LanguageIndex]:
    """Each language's index script, built into the cache unless stored already."""
    config = search_config.load(settings)
    cache = _index_cache(settings)
    os.makedirs(cache.directory, exist_ok=True)
    built = []
    for language in site.config.languages:
        started = time.monotonic()
        lang = language.code
        articles = sorted(site.articles_in(lang), key=lambda a: (-a.date.timestamp(), a.url))
        page = config["page_save_as"].format(lang=lang)
        label = ui_text(settings, lang, MACHINE_LABEL)
        sources = [source(article, lang, page, config, label) for article in articles]
        cached = cache.path(lang, index_key(lang, [
            config["boosts"], config["max_results"], config["body_words"], [found.key() for found in sources]]))
        reused = os.path.isfile(cached)
        if not reused:
            documents = [document(found, config["body_words"]) for found in sources]
            write_script(cached, payload(documents, lang, config["boosts"], config["max_results"]))
        built.append(LanguageIndex(lang, cached, len(sources), reused, time.monotonic() - started))
    return built


class SearchGenerator(Generator):
    indexing: Background | None = None

    def generate_context(self) -> None:
        pass  # the multilingual site is complete only once every generator has run

    def start_indexing(self) -> None:
        """Build the indexes in another process while the pages are written
        (they need the finished site, and nothing needs them)."""
        site = self.context.get("mirsad_site")
        if site is not None:
            self.indexing = Background(partial(build_indexes, site, self.settings), jobs(self.settings))

    def generate_output(self, writer) -> None:
        site = self.context.get("mirsad_site")
        if site is None:
            logger.error("mirsad_search: no multilingual site in the build context; list "
                         "'mirsad.i18n' before 'mirsad.search' in PLUGINS (pelicanconf.py)")
            return
        if self.indexing is not None and hasattr(writer, "write_pending"):
            writer.write_pending()  # the pages asked for so far, while the indexes are built
        with stages.stage(self.settings, "search"):
            indexes = self.indexing.result() if self.indexing else build_indexes(site, self.settings)
            self._publish(writer, site, indexes)

    def _publish(self, writer, site: Any, indexes: list[LanguageIndex]) -> None:
        config = search_config.load(self.settings)
        cache = _index_cache(self.settings)
        pages = {lang: config["page_save_as"].format(lang=lang) for lang in site.config.codes}
        for language, index in zip(site.config.languages, indexes):
            index_as = config["index_save_as"].format(lang=index.lang)
            stages.count(self.settings, "search_indexes_reused" if index.reused else "search_indexes_built", 1)
            publish(index.cached, os.path.join(self.output_path, index_as))
            cache.prune(index.lang, index.cached)
            self._write_page(writer, site, language, pages, index_as)
            report.add(self.settings, "Search", f"{index.lang}: {index.documents} briefings, index "
                       f"{os.path.getsize(index.cached) / 1000:.0f} kB ({'unchanged, ' if index.reused else ''}"
                       f"{index.seconds:.1f} s)")

    def _write_page(self, writer, site: Any, language: Any, pages: dict[str, str], index_as: str) -> None:
        lang = language.code
        alternates = [
            Alternate(other, pages[other.code], site.config.site_names[other.code], True,
                      other.code == lang)
            for other in site.config.languages
        ]
        listing = Listing("search", language, pages[lang], [], alternates=alternates,
                          x_default=pages[site.config.source.code])
        chosen = stemmer(lang)
        scripts = [LUNR, *(chosen.scripts if chosen else ())]
        writer.write_file(
            pages[lang], self.get_template("search"), self.context, self.settings["RELATIVE_URLS"],
            template_name="search", url=pages[lang], page_lang=lang, language=language,
            listing=listing, alternates=alternates, search_vendor_scripts=scripts,
            search_index=index_as,
        )
