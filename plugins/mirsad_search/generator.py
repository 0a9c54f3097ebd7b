"""Writes each language's search index (a script) and search page."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from pelican.generators import Generator

from mirsad_common import report, stages
from mirsad_common.files import publish
from mirsad_i18n.site import Alternate, Listing

from . import config as search_config
from .analysis import browser_data, stemmer
from .cache import IndexCache, index_key
from .documents import document
from .index import payload, write_script

logger = logging.getLogger(__name__)

# Vendored browser files (themes/mirsad/static/js/vendor/), in loading order.
LUNR = "lunr.min.js"


class SearchGenerator(Generator):
    def generate_context(self) -> None:
        pass  # the multilingual site is complete only once every generator has run

    def generate_output(self, writer) -> None:
        site = self.context.get("mirsad_site")
        if site is None:
            logger.error("mirsad_search: no multilingual site in the build context; list "
                         "'mirsad_i18n' before 'mirsad_search' in PLUGINS (pelicanconf.py)")
            return
        with stages.stage(self.settings, "search"):
            self._write_indexes(writer, site)

    def _write_indexes(self, writer, site: Any) -> None:
        config = search_config.load(self.settings)
        cache = IndexCache(os.path.join(self.settings["CACHE_PATH"], "search"))
        os.makedirs(cache.directory, exist_ok=True)
        pages = {lang: config["page_save_as"].format(lang=lang) for lang in site.config.codes}
        for language in site.config.languages:
            started = time.monotonic()
            lang = language.code
            articles = sorted(site.articles_in(lang), key=lambda a: (-a.date.timestamp(), a.url))
            documents = [document(article, lang, pages[lang], config) for article in articles]
            index_as = config["index_save_as"].format(lang=lang)
            cached = cache.path(lang, index_key(lang, [
                config["boosts"], config["max_results"], browser_data(lang),
                [(doc.fields, doc.result) for doc in documents]]))
            reused = os.path.isfile(cached)
            if not reused:
                partial = f"{cached}.{os.getpid()}.part"
                write_script(partial, payload(documents, lang, config["boosts"], config["max_results"]))
                os.replace(partial, cached)  # whole or absent, whatever kills the build
            stages.count(self.settings, "search_indexes_reused" if reused else "search_indexes_built", 1)
            publish(cached, os.path.join(self.output_path, index_as))
            cache.prune(lang, cached)
            self._write_page(writer, site, language, pages, index_as)
            report.add(self.settings, "Search", f"{lang}: {len(documents)} briefings, index "
                       f"{os.path.getsize(cached) / 1000:.0f} kB ({'unchanged, ' if reused else ''}"
                       f"{time.monotonic() - started:.1f} s)")

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
