"""Writes each language's listing pages, feed, the sitemap and the root page."""

from __future__ import annotations

import logging

from pelican.generators import Generator

from . import config as i18n_config
from .catalogs import MACHINE_LABEL, ui_text
from .feeds import write_feed
from .names import local_names
from .site import Site
from .unlisted import warn_missing_terms
from .sitemap import write_sitemap
from .taxonomy import TermRegistry, site_taxonomy

# Context key where a translation plugin leaves tag/category names it
# translated: {(kind, source name): {lang: name}}.
MACHINE_TERM_NAMES = "mirsad_term_names"

logger = logging.getLogger(__name__)

TEMPLATES = {
    "index": "index", "archives": "archives", "tags": "terms",
    "tag": "term", "categories": "terms", "category": "term",
}


class MultilingualGenerator(Generator):
    def generate_context(self) -> None:
        config = i18n_config.load(self.settings)
        registry = TermRegistry(site_taxonomy(self.settings), config.source.code,
                                self.context.get(MACHINE_TERM_NAMES))
        self.site = Site(self.context["articles"], config, registry, local_names(self.settings))
        warn_missing_terms(self.site, self.settings)
        self.context["mirsad_site"] = self.site
        self.context["I18N"] = config

    def generate_output(self, writer) -> None:
        site, config = self.site, self.site.config
        relative = self.settings["RELATIVE_URLS"]
        for listing in site.listings:
            name = TEMPLATES[listing.kind]
            writer.write_file(
                listing.save_as, self.get_template(name), self.context, relative,
                paginated={"articles": listing.articles}, template_name=name,
                url=listing.save_as, page_lang=listing.language.code,
                language=listing.language, listing=listing, alternates=listing.alternates,
                articles=listing.articles, term=listing.term,
            )
        siteurl = self.settings["SITEURL"]
        for language in config.languages:
            write_feed(site, language.code, self.output_path, siteurl,
                       ui_text(self.settings, language.code, MACHINE_LABEL))
        write_sitemap(site, self.output_path, siteurl)
        root = config.options["root_save_as"]
        if root:
            home = next(listing for listing in site.listings
                        if listing.kind == "index" and listing.language == config.source)
            writer.write_file(
                root, self.get_template("root"), self.context, relative,
                page_lang=home.language.code, language=home.language, listing=home,
                alternates=home.alternates,
            )
