"""What search engines and link previews read on a publication build (an
absolute SITEURL): the NewsArticle data of a briefing page, robots.txt, and
the 404 pages hosts show for a missing address. Development and offline
builds (relative URLs) have none of it: they are not on the web."""

from __future__ import annotations

from typing import Any

from babel import Locale
from babel.core import get_global
from pelican.contents import Article

from .config import Language

HEADLINE_CHARACTERS = 110  # Google's limit for a NewsArticle headline


def og_locale(language: Language) -> str:
    """`ll_TT` as Open Graph wants it: the language's most likely territory (CLDR)."""
    likely = get_global("likely_subtags").get(language.code)
    territory = Locale.parse(likely).territory if likely else None
    return f"{language.code}_{territory}" if territory else language.code


def news_article(article: Article, siteurl: str, site_name: str, description: str) -> dict[str, Any]:
    """schema.org NewsArticle for a briefing page (JSON-LD); a translation
    names its original (isBasedOn, translationOfWork)."""
    here = f"{siteurl}/{article.url}"
    publisher = {"@type": "Organization", "name": site_name,
                 "logo": {"@type": "ImageObject", "url": f"{siteurl}/theme/images/favicon.svg"}}
    author = getattr(article, "author", None)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:HEADLINE_CHARACTERS],
        "description": description,
        "inLanguage": article.lang,
        "url": here,
        "mainEntityOfPage": here,
        "datePublished": article.date.isoformat(),
        "dateModified": (getattr(article, "modified", None) or article.date).isoformat(),
        "author": {"@type": "Person", "name": str(author)} if author else publisher,
        "publisher": publisher,
    }
    original = article.briefing.original
    if original is not article:
        source = f"{siteurl}/{original.url}"
        data["isBasedOn"] = source
        data["translationOfWork"] = {"@type": "NewsArticle", "@id": source, "inLanguage": original.lang}
    return data


def robots_txt(siteurl: str, sitemap: str) -> str:
    """Everything may be crawled; the sitemap, where the site has one."""
    return "User-agent: *\nAllow: /\n" + (f"\nSitemap: {siteurl}/{sitemap}\n" if sitemap else "")
