"""Mirsad development settings: `invoke build` / `make build` read this file.

Everything a newsroom is expected to change is documented in
docs/settings.md. `publishconf.py` reads this file and overrides what
differs for publication.
"""

import os

SITENAME = "مرصد"
SITEURL = os.environ.get("MIRSAD_SITEURL", "http://localhost:8000")
# Relative links make the output work from any folder, any host and file://.
RELATIVE_URLS = True
TIMEZONE = "Africa/Tripoli"

PATH = "content"
ARTICLE_PATHS = ["briefings"]
PAGE_PATHS = []
STATIC_PATHS = ["images"]

# Every Mirsad plugin, in the order they must run (plugins/mirsad/plugins.py). A
# site may list some instead, e.g. ["mirsad.markdown", "mirsad.i18n"], in that order.
# Local plugins are found in plugins/, as Pelican's documentation has it:
# a plain `pelican content` works without installing the package.
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["mirsad"]
MIRSAD_PROJECT_ROOT = os.path.dirname(os.path.abspath(__file__))
# `invoke build --strict` and publishconf.py: errors (and missing models) fail the build.
STRICT = os.environ.get("MIRSAD_STRICT") == "1"
# Cores a build may use: processes for key points, search indexes, pages and
# PDFs, and translation threads.
# None: every core. `invoke build --jobs N` sets it for one build.
MIRSAD_JOBS = os.environ.get("MIRSAD_JOBS") or None
THEME = "themes/mirsad"

# The source language of the briefings: every briefing is written in it
# unless its front matter says `lang:`.
DEFAULT_LANG = "ar"

MIRSAD_I18N = {
    # Site languages; the source language (DEFAULT_LANG) must be one of them.
    "languages": ["ar", "en", "fr"],
    # Sites with other pairs only change the list above, e.g. ["ar", "en"].
    "site_names": {"ar": "مرصد", "en": "Mirsad", "fr": "Mirsad"},
}

MIRSAD_MARKDOWN = {}

MIRSAD_MT = {
    # Installed Argos packages (`invoke models`); $MIRSAD_MODELS_DIR overrides.
    "models_dir": "~/.local/share/mirsad/models",
    # A missing model: the build completes, pages say "not available yet"
    # (False), or the build fails (True).
    "strict": STRICT,
}

# PDFs (plugins/mirsad/pdf/config.py has every key and its default): one per
# briefing per language at {lang}/briefings/{slug}.pdf, and a digest per
# language at {lang}/digest.pdf. Rendered PDFs are cached in cache/pdf/, so an
# unchanged PDF is never rendered twice.
MIRSAD_PDF = {
    # Render them in every build (False: only `invoke pdf` renders them).
    "briefings": True,
    # The digest of the latest briefings, with the site (also `invoke digest`).
    "digest": True,
    "digest_latest": 10,
    # CSS page size, e.g. "A4", "letter".
    "page_size": "A4",
    # "pdf/ua-1": tagged, accessible PDFs (6-28% more rendering time, see
    # bench/bench_pdf.py); None: plain.
    "pdf_variant": "pdf/ua-1",
    # A PDF that fails fails the build (after the others are rendered).
    "strict": STRICT,
}

# Search (plugins/mirsad/search/config.py has every key and its default): a
# page per language at {lang}/search.html whose index, built at build time,
# is a script beside it ({lang}/search-index.js), so search also works from
# file:// in the offline bundle (`invoke bundle`).
MIRSAD_SEARCH = {
    # A word in the title counts 10 times one in the body; "terms" are the
    # tags, the category and the source.
    "boosts": {"title": 10, "terms": 5, "body": 1},
    # Index only the first N words of each body (None: all); a cap keeps the
    # index of a very large site small (`python bench/bench_bundle.py`).
    "body_words": None,
}

# The offline bundle (`invoke bundle`, plugins/mirsad/bundle/bundle.py):
# dist/<name>-<date of the newest briefing>.zip.
MIRSAD_BUNDLE = {
    "name": "mirsad",
    # Left out of the bundle: the sitemap is for search engines only.
    "exclude": ["sitemap.xml"],
}

# Deploying (`invoke deploy`, `invoke publish`; docs/deploy.md and
# plugins/mirsad/deploy/config.py): publishconf.py's value is the one used.
MIRSAD_DEPLOY = {
    # Where `invoke publish` deploys: a folder, user@host:path (rsync),
    # "gh-pages:git@github.com:ORG/REPO.git" or "s3://BUCKET/PREFIX".
    "to": "",
    # A deploy that would delete more files stops and lists them (-1: no limit).
    "max_deletes": 256,
}

# URL scheme (see docs/urls.md): every language under its own folder, one
# .html file per page so that the site works from file:// without a server.
ARTICLE_URL = "{lang}/briefings/{slug}.html"
ARTICLE_SAVE_AS = ARTICLE_URL
ARTICLE_LANG_URL = ARTICLE_URL
ARTICLE_LANG_SAVE_AS = ARTICLE_URL
# Drafts and scheduled briefings are built at the address they will be
# published at, into the preview folder beside the output (output.drafts/,
# shown by `invoke serve`), never into the output (docs/writing.md).
DRAFT_URL = DRAFT_SAVE_AS = DRAFT_LANG_URL = DRAFT_LANG_SAVE_AS = ARTICLE_URL
# A briefing dated later than the build's clock (in TIMEZONE; MIRSAD_NOW sets
# the clock) is held like a draft until a build runs at or after that time.
# True: published at once, whatever its date.
WITH_FUTURE_DATES = False
DEFAULT_PAGINATION = 10
PAGINATED_TEMPLATES = {"index": None, "term": None}

# Listing pages (home, archives, tags, categories) and feeds are written per
# language by plugins/mirsad/i18n; Pelican's single-language ones are off.
DIRECT_TEMPLATES = []
INDEX_SAVE_AS = ""
TAG_SAVE_AS = TAGS_SAVE_AS = ""
CATEGORY_SAVE_AS = CATEGORIES_SAVE_AS = ""
AUTHOR_SAVE_AS = AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# Autoescape everything; only sanitised briefing bodies are marked safe.
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True}

# Arabic titles are transliterated to ASCII (Unidecode) for derived slugs.
SLUGIFY_SOURCE = "title"
SLUGIFY_USE_UNICODE = False

# Pelican's own content cache stays off. Measured (bench/bench_build.py corpus):
# reading takes about 2 ms per briefing, while its reader cache cannot pickle a
# parsed briefing ("cannot pickle '_thread.RLock'") and Pelican 4.12 then fails
# to load the truncated cache file. What is worth keeping between builds is
# kept by the plugins: translation memory, PDF cache, summaries, search indexes.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
