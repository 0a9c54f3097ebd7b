"""mirsad_pdf: a PDF of every briefing in every language, and a digest per language.

Receivers:
- generator_init: Jinja filters/globals for the print and link templates;
- all_generators_finalized: once every briefing version is known (mirsad.i18n)
  and before any page is written, render the PDFs that are not cached, put
  them in the output folder and give every article its `pdf` link (URL and
  size), so that pages and listings can link them.
"""

from __future__ import annotations

import logging

from pelican import signals
from pelican.generators import ArticlesGenerator

from mirsad.common import stages
from mirsad.plugins import when_enabled

from . import config as pdf_config
from . import renderer
from .build import PdfBuild, plan
from .document import isolate, page_rule
from .links import filesize

logger = logging.getLogger(__name__)


@when_enabled("mirsad.pdf")
def install_templating(generator) -> None:
    generator.env.filters.update(isolate=isolate, filesize=filesize)
    generator.env.globals.update(pdf_page_rule=page_rule)


@when_enabled("mirsad.pdf")
def build_pdfs(generators) -> None:
    articles = next((g for g in generators if isinstance(g, ArticlesGenerator)), None)
    if articles is None:
        return
    settings, context = articles.settings, articles.context
    config = pdf_config.load(settings)
    digest_links: dict = {}
    context["mirsad_pdf_digests"] = digest_links
    if not (config["briefings"] or config["digest"]):
        return
    site = context.get("mirsad_site")
    if site is None:
        logger.error("mirsad_pdf: no multilingual site in the build context; list "
                     "'mirsad.i18n' in PLUGINS (pelicanconf.py) together with 'mirsad.pdf'")
        return
    if not renderer_available():
        return
    with stages.stage(settings, "pdf"):
        build = PdfBuild(config, settings, articles.env, context)
        done = build.run(plan(build, site, digest_links))
    stages.count(settings, "pdfs_rendered", done.rendered)
    stages.count(settings, "pdfs_reused", done.reused)


def renderer_available() -> bool:
    """WeasyPrint and the system libraries it loads (Pango) are there; else one
    clear error with the fix, and the site is built without PDFs."""
    try:
        renderer.load_weasyprint()
    except (ImportError, OSError) as error:
        logger.error(
            "mirsad_pdf: no PDFs: WeasyPrint cannot be loaded (%s). Install it in .venv "
            "(pip install weasyprint==70.0) and Debian's libraries (sudo apt-get install "
            "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0), or set "
            "MIRSAD_PDF['briefings'] and ['digest'] to False",
            error,
        )
        return False
    return True


def register() -> None:
    signals.generator_init.connect(install_templating)
    signals.all_generators_finalized.connect(build_pdfs)
