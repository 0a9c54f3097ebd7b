"""One build's PDFs: print HTML for every briefing version (and digest), the
cache lookup, rendering what is missing, publishing into the output folder."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urljoin

from mirsad.common import report as build_report
from mirsad.common.files import publish, sha256_file
from mirsad.common.progress import progress_bar
from mirsad.common.siteurl import is_development
from mirsad.i18n.api import preview_path

from . import digest as digests
from . import renderer
from .cache import PdfCache, stylesheet_fingerprint, with_options
from .config import PdfConfig
from .document import PdfLink, digest_metadata, metadata
from .tables import fit_tables
from .worker import Job, Resources, Result, local_path, render_all

logger = logging.getLogger(__name__)
IMAGE_SRC = re.compile(r"""<img\b[^>]*?\bsrc=["']([^"']+)["']""")


class PdfBuildError(RuntimeError):
    """Raised in strict mode when at least one PDF failed."""


@dataclass
class Planned:
    """A PDF of this build: where it is published and where its bytes are cached."""

    label: str
    save_as: str
    cached: str
    html: str
    base_url: str
    attach: Callable[[PdfLink], None]  # gives the article (or home page) its link
    root: str = ""  # the folder it is published in: the output (default) or the preview folder


@dataclass
class Report:
    rendered: int = 0
    reused: int = 0
    failed: list[str] = field(default_factory=list)


class PdfBuild:
    def __init__(self, config: PdfConfig, settings: dict, env, context: dict):
        self.config, self.settings, self.env, self.context = config, settings, env, context
        self.report = Report()
        self.site_url = settings["SITEURL"].rstrip("/")
        # A printed address must be one a reader can open: not a development build's.
        self.print_address = not is_development(self.site_url)
        self.output = settings["OUTPUT_PATH"]
        # Templates are not hashed here: each PDF's key has its rendered HTML,
        # so a template edit re-renders exactly the PDFs whose HTML it changes.
        self.style_fingerprint = stylesheet_fingerprint(config.stylesheet)
        self.cache = PdfCache(config.cache_dir, with_options(
            self.style_fingerprint, {"pdf_variant": config["pdf_variant"], "page_size": config["page_size"]}))
        self.resources = self._resources()

    # --- planning --------------------------------------------------------

    def briefing(self, article: Any, root: str = "") -> Planned:
        save_as = self.config["save_as"].format(lang=article.lang, slug=article.slug)
        label = self.label(article)
        meta = metadata(article, self._site_name(article.lang))
        base_url = f"{self.site_url}/{article.url}"
        html = fit_tables(self._render(self.config["template"], article.lang, article=article, pdf_meta=meta,
                                       web_url=base_url), self.config["table_columns"], label)
        cached = self.cache.path(save_as, html + self._images_digest(html, base_url))
        return Planned(label, save_as, cached, html, base_url, lambda link: setattr(article, "pdf", link),
                       root or self.output)

    def digest(self, digest: digests.Digest, links: dict[str, PdfLink]) -> Planned:
        meta = digest_metadata(digest.articles, self._site_name(digest.lang))
        home = self.context["I18N"].save_as("index", digest.lang)
        html = fit_tables(self._render(self.config["digest_template"], digest.lang, digest=digest,
                                       articles=digest.articles, pdf_meta=meta, web_url=f"{self.site_url}/{home}"),
                          self.config["table_columns"], f"digest ({digest.lang})")
        base_url = f"{self.site_url}/{digest.save_as}"
        cached = self.cache.path(digest.save_as, html + self._images_digest(html, base_url))
        return Planned(f"digest ({digest.lang})", digest.save_as, cached, html, base_url,
                       lambda link: links.__setitem__(digest.lang, link), self.output)

    def _images_digest(self, html: str, base_url: str) -> str:
        """A hash of the local images the PDF shows: a changed picture under
        an unchanged name must re-render it."""
        digest = hashlib.sha256()
        for src in sorted(set(IMAGE_SRC.findall(html))):
            path = local_path(self.resources, urljoin(base_url, unescape(src)))
            if path:
                digest.update(f"{path}\n".encode() + sha256_file(path).encode())
        return digest.hexdigest()

    def label(self, article: Any) -> str:
        """How messages name a briefing version: its file and language."""
        return f"{os.path.relpath(article.source_path, self.settings['PATH'])} ({article.lang})"

    def _render(self, template: str, lang: str, **values: Any) -> str:
        language = self.context["I18N"].language(lang)
        return self.env.get_template(template).render(
            self.context, lang=lang, page_lang=lang, language=language, SITEURL=self.site_url,
            page_size=self.config["page_size"], page_digits=self.config.digits(lang),
            print_address=self.print_address, **values)

    def _site_name(self, lang: str) -> str:
        return self.context["I18N"].site_names.get(lang, self.settings["SITENAME"])

    # --- running ---------------------------------------------------------

    def run(self, planned: list[Planned]) -> Report:
        """Render what the cache lacks, then publish every PDF that exists."""
        started = time.monotonic()
        report = self.report
        missing = {p.cached: p for p in planned if not os.path.isfile(p.cached)}
        jobs = [Job(p.label, p.html, p.base_url, p.cached) for p in missing.values()]
        if jobs:
            self._subsetter_notice()
        with progress_bar("mirsad_pdf: rendering PDFs", len(jobs)) as advance:
            for result in render_all(jobs, self.resources, self.config.workers, advance):
                self._report_result(result, report)
        for item in planned:
            if item.label in report.failed:
                continue
            if item.cached not in missing:
                report.reused += 1
            publish(item.cached, os.path.join(item.root, item.save_as))
            item.attach(PdfLink(item.save_as, os.path.getsize(item.cached)))
        self.cache.prune([item.cached for item in planned if item.label not in report.failed])
        logger.info(
            "mirsad_pdf: %d PDFs: %d rendered, %d reused, %d failed (%.1f s, %d workers)",
            report.rendered + report.reused + len(report.failed), report.rendered,
            report.reused, len(report.failed),
            time.monotonic() - started, min(self.config.workers, max(len(jobs), 1)),
        )
        if report.failed and self.config["strict"]:
            raise PdfBuildError(
                f"mirsad_pdf: {len(report.failed)} PDF(s) failed: {', '.join(report.failed)} "
                "(MIRSAD_PDF['strict'] is on; the errors above say why)"
            )
        return report

    def _subsetter_notice(self) -> None:
        """Once per build, not per font per PDF as WeasyPrint says it (the
        workers drop its warning): the build report shows it too, since a
        build logs no INFO by default and this is no problem to count."""
        notice = renderer.subsetter_notice()
        if notice:
            build_report.add(self.settings, "PDFs", notice.removeprefix("mirsad_pdf: "))

    def _report_result(self, result: Result, report: Report) -> None:
        for warning in result.warnings:
            logger.warning("mirsad_pdf: %s: %s", result.job.label, warning)
        if result.error:
            self.failed(result.job.label, result.error)
        else:
            report.rendered += 1

    def failed(self, label: str, error: str) -> None:
        self.report.failed.append(label)
        logger.error(
            "mirsad_pdf: %s: its PDF could not be made (%s). The other PDFs are built; "
            "fix the briefing (or the print template) and build again", label, error,
        )

    def _resources(self) -> Resources:
        theme_static = os.path.join(self.settings["THEME"], "static")
        return Resources(
            stylesheet=self.config.stylesheet,
            fingerprint=self.style_fingerprint,
            site_url=self.site_url,
            roots=(("", self.settings["PATH"]),
                   (self.settings["THEME_STATIC_DIR"].strip("/") + "/", theme_static)),
            pdf_variant=self.config["pdf_variant"],
        )


def plan(build: PdfBuild, site: Any, digest_links: dict[str, PdfLink]) -> list[Planned]:
    """Every PDF this build makes: briefings in every language (held ones,
    drafts and scheduled, into the preview folder), then digests (whose
    links go into `digest_links`, by language)."""
    config = build.config
    planned = []
    if config["briefings"]:
        preview = preview_path(build.settings)
        roots = [(b, "") for b in [*site.briefings, *site.hidden]] + [(b, preview) for b in site.held]
        for briefing, root in roots:
            for _, article in sorted(briefing.versions.items()):
                try:
                    planned.append(build.briefing(article, root))
                except Exception as error:  # a template error: this PDF only
                    build.failed(build.label(article), f"{type(error).__name__}: {error}")
    if config["digest"]:
        for language in site.config.languages:
            digest = digests.select(site, language.code, config)
            if digest is not None:
                try:
                    planned.append(build.digest(digest, digest_links))
                except Exception as error:  # a template error: this digest only
                    build.failed(f"digest ({language.code})", f"{type(error).__name__}: {error}")
    return planned
