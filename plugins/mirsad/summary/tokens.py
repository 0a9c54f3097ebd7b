"""Words of a sentence for scoring (folded, stopwords out, light stems), and
the signs that a sentence reports facts rather than opinion: the classic
who / what / where / when / how many of news writing.

- who, where: named things. Arabic has no capital letters, so names are
  what the briefing itself marks as names: its tags and places (front
  matter), its hashtags (#الأفريكوم anywhere in the body makes الأفريكوم a
  name in every sentence), Latin-script names and acronyms (NOC, G5 Sahel);
  in English and French, also capitalised words inside a sentence.
- what: words of events (attack, strike, sabotage, agreement, election...);
- when: years, months, weekdays and words such as "recently";
- how many: numbers and number words;
and, against them, hedges (unclear, impossible, may): opinion, not fact.
The word lists are data, one file per language: lexicon/<lang>.yml.
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from dataclasses import dataclass

from mirsad.common.yamlfile import load_mapping
from mirsad.text.arabic import light_stem, normalise
from mirsad.text.stopwords import stopwords

# Letters and digits; "_" joins hashtag words (#البنيان_المرصوص), so it splits.
_WORD = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_YEAR_WORD = re.compile(r"(?<![^\W_])(?:19|20)\d\d(?![^\W_])")  # a year as a whole word of _WORD
_HASHTAG = re.compile(r"#([^\W_]\w*)")
# A run of capitalised words (with "al", "bin", "de", "of" inside): one name.
_CAPITALISED = r"[A-Z][^\W_]*"
_LATIN_NAME = re.compile(rf"\b{_CAPITALISED}(?:[ \u00a0-](?:(?:al|el|bin|ibn|de|du|of)[ -])?{_CAPITALISED})*")
_QUOTED = re.compile(r"\"[^\"]*\"?|“[^”]*”?|«[^»]*»?")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
_LATIN_SCRIPT = {"en", "fr"}
LEXICON_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lexicon")
LEXICON_KINDS = ("numbers", "times", "events", "hedges", "clause_starts")


@dataclass(frozen=True)
class WordList:
    words: frozenset[str]  # whole words
    prefixes: tuple[str, ...]  # written "word*": any word starting with it

    def __contains__(self, word: str) -> bool:
        return word in self.words or word.startswith(self.prefixes)


@functools.cache
def lexicon(lang: str) -> dict[str, WordList]:
    """The word lists of `lang` (lexicon/<lang>.yml), folded; empty lists
    for a language without a file."""
    data = load_mapping(os.path.join(LEXICON_FOLDER, f"{lang}.yml"), ValueError) or {}
    lists = {}
    for kind in LEXICON_KINDS:
        entries = [normalise(word) for word in str(data.get(kind) or "").split()]
        lists[kind] = WordList(frozenset(e for e in entries if not e.endswith("*")),
                               tuple(sorted(e[:-1] for e in entries if e.endswith("*"))))
    return lists


@dataclass(frozen=True)
class Topic:
    """What a briefing is about, to recognise its names in each sentence."""

    lang: str
    names: frozenset[tuple[str, ...]]  # each name as its stemmed words
    title: frozenset[str]


def words(text: str, lang: str) -> list[str]:
    """Content words of `text`: folded, without stopwords, light-stemmed
    (Arabic) or without a plural -s (English, French)."""
    return list(_words(text, lang))


# Ranking asks for the words of the same sentences many times (similarity,
# names, title overlap); a briefing has tens of sentences, a build thousands.
@functools.lru_cache(maxsize=8192)
def _words(text: str, lang: str) -> tuple[str, ...]:
    return tuple(stem for stem in (_content_stem(word, lang) for word in _folded_words(text)) if stem)


@functools.lru_cache(maxsize=1 << 17)
def _content_stem(word: str, lang: str) -> str | None:
    """The stem of a folded word, or None for a stopword or a one-letter stem."""
    if _is_stopword(word, stopwords(lang)):
        return None
    stem = _stem(word, lang)
    return stem if len(stem) > 1 or stem.isdigit() else None


def _is_stopword(word: str, stop: frozenset[str]) -> bool:
    # Arabic writes "and"/"so" (و، ف) attached: "وهو", "فإن".
    return word in stop or (len(word) > 2 and word[0] in "وف" and word[1:] in stop)


def _stem(word: str, lang: str) -> str:
    if _ARABIC_LETTER.match(word):
        return light_stem(word)
    if lang in _LATIN_SCRIPT and len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def topic(lang: str, title: str, names: list[str], body: list[str]) -> Topic:
    """The Topic of a briefing: `names` are its tags and places, `body` its sentences."""
    found = [*names, *(tag.replace("_", " ") for text in body for tag in _HASHTAG.findall(text))]
    found += [name for text in body for name in latin_names(text, lang)]
    stems = {tuple(words(name, lang)) for name in found}
    return Topic(lang, frozenset(stem for stem in stems if stem), frozenset(words(title, lang)))


def latin_names(text: str, lang: str) -> list[str]:
    """Latin-script names and acronyms; in English and French not the
    sentence's first word, which is capitalised anyway."""
    found = list(_LATIN_NAME.finditer(text))
    if lang not in _LATIN_SCRIPT:
        return [match.group(0) for match in found]
    first = _WORD.search(text)
    names = []
    for match in found:
        name = match.group(0)
        if first and match.start() == first.start():
            name = name[len(first.group(0)):].lstrip(" \u00a0-")
        if name and normalise(name) not in stopwords(lang):
            names.append(name)
    return names


def names(text: str, about: Topic) -> set[tuple[str, ...]]:
    """The briefing's names that `text` mentions."""
    present = set(words(text, about.lang))
    return {name for name in about.names if all(word in present for word in name)}


def _bare(word: str) -> str:
    # Arabic attaches "and", "in" and the article: "والخمسة", "بيناير".
    for prefix in ("وال", "بال", "ال", "و", "ب", "ف"):
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            return word[len(prefix):]
    return word


# Every sentence is asked about four word lists, numbers and years: it is
# normalised and split once, and each distinct word looked up once per list.
@functools.lru_cache(maxsize=8192)
def _normalised(text: str) -> str:
    return normalise(text)


@functools.lru_cache(maxsize=8192)
def _folded_words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(_normalised(text)))


@functools.lru_cache(maxsize=1 << 17)
def _kinds_of(word: str, lang: str) -> tuple[str, ...]:
    """The lexicon lists of `lang` that hold `word`."""
    bare = _bare(word)
    return tuple(kind for kind, listed in lexicon(lang).items() if word in listed or bare in listed)


@functools.lru_cache(maxsize=8192)
def _kind_counts(text: str, lang: str) -> Counter:
    return Counter(kind for word in _folded_words(text) for kind in _kinds_of(word, lang))


def mentions(text: str, lang: str, kind: str) -> int:
    """How many words of `text` are in the `kind` list of `lang`'s lexicon."""
    return _kind_counts(text, lang)[kind]


def quantities(text: str, lang: str) -> int:
    """How many quantities `text` states (numbers other than years, number words)."""
    digits = [number for number in _DIGITS.findall(_normalised(text)) if not _YEAR.match(number)]
    return len(digits) + mentions(text, lang, "numbers")


def has_time(text: str, lang: str) -> bool:
    """Whether `text` places something in time (a year, month, weekday, "recently")."""
    return bool(_YEAR_WORD.search(_normalised(text)) or mentions(text, lang, "times"))


def title_overlap(text: str, about: Topic) -> float:
    """Share of the title's words that `text` contains."""
    if not about.title:
        return 0.0
    return len(about.title & set(words(text, about.lang))) / len(about.title)


def quoted_share(text: str) -> float:
    """Share of `text` (in characters) inside quotation marks."""
    if not text:
        return 0.0
    return min(1.0, sum(len(match) for match in _QUOTED.findall(text)) / len(text))


def starts_clause(word: str, lang: str) -> bool:
    """Whether `word` opens a trailing clause after a comma ("adding",
    "لافتا", "soulignant"): the `clause_starts` list of `lang`'s lexicon."""
    return _normalised(word) in lexicon(lang)["clause_starts"]
