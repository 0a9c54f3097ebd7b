"""The multilingual site: every briefing with its language versions, and the
listing pages (home, archives, tags, categories) of each language."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from pelican.contents import Article

from .config import I18nConfig, Language
from .names import LocalNames, version_names
from .taxonomy import Term, TermRegistry

ABSTRACT_WORDS = 60


@dataclass
class Briefing:
    original: Article
    versions: dict[str, Article]  # language code -> article (the original included)


@dataclass
class Alternate:
    """One entry of a page's language switcher / hreflang set."""

    language: Language
    url: str
    title: str
    exists: bool  # False: no such page in that language, the URL is its home
    current: bool
    translated: bool = True  # False: a page saying the translation is missing

    @property
    def hreflang(self) -> bool:
        """Listed as an hreflang alternate: a real page in that language."""
        return self.exists and self.translated


@dataclass
class Listing:
    kind: str  # index, archives, tags, tag, categories, category
    language: Language
    save_as: str
    articles: list[Article]
    term: Term | None = None
    terms: list[tuple[Term, int]] = field(default_factory=list)
    alternates: list[Alternate] = field(default_factory=list)
    x_default: str = ""  # hreflang="x-default": the source language's version

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.kind, self.term.key if self.term else None)


class Site:
    """`briefings`: the published ones, listed, fed, indexed; `hidden`: at
    their addresses only; `held` (drafts, scheduled): built into the preview
    folder only (publication.py)."""

    def __init__(self, articles: list[Article], config: I18nConfig, registry: TermRegistry,
                 names: LocalNames | None = None, hidden: list[Article] = (), held: list[Article] = ()):
        self.config = config
        self.registry = registry
        self.names = names or LocalNames({}, {})
        self.briefings, self.hidden, self.held = ([
            Briefing(a, {a.lang: a, **{t.lang: t for t in a.translations}})
            for a in originals
        ] for originals in (articles, hidden, held))
        for briefing in [*self.briefings, *self.hidden, *self.held]:
            self._annotate(briefing)
        self.listings = [
            listing for language in config.languages for listing in self._listings_in(language)
        ]
        self._link_listings()
        self._unlink_unlisted_terms()

    def articles_in(self, lang: str) -> list[Article]:
        """The briefings readable in `lang` (placeholders of missing
        translations are not listed)."""
        versions = [b.versions[lang] for b in self.briefings
                    if lang in b.versions and not is_placeholder(b.versions[lang])]
        return sorted(versions, key=lambda article: article.date, reverse=True)

    def home(self, lang: str) -> str:
        return self.config.save_as("index", lang)

    # --- briefings -------------------------------------------------------

    def _annotate(self, briefing: Briefing) -> None:
        category = getattr(briefing.original, "category", None)
        for lang, article in briefing.versions.items():
            # Pelican formats a URL from the settings and a copy of the
            # metadata on every access: some twenty per version (links,
            # listings, feeds, the sitemap, PDFs). It is final once the site
            # is read; Pelican's own override keeps it.
            if not hasattr(article, "override_url"):
                article.override_url = article.url
            article.briefing = briefing
            article.placeholder = is_placeholder(article)
            article.unreviewed = is_unreviewed(article)
            article.language = self.config.language(lang)
            article.tag_terms = [self.registry.term("tag", t) for t in getattr(article, "tags", [])]
            article.category_term = self.registry.term("category", category) if category else None
            article.place_names, article.source_name = version_names(article, briefing.original, self.names)
            box = getattr(article, "summary_box", None)  # mirsad.summary, when enabled
            article.abstract = (box.text if box else "") or abstract(article)
            article.x_default = briefing.original.url
            article.alternates = [self._alternate(briefing, language, lang) for language in self.config.languages]
            article.noindex = is_placeholder(article) or getattr(article, "publication", "published") != "published"

    def _alternate(self, briefing: Briefing, language: Language, current: str) -> Alternate:
        version = briefing.versions.get(language.code)
        if version is None:
            return Alternate(language, self.home(language.code), self.config.site_names[language.code],
                             False, language.code == current)
        return Alternate(language, version.url, version.title, True, language.code == current,
                         not is_placeholder(version))

    # --- listings --------------------------------------------------------

    def _listings_in(self, language: Language) -> list[Listing]:
        lang, save_as = language.code, self.config.save_as
        articles = self.articles_in(lang)
        listings = [
            Listing("index", language, save_as("index", lang), articles),
            Listing("archives", language, save_as("archives", lang), articles),
        ]
        for kind, plural, terms_of in (
            ("tag", "tags", lambda a: a.tag_terms),
            ("category", "categories", lambda a: [a.category_term] if a.category_term else []),
        ):
            grouped: dict[Term, list[Article]] = {}
            for article in articles:
                for term in terms_of(article):
                    grouped.setdefault(term, []).append(article)
            ordered = sorted(grouped, key=lambda term: term.name(lang))
            listings.append(Listing(plural, language, save_as(plural, lang), articles,
                                    terms=[(term, len(grouped[term])) for term in ordered]))
            listings += [
                Listing(kind, language, save_as(kind, lang, term.slug), grouped[term], term)
                for term in ordered
            ]
        return listings

    def _link_listings(self) -> None:
        by_key: dict[tuple, dict[str, Listing]] = {}
        for listing in self.listings:
            by_key.setdefault(listing.key, {})[listing.language.code] = listing
        source = self.config.source.code
        for listing in self.listings:
            versions = by_key[listing.key]
            listing.x_default = versions[source].save_as if source in versions else self.home(source)
            listing.alternates = [
                Alternate(
                    language,
                    versions[language.code].save_as if language.code in versions else self.home(language.code),
                    self.config.site_names[language.code],
                    language.code in versions,
                    language.code == listing.language.code,
                )
                for language in self.config.languages
            ]

    def _unlink_unlisted_terms(self) -> None:
        """A tag or category that only unlisted pages carry in a language
        (placeholders, held translations, hidden briefings) has no page
        there: its name is shown, not linked (`article.unlinked_terms`)."""
        listed = {(listing.language.code, listing.key) for listing in self.listings}
        for briefing in [*self.briefings, *self.hidden, *self.held]:
            for lang, article in briefing.versions.items():
                terms = [("tag", term) for term in article.tag_terms]
                if article.category_term is not None:
                    terms.append(("category", article.category_term))
                article.unlinked_terms = {(kind, term.key) for kind, term in terms
                                          if (lang, (kind, term.key)) not in listed}


def is_placeholder(article: Article) -> bool:
    """A page standing in for a translation that could not be made, or that
    the publication policy holds (mirsad.mt): it shows the original."""
    return bool(article.metadata.get("translation_missing") or article.metadata.get("translation_held"))


def is_unreviewed(article: Article) -> bool:
    """Published machine translation, which says so wherever it appears."""
    return bool(article.metadata.get("machine_translation"))


def abstract(article: Article) -> str:
    """Plain-text teaser: the authored summary, else the key points, else the
    start of the first paragraph."""
    metadata = article.metadata
    if metadata.get("summary_text"):
        return metadata["summary_text"]
    if metadata.get("key_points"):
        return " ".join(metadata["key_points"])
    match = re.search(r"<p>(.*?)</p>", article.content, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", "", match.group(1))) if match else ""
    words = text.split()
    return " ".join(words[:ABSTRACT_WORDS]) + (" …" if len(words) > ABSTRACT_WORDS else "")
