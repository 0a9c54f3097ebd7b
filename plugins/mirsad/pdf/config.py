"""mirsad.pdf settings (the MIRSAD_PDF dict in pelicanconf.py)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from mirsad.common.settings import SettingsError, jobs, plugin_settings

DEFAULTS: dict[str, Any] = {
    # Render a PDF of every briefing in every language during the site build
    # (False: only `invoke pdf` renders them, and pages carry no PDF link).
    "briefings": True,
    # Where a briefing's PDF goes, next to its page; {lang} and {slug}.
    "save_as": "{lang}/briefings/{slug}.pdf",
    # Print template and stylesheet (under the theme's templates/ and static/).
    "template": "pdf/briefing.html",
    "stylesheet": "css/pdf.css",
    # CSS page size: "A4", "letter", "A5 landscape", "210mm 297mm", ...
    "page_size": "A4",
    # Counter style of the page numbers per language (default "decimal").
    "page_digits": {"ar": "arabic-indic"},
    # None: plain PDF; "pdf/ua-1": tagged, accessible PDF (screen readers get
    # the structure, reading order and language). Measured by bench/bench_pdf.py
    # on 150 PDFs: +6% CPU, +28% wall time; paid only for PDFs that changed.
    "pdf_variant": "pdf/ua-1",
    # Rendered PDFs are kept here, keyed by a hash of everything they are made
    # from, so an unchanged PDF is never rendered twice. None: CACHE_PATH/pdf.
    # Must be outside OUTPUT_PATH (builds replace the output folder).
    "cache_dir": None,
    # A table with more columns is printed in parts of this many columns, each
    # repeating the first (the row labels), so that every cell fits the page.
    "table_columns": 8,
    # True: a PDF that fails makes the build fail (after the others are done).
    "strict": False,
    # The digest: one PDF per language of the latest briefings.
    "digest": True,  # build it with the site
    "digest_latest": 10,  # at most this many briefings (None: all)
    "digest_since": None,  # "YYYY-MM-DD": only briefings dated on or after
    "digest_until": None,  # "YYYY-MM-DD": only briefings dated on or before
    "digest_save_as": "{lang}/digest.pdf",
    "digest_template": "pdf/digest.html",
}

VARIANTS = (None, "pdf/ua-1")


@dataclass(frozen=True)
class PdfConfig:
    options: dict[str, Any]
    cache_dir: str
    stylesheet: str  # absolute path
    workers: int
    since: dt.date | None
    until: dt.date | None

    def __getitem__(self, key: str) -> Any:
        return self.options[key]

    def digits(self, lang: str) -> str:
        return self.options["page_digits"].get(lang, "decimal")


def load(settings: dict[str, Any]) -> PdfConfig:
    options = plugin_settings(settings, "MIRSAD_PDF", DEFAULTS)
    if options["pdf_variant"] not in VARIANTS:
        raise SettingsError(
            f"MIRSAD_PDF['pdf_variant'] = {options['pdf_variant']!r} in pelicanconf.py is not "
            f"supported; use one of {', '.join(map(repr, VARIANTS))}"
        )
    if not isinstance(options["table_columns"], int) or isinstance(options["table_columns"], bool) \
            or options["table_columns"] < 2:
        raise SettingsError(f"MIRSAD_PDF['table_columns'] = {options['table_columns']!r} in pelicanconf.py: "
                            "give a whole number of columns, 2 or more")
    cache_dir = os.path.abspath(options["cache_dir"] or os.path.join(settings["CACHE_PATH"], "pdf"))
    output = os.path.abspath(settings["OUTPUT_PATH"])
    if os.path.commonpath([cache_dir, output]) == output:
        raise SettingsError(
            f"MIRSAD_PDF['cache_dir'] ({cache_dir}) is inside OUTPUT_PATH ({output}), which "
            "every build replaces; point it outside, e.g. cache/pdf"
        )
    stylesheet = os.path.join(settings["THEME"], "static", options["stylesheet"])
    if not os.path.isfile(stylesheet):
        raise SettingsError(f"MIRSAD_PDF['stylesheet']: {stylesheet} does not exist")
    return PdfConfig(
        options=options,
        cache_dir=cache_dir,
        stylesheet=stylesheet,
        workers=jobs(settings),
        since=_date(options, "digest_since"),
        until=_date(options, "digest_until"),
    )


def _date(options: dict[str, Any], key: str) -> dt.date | None:
    value = options[key]
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(f"MIRSAD_PDF[{key!r}] = {value!r} is not a date; write YYYY-MM-DD") from None
