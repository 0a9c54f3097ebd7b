"""mirsad.i18n settings (the MIRSAD_I18N dict in pelicanconf.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

from mirsad.common.settings import DEFAULT_LANGUAGES, SettingsError, once_per_build, plugin_settings, site_languages

DEFAULTS: dict[str, Any] = {
    # Site languages, in switcher order. Must include DEFAULT_LANG (the source).
    "languages": list(DEFAULT_LANGUAGES),
    # Site name per language (default: SITENAME).
    "site_names": {},
    # Reviewed translations: <translations_path>/<slug>.<lang>.md under PATH.
    "translations_path": "translations",
    # Display names and URL slugs of tags and categories, under PATH.
    "taxonomy_file": "taxonomy.yml",
    # Babel catalogs: <catalog_dir>/<lang>/LC_MESSAGES/messages.po.
    # Default: the theme's translations/ folder.
    "catalog_dir": None,
    # Output paths; {lang} is the language code, {slug} the term's slug.
    "index_save_as": "{lang}/index.html",
    "archives_save_as": "{lang}/archives.html",
    "tags_save_as": "{lang}/tags.html",
    "tag_save_as": "{lang}/tags/{slug}.html",
    "categories_save_as": "{lang}/categories.html",
    "category_save_as": "{lang}/categories/{slug}.html",
    "feed_save_as": "{lang}/feed.atom.xml",
    "feed_max_items": 20,
    "sitemap_save_as": "sitemap.xml",
    # Publication builds only (relative URLs off); "" leaves a file out, e.g.
    # when another plugin writes it (so can the feed and sitemap paths above).
    "robots_save_as": "robots.txt",
    # The site root points readers to the source language's home page.
    "root_save_as": "index.html",
    # Drafts and scheduled briefings are built here, never in the output.
    # None: <OUTPUT_PATH>.drafts (publication.py).
    "preview_path": None,
}


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # the language's own name ("العربية", "English", "Français")
    direction: str  # "rtl" or "ltr"

    @classmethod
    def from_code(cls, code: str) -> Language:
        try:
            locale = Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            raise SettingsError(
                f"MIRSAD_I18N['languages']: unknown language code {code!r}; "
                "use ISO 639-1 codes such as 'ar', 'en', 'fr'"
            ) from None
        name = locale.get_display_name(code) or code
        direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
        return cls(code, name[:1].upper() + name[1:], direction)


@dataclass(frozen=True)
class I18nConfig:
    source: Language
    languages: tuple[Language, ...]
    options: dict[str, Any]
    site_names: dict[str, str]

    def language(self, code: str) -> Language:
        for language in self.languages:
            if language.code == code:
                return language
        return Language.from_code(code)

    @property
    def codes(self) -> list[str]:
        return [language.code for language in self.languages]

    def save_as(self, kind: str, lang: str, slug: str = "") -> str:
        return self.options[f"{kind}_save_as"].format(lang=lang, slug=slug)


def load(settings: dict[str, Any]) -> I18nConfig:
    """The plugin's configuration, computed once per build."""
    return once_per_build(settings, "MIRSAD_I18N", lambda: _load(settings))


def _load(settings: dict[str, Any]) -> I18nConfig:
    options = plugin_settings(settings, "MIRSAD_I18N", DEFAULTS)
    options["languages"] = site_languages(settings)
    languages = tuple(Language.from_code(code) for code in options["languages"])
    source = settings["DEFAULT_LANG"]
    if source not in [language.code for language in languages]:
        raise SettingsError(
            f"DEFAULT_LANG {source!r} is not in MIRSAD_I18N['languages'] "
            f"{options['languages']}: add it to the list"
        )
    if not options["catalog_dir"]:
        options["catalog_dir"] = os.path.join(settings["THEME"], "translations")
    names = {code: settings["SITENAME"] for code in options["languages"]}
    names.update(options["site_names"])
    return I18nConfig(
        source=Language.from_code(source),
        languages=languages,
        options=options,
        site_names=names,
    )
