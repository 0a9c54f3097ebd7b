"""UI strings: Babel catalogs, gettext for Jinja's i18n extension, date filters.

Pages in several languages are rendered by one Jinja environment, so gettext
looks up the language of the page being rendered in the template context.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import logging
import os
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import pass_context
from jinja2.runtime import Context

from mirsad.common.settings import once_per_build

from . import config as i18n_config

logger = logging.getLogger(__name__)


class Catalogs:
    """One gettext catalog per language, compiled in memory from the .po files."""

    def __init__(self, directory: str, languages: list[str], default_lang: str):
        self.default_lang = default_lang
        self._by_lang = {lang: _load(directory, lang) for lang in languages}

    def get(self, lang: str) -> gettext.NullTranslations:
        return self._by_lang.get(lang) or gettext.NullTranslations()

    def page_lang(self, context: Context) -> str:
        """The language of the page being rendered."""
        lang = context.get("page_lang")
        if not lang and context.get("article") is not None:
            lang = context["article"].lang
        return lang or self.default_lang

    def install(self, env) -> None:
        @pass_context
        def _gettext(context: Context, message: str) -> str:
            return self.get(self.page_lang(context)).gettext(message)

        @pass_context
        def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
            return self.get(self.page_lang(context)).ngettext(singular, plural, count)

        env.add_extension("jinja2.ext.i18n")
        env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
        env.filters["localdate"] = localdate
        env.filters["language_name"] = language_name


# The mark of unreviewed machine translation, in templates and in what is
# written without them (feeds, search results). The templates use the same
# msgid, so `invoke i18n` keeps it in the catalogs.
MACHINE_LABEL = "Machine translation, not reviewed"


def site_catalogs(settings: dict[str, Any]) -> Catalogs:
    """The site's catalogs, read once per build (every generator's environment
    and the feeds and search results use them)."""
    config = i18n_config.load(settings)
    return once_per_build(settings, "MIRSAD_I18N_CATALOGS", lambda: Catalogs(
        config.options["catalog_dir"], config.codes, config.source.code))


def ui_text(settings: dict[str, Any], lang: str, message: str) -> str:
    """A UI string in `lang`, outside the templates."""
    return site_catalogs(settings).get(lang).gettext(message)


def localdate(value: Any, lang: str, format: str = "long") -> str:
    """A date in the language's own format ("25 يناير 2017", "25 janvier 2017")."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    elif isinstance(value, dt.datetime):
        value = value.date()
    return _formatted_date(value, format, lang)


# Listings show each date many times (index, archives, tag and category
# pages), and Babel formats one in about 0.1 ms.
@functools.lru_cache(maxsize=8192)
def _formatted_date(value: dt.date, format: str, lang: str) -> str:
    return format_date(value, format=format, locale=lang)


def language_name(code: str, lang: str) -> str:
    """The name of language `code` in language `lang` ("الإنجليزية", "anglais")."""
    return Locale.parse(lang).languages.get(code, code)


def _load(directory: str, lang: str) -> gettext.NullTranslations | None:
    path = os.path.join(directory, lang, "LC_MESSAGES", "messages.po")
    if not os.path.exists(path):
        logger.warning("mirsad_i18n: no UI catalog for %r at %s; UI strings stay untranslated", lang, path)
        return None
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale=lang)
    # Compile in memory, so an edited .po never meets a stale .mo.
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
