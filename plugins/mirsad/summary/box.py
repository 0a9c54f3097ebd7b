"""The summary box of every version of a briefing: its key points and facts.

`points_for` is the one place that decides where a version's points come
from, in this order:

1. its own front matter: `key_points` (as written), else `summary` (split
   into sentences, as written). Origin "authored" on the original,
   "reviewed" on a reviewed translation, "machine" on a machine translation
   (mirsad.mt translates an authored summary and points with the body);
2. the original: computed from its text (origin "computed");
3. a version still shown in the original's language (mirsad.mt placeholder,
   `translation_missing`, or `translation_held` by the publication policy):
   the original's points, in that language;
4. a translation that is not a reviewed one: the original's points
   translated by a receiver of the `translate_points` signal (origin
   "machine"), the hook for a plugin that translates the points themselves;
5. computed points: the same sentences, found again in the translation
   block for block (origin "aligned" in a reviewed translation: human text;
   "machine" in a machine translation: the machine translation of exactly
   the original's sentences, from the same translation memory);
6. otherwise computed from the translation's own text with the same
   summariser (origin "computed-translation").
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from blinker import signal
from pelican.contents import Article

from mirsad.text.sentences import split_sentences

from .blocks import blocks
from .summarise import Options, Pick, block_texts, cap, key_points, point

logger = logging.getLogger(__name__)

# Chosen by the summariser rather than written by a person.
COMPUTED_ORIGINS = frozenset({"computed", "aligned", "computed-translation"})

# The machine-translation hook. Sender: the translated article; keyword
# arguments: points (the original's points, list[str]), source_lang,
# target_lang. A receiver returns the points translated (same length) or
# None to let the next way (see the module docstring) decide.
translate_points = signal("mirsad.summary.translate_points")

# Unicode isolates around a name in the other direction: WeasyPrint (the
# PDF) ignores unicode-bidi, so the markup's dir alone does not isolate.
_ISOLATES = {"rtl": ("\u2067", "\u2069"), "ltr": ("\u2066", "\u2069")}


@dataclass(frozen=True)
class Points:
    points: list[str]
    origin: str  # authored, reviewed, computed, aligned, machine, computed-translation
    lang: str  # the language the points are written in
    picks: list[Pick] = field(default_factory=list)  # computed: where each was found


@dataclass(frozen=True)
class Text:
    """A piece of text with its language, as shown in the box."""

    text: str
    lang: str
    direction: str

    @property
    def isolated(self) -> str:
        start, end = _ISOLATES[self.direction]
        return f"{start}{self.text}{end}"


@dataclass
class SummaryBox:
    points: list[str]
    origin: str
    lang: str  # language of the version (and of the box's labels)
    direction: str
    points_lang: str  # language of the points: the version's, except in a placeholder
    points_direction: str
    date: dt.datetime
    places: list[Text]
    source: Text | None
    reading_minutes: int
    status: str  # original, reviewed, reviewed-outdated, machine, untranslated
    engine: str = ""  # machine translation engine, when status is "machine"
    description: str = ""  # the points as one line, cut for <meta name="description">

    @property
    def text(self) -> str:
        """The points as plain text (feeds, search results)."""
        return " ".join(self.points)

    @property
    def lead(self) -> str:
        """What a listing shows of the box: its first point, a whole
        sentence (or a main clause) of the text."""
        return self.points[0] if self.points else ""

    @property
    def computed(self) -> bool:
        return self.origin in COMPUTED_ORIGINS


def authored_points(article: Article) -> list[str]:
    """The points a person wrote in the version's front matter, as written."""
    metadata = article.metadata
    if metadata.get("key_points"):
        return list(metadata["key_points"])
    if metadata.get("summary_text"):
        return split_sentences(metadata["summary_text"], article.lang)
    return []


def points_for(article: Article, source: Points | None, options: Options,
               title: str = "", names: list[str] | None = None,
               compute: Callable[..., list[Pick]] = key_points) -> Points:
    """Where the points of `article` come from (see the module docstring).

    `source` is the original's Points (None for the original itself);
    `title` and `names` (tags and places, in the article's language) tell
    the summariser what the briefing is about; `compute` is `key_points`
    or a stored version of it (summarise.StoredKeyPoints)."""
    own = authored_points(article)
    if own:
        return Points(own, _authored_origin(article, source), article.lang)
    if source is None:
        picks = compute(article.content, article.lang, title, names, options)
        return Points([pick.text for pick in picks], "computed", article.lang, picks)
    if _shows_original(article):
        return Points(source.points, source.origin, source.lang)
    machine = bool(article.metadata.get("machine_translation"))
    if source.points and not article.metadata.get("reviewed_translation"):
        for _, translated in translate_points.send(
                article, points=source.points, source_lang=source.lang, target_lang=article.lang):
            if translated:
                return Points(list(translated), "machine", article.lang)
    if source.picks:
        aligned = align(source.picks, article.content, article.lang, options)
        if aligned:
            return Points(aligned, "machine" if machine else "aligned", article.lang)
    picks = compute(article.content, article.lang, title, names, options)
    return Points([pick.text for pick in picks], "computed-translation", article.lang)


def _shows_original(article: Article) -> bool:
    return bool(article.metadata.get("translation_missing") or article.metadata.get("translation_held"))


def _authored_origin(article: Article, source: Points | None) -> str:
    if source is None:
        return "authored"
    return "machine" if article.metadata.get("machine_translation") else "reviewed"


def align(picks: list[Pick], html: str, lang: str, options: Options) -> list[str] | None:
    """The sentences of a translation that translate the original's picks,
    or None when the translation's blocks do not match the original's.

    A pick's block must exist in the translation; it is taken sentence for
    sentence when the block has as many sentences as the original's, whole
    when the original's block was a single sentence (a translator may
    write it as two), otherwise the translation does not match. A pick
    that is a main clause is the same clause of the translated sentence."""
    grouped = block_texts(html, lang)
    found = []
    for pick in picks:
        sentences = grouped.get(pick.block)
        if not sentences:
            return None
        if len(sentences) == pick.block_sentences:
            found.append(point(sentences[pick.sentence], lang, options, pick.clause, pick.cut_share))
        elif pick.block_sentences == 1:
            found.append(point(" ".join(sentences), lang, options, pick.clause, pick.cut_share))
        else:
            return None
    return found


def reading_minutes(html: str, words_per_minute: int) -> int:
    """Minutes to read the text at `words_per_minute` (at least 1)."""
    words = sum(len(block.text.split()) for block in blocks(html))
    return max(1, math.ceil(words / words_per_minute))


def status_of(article: Article, original: Article) -> tuple[str, str]:
    """(status, engine) of a version: what its text is."""
    metadata = article.metadata
    if article is original:
        return "original", ""
    if metadata.get("translation_missing"):
        return "untranslated", ""
    if metadata.get("translation_held"):
        return "held", ""
    machine = metadata.get("machine_translation")
    if machine:
        return "machine", str(machine.get("engine", "")) if isinstance(machine, dict) else ""
    return ("reviewed-outdated" if getattr(article, "review_outdated", False) else "reviewed"), ""


def description(points: list[str], limit: int) -> str:
    return cap(" ".join(points), limit) if points else ""


def make_box(article: Article, original: Article, points: Points, facts: dict[str, Any],
             config: dict[str, Any], direction) -> SummaryBox:
    """The box of `article`; `facts` holds its localised places and source,
    `direction` maps a language code to "rtl"/"ltr"."""
    status, engine = status_of(article, original)
    wpm = config["reading_wpm"].get(article.lang, config["default_reading_wpm"])
    return SummaryBox(
        points=points.points, origin=points.origin,
        lang=article.lang, direction=direction(article.lang),
        points_lang=points.lang, points_direction=direction(points.lang),
        date=article.date, places=facts["places"], source=facts["source"],
        reading_minutes=reading_minutes(article.content, wpm),
        status=status, engine=engine,
        description=description(points.points, config["description_chars"]),
    )

