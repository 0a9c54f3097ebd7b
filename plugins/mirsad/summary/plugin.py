"""mirsad_summary: a summary box (key points + facts) on every version of
every briefing, as `article.summary_box` (see box.py).

Receivers:
- content_object_init: each original's key points start being ranked in
  other processes as soon as it is read (summarise.StoredKeyPoints.start);
- article_generator_pretaxonomy: every briefing is read; those points are
  collected and the workers end (before translation);
- article_generator_finalized: after the reviewed translations (mirsad.i18n,
  pretaxonomy) and the machine translations (mirsad.mt, finalized: list
  mirsad.summary after mirsad.mt in PLUGINS) are attached, and before
  mirsad.i18n's generator annotates the site (it takes each version's
  `abstract`, for listings and feeds, from the box).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import replace
from typing import Any

from pelican import signals
from pelican.contents import Article

from mirsad.common import stages
from mirsad.common.session import session
from mirsad.common.settings import jobs
from mirsad.plugins import when_enabled
from mirsad.i18n.api import load_config as load_i18n_config
from mirsad.i18n.api import local_names, site_taxonomy, version_names

from . import config as summary_config
from .blocks import blocks
from .box import Points, SummaryBox, Text, authored_points, make_box, points_for
from .budget import budget, word_count
from .summarise import Options, Request, StoredKeyPoints, body_words

logger = logging.getLogger(__name__)
SUMMARISER = "mirsad.summary summariser"  # the build's Summariser, in its session
# How many times the original's points are chosen again in a smaller
# budget when their translation does not fit in a translation's.
REFITS = 3


class Summariser:
    """Everything a build needs to make boxes: settings, languages, taxonomy."""

    def __init__(self, settings: dict[str, Any]):
        self.config = summary_config.load(settings)
        self.options = summary_config.options(self.config)
        self.i18n = load_i18n_config(settings)
        self.tags: dict[str, dict[str, str]] = site_taxonomy(settings)["tags"]
        self.names = local_names(settings)
        self.stored = StoredKeyPoints(os.path.join(settings["CACHE_PATH"], "summaries.json"))

    @classmethod
    def of(cls, settings: dict[str, Any]) -> Summariser:
        """The build's Summariser: one from the first briefing read to the boxes."""
        return session(settings).once(SUMMARISER, lambda: cls(settings))

    def start_ranking(self, article: Article) -> None:
        """Start ranking a just-read original on the other cores."""
        if not authored_points(article):
            # Its raw body: `content` would resolve {static} links before the
            # static files are known, and keep that. For a body without such
            # links both are the same, so the key points are found stored.
            self.stored.start(self._request(article, article._content), jobs(article.settings))

    def direction(self, lang: str) -> str:
        return self.i18n.language(lang).direction

    def name(self, name: str, lang: str, source_lang: str) -> Text:
        """A tag or place name in `lang` (from taxonomy.yml), else as written."""
        translated = self.tags.get(name, {}).get(lang)
        if translated:
            return Text(translated, lang, self.direction(lang))
        return Text(name, source_lang, self.direction(source_lang))

    def attach(self, original: Article) -> None:
        """Give the original and each of its translations a summary box."""
        options = self.options
        source, shown = self._points_everywhere(original, options)
        for _ in range(REFITS):
            over = [share for share in map(self._over_budget, original.translations, shown) if share]
            if not source.picks or not over:
                break
            # The same points in every language, within each language's
            # budget: a translation is often longer than its original (and
            # the floor of max_words is the same in every language), so the
            # original's points are chosen again in a budget that much smaller.
            words = sum(word_count(point) for point in source.points)
            options = replace(options, max_words=max(1, math.floor(words * min(over))), max_body_share=0.0)
            smaller, smaller_shown = self._points_everywhere(original, options)
            if any(pick.cut_share for pick in smaller.picks):
                break  # whole statements a little over the budget, rather than a cut one
            source, shown = smaller, smaller_shown
        original.summary_box = self._box(original, original, source)
        for translation, points in zip(original.translations, shown):
            translation.summary_box = self._box(translation, original, points)

    def _points_everywhere(self, original: Article, options: Options) -> tuple[Points, list[Points]]:
        """The original's points chosen with `options`, and each translation's
        (a translation that shows its own computed points keeps the settings)."""
        source = self._points(original, None, options)
        return source, [self._points(translation, source, self.options) for translation in original.translations]

    def _over_budget(self, translation: Article, points: Points) -> float:
        """The share of its points' words a translation's budget leaves room
        for, when the original's points, translated, exceed it (else 0)."""
        if points.origin not in ("aligned", "machine") or translation.metadata.get("translation_missing"):
            return 0.0
        words = sum(word_count(point) for point in points.points)
        room = budget(body_words(blocks(translation.content)), self.options.max_words, self.options.max_body_share)
        return room / words if words > room else 0.0

    def compute_points(self, originals: list[Article], jobs: int) -> None:
        """Compute the points of every original that needs computed points,
        on `jobs` processes, so that `attach` finds them stored."""
        requests = [self._request(article, article.content) for article in originals
                    if not authored_points(article)]
        self.stored.compute_missing(requests, jobs)

    def _request(self, article: Article, html: str) -> Request:
        return Request(html, article.lang, article.title, tuple(self._names_in(article)), self.options)

    def _names_in(self, article: Article) -> list[str]:
        """Its tags and places, in its own language where taxonomy.yml says."""
        return [self.name(str(n), article.lang, self._source_lang(article)).text for n in self._names(article)]

    def _points(self, article: Article, source: Points | None, options: Options) -> Points:
        try:
            return points_for(article, source, options, article.title, self._names_in(article),
                              self.stored)
        except ValueError as error:
            # One briefing's failure must not take the others down: its box
            # then shows the facts only.
            logger.error(
                "mirsad_summary: %s: could not compute its key points (%s); its summary box "
                "shows the facts only. Add `key_points:` to its front matter to set them",
                article.source_path, error,
            )
            return Points([], "computed", article.lang)

    def _box(self, article: Article, original: Article, points: Points) -> SummaryBox:
        places, source = version_names(article, original, self.names)
        facts = {
            "places": [Text(place.text, place.lang, self.direction(place.lang)) for place in places],
            "source": Text(source.text, source.lang, self.direction(source.lang)) if source else None,
        }
        return make_box(article, original, points, facts, self.config, self.direction)

    @staticmethod
    def _names(article: Article) -> list[Any]:
        return [*(getattr(article, "tags", None) or []), *(article.metadata.get("location") or [])]

    @staticmethod
    def _source_lang(article: Article) -> str:
        # Tags and places are written in the original's language; a
        # translation inherits them.
        return article.settings["DEFAULT_LANG"] if article.metadata.get("translation") else article.lang


def originals(generator) -> list[Article]:
    """Every original the articles generator knows: published, hidden, drafts."""
    return [*generator.articles, *getattr(generator, "hidden_articles", []), *getattr(generator, "drafts", [])]


@when_enabled("mirsad.summary")
def rank_while_reading(content) -> None:
    """Key points are ranked in other processes while Pelican reads the
    other briefings (translations get theirs from their original)."""
    if not isinstance(content, Article) or content.metadata.get("translation"):
        return
    try:
        Summariser.of(content.settings).start_ranking(content)
    except Exception:  # noqa: BLE001 - only a head start: attach_boxes meets and reports the problem
        return


@when_enabled("mirsad.summary")
def finish_ranking(generator) -> None:
    """Once every briefing is read: the points ranked meanwhile are taken
    in, and their workers end before translation takes the cores."""
    summariser = session(generator.settings).made(SUMMARISER)
    if summariser is not None:
        summariser.stored.collect_started()


@when_enabled("mirsad.summary")
def attach_boxes(generator) -> None:
    with stages.stage(generator.settings, "summarise"):
        summariser = Summariser.of(generator.settings)
        session(generator.settings).forget(SUMMARISER)  # its work ends with the boxes
        found = originals(generator)
        summariser.compute_points(found, jobs(generator.settings))
        for original in found:
            summariser.attach(original)
        summariser.stored.save()
    cache = summariser.stored.cache
    stages.count(generator.settings, "summaries_computed", cache.misses)
    stages.count(generator.settings, "summaries_reused", cache.hits)


def register() -> None:
    signals.content_object_init.connect(rank_while_reading)
    signals.article_generator_pretaxonomy.connect(finish_ranking)
    signals.article_generator_finalized.connect(attach_boxes)
