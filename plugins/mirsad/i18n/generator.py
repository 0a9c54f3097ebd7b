"""Writes each language's listing pages, feed, the sitemap and the root
page, and the preview pages of held briefings (drafts, scheduled)."""

from __future__ import annotations

import logging
import os
import shutil

from pelican import signals
from pelican.generators import Generator
from pelican.writers import Writer

from . import config as i18n_config
from .catalogs import MACHINE_LABEL, ui_text
from .feeds import write_feed
from .names import local_names
from .ownership import OwnFiles, own_files
from .publication import preview_path
from .site import Site
from .sitemap import write_sitemap
from .taxonomy import TermRegistry, site_taxonomy
from .unlisted import warn_missing_terms
from .web import news_article, og_locale, robots_txt

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
        self.site = Site(self.context["articles"], config, registry, local_names(self.settings),
                         hidden=self.context.get("hidden_articles", []), held=self.context.get("drafts", []))
        warn_missing_terms(self.site, self.settings)
        self.context["mirsad_site"] = self.site
        # Emptied before mirsad.pdf puts the held briefings' PDFs there: a
        # briefing published since is no longer previewed.
        shutil.rmtree(preview_path(self.settings), ignore_errors=True)
        self.context["I18N"] = config
        self.context.update(news_article=news_article, og_locale=og_locale)

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
        own = own_files(self.settings, self.output_path)
        if config.options["feed_save_as"]:
            for language in config.languages:
                with own.writing(config.save_as("feed", language.code), "MIRSAD_I18N['feed_save_as']"):
                    write_feed(site, language.code, self.output_path, siteurl,
                               ui_text(self.settings, language.code, MACHINE_LABEL))
        sitemap = config.options["sitemap_save_as"]
        if sitemap:
            with own.writing(sitemap, "MIRSAD_I18N['sitemap_save_as']"):
                write_sitemap(site, self.output_path, siteurl)
        if not relative:  # a publication build: on the web
            self._write_web_files(writer, own, sitemap)
        root = config.options["root_save_as"]
        if root:
            home = next(listing for listing in site.listings
                        if listing.kind == "index" and listing.language == config.source)
            writer.write_file(
                root, self.get_template("root"), self.context, relative,
                page_lang=home.language.code, language=home.language, listing=home,
                alternates=home.alternates,
            )
        self._write_previews()

    def _write_web_files(self, writer, own: OwnFiles, sitemap: str) -> None:
        """robots.txt, and the 404 page of each language and of the root
        (hosts such as GitHub Pages and S3 serve /404.html)."""
        config = self.site.config
        robots = config.options["robots_save_as"]
        if robots:
            with own.writing(robots, "MIRSAD_I18N['robots_save_as']"), \
                    open(os.path.join(self.output_path, robots), "w", encoding="utf-8") as handle:
                handle.write(robots_txt(self.settings["SITEURL"], sitemap))
        homes = [listing for listing in self.site.listings if listing.kind == "index"]
        for home in homes:
            writer.write_file(
                f"{home.language.code}/404.html", self.get_template("404"), self.context, False,
                page_lang=home.language.code, language=home.language, listing=home, alternates=home.alternates,
            )
        source_home = next(home for home in homes if home.language == config.source)
        writer.write_file(
            "404.html", self.get_template("404"), self.context, False, page_lang=config.source.code,
            language=config.source, listing=source_home, alternates=source_home.alternates,
        )

    def _write_previews(self) -> None:
        """The pages of held briefings (drafts, scheduled), every language,
        into the preview folder, at the addresses they will have."""
        folder = preview_path(self.settings)
        if not self.site.held:
            return
        writer = Writer(folder, settings=self.settings)
        with signals.content_written.muted():  # not pages of the site
            for briefing in self.site.held:
                for article in briefing.versions.values():
                    writer.write_file(
                        article.save_as, self.get_template(article.template), self.context,
                        self.settings["RELATIVE_URLS"], article=article, category=getattr(article, "category", None),
                        url=article.url, blog=True,
                    )
        logger.info("mirsad_i18n: %d held briefing(s) previewed in %s", len(self.site.held), folder)
