"""How text becomes search terms, the same way at build time (Python) and in
the browser (search.js), for the documents and for the queries.

1. fold: NFKC, lower case, then one character table: the project's Arabic
   normalisation (`mirsad.text.arabic.MAPPING`: diacritics, tatweel,
   alef/hamza forms, ta marbuta, alef maqsura, digits), full case folding,
   and Latin accents (é -> e, œ -> oe), so a phone keyboard without accents
   finds "sécurité";
2. split on anything that is not a letter or a digit;
3. drop the language's stopwords (`mirsad.text.stopwords`, folded);
4. stem: Arabic with `mirsad.text.arabic.light_stem`, English with lunr's
   Porter stemmer, French with Snowball.

The browser gets steps 1 and 3 as data (`browser_data`), not as code: the
folding table and the stopword list are computed here from the one Python
implementation. Stemmers are code on both sides: lunr.js's own Porter
stemmer (here lunr.py's port, corrected where it differs: LunrJsPorter),
lunr-languages' Snowball French (here `snowballstemmer`, same Snowball
rules), and the Arabic light stemmer, whose affix lists are exported from
`mirsad.text.arabic` and applied by a dozen lines of search.js with the
same length limits. The browser tests run every word of the sample site
through both sides and compare (measured on larger word lists too: 9,302
Arabic, 19,289 English and 27,192 French words; one difference, the
English non-word "ies").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lunr.stemmer import PorterStemmer

from mirsad.text import arabic
from mirsad.text.stopwords import stopwords
from mirsad.text.tables import as_sequence

# Latin letters whose accents are folded: Latin-1 Supplement and Latin
# Extended-A/B (French, and the names of other languages it quotes).
LATIN = range(0x00C0, 0x0250)
# Ligatures and letters that NFD does not decompose into a base letter.
LATIN_EXTRA: dict[str, str] = {"æ": "ae", "œ": "oe", "ø": "o", "ß": "ss", "đ": "d", "ł": "l", "ı": "i"}
# A term is a run of letters and digits; `re`'s \w also matches "_".
SEPARATORS = re.compile(r"[\W_]+")


def _fold_char(char: str) -> str:
    """What folding makes of one character, after NFKC and lower-casing."""
    folded = char.translate(arabic.TABLE).casefold()
    if len(folded) == 1 and ord(folded) in LATIN:
        base = unicodedata.normalize("NFD", folded)[0]
        folded = LATIN_EXTRA.get(folded, base if base.isascii() else folded)
    return LATIN_EXTRA.get(folded, folded)


@functools.cache
def fold_table() -> dict[str, str]:
    """Every character that folding changes (once lower-cased, as the browser
    does first), with its replacement, in code point order. Made on first
    use, in the process that builds the indexes, not at import."""
    # The only characters _fold_char can change: those of the Arabic table,
    # the Latin ranges, the extra letters, and those case folding changes,
    # looked for in the Basic Multilingual Plane (NFKC has already folded the
    # letter-like symbols of the other planes, whose letters have no accents).
    changing = {chr(code) for code in arabic.TABLE} | {chr(code) for code in LATIN} | set(LATIN_EXTRA)
    changing |= {char for char in map(chr, range(0x10000)) if char.casefold() != char}
    table = {}
    for char in sorted(changing):
        if char.lower() != char or 0xD800 <= ord(char) <= 0xDFFF:
            continue  # the browser lower-cases before it looks characters up
        folded = _fold_char(char)
        if folded != char:
            table[char] = folded
    return table


@functools.cache
def _fold_translation() -> list[int | str | None]:
    return as_sequence(str.maketrans(fold_table()))


def fold(text: str) -> str:
    """Fold `text` for matching (never for display)."""
    return arabic.normalise(text).lower().translate(_fold_translation())


def words(text: str) -> list[str]:
    """The folded words of `text`, stopwords and all."""
    return [word for word in SEPARATORS.split(fold(text)) if word]


@dataclass(frozen=True)
class Stemmer:
    """A stemmer known to both sides under one lunr pipeline label."""

    lang: str
    stem: Callable[[str], str]
    # The browser's implementation: the name of a lunr stemmer defined by
    # the vendored `scripts` ("lunr.fr.stemmer"), or ARABIC: search.js's
    # light stemmer, applying the affixes that browser_data() exports.
    browser: str
    scripts: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The pipeline label; the index names its query pipeline by label."""
        return f"mirsad-stem-{self.lang}"


class LunrJsPorter(PorterStemmer):
    """lunr.js 2.3.9's Porter stemmer. lunr.py ports the classic algorithm,
    whose step 1c turns a final y into i after any vowel ("day" -> "dai");
    lunr.js only does so after a consonant that is not the first letter
    ("cry" -> "cri", "day" and "by" stay), so "day" typed in the browser
    would never meet "dai" in the index. The one rule that differs (the
    browser tests compare both stemmers on every word of the sample site)."""

    def step1c(self) -> None:
        if self.ends("y") and self.j > self.k0 and self.b[self.j] not in "aeiou":
            self.b = self.b[: self.k] + "i" + self.b[self.k + 1:]


_porter = LunrJsPorter()


def _snowball(language: str) -> Callable[[str], str]:
    @functools.cache
    def stemmer() -> Callable[[str], str]:
        import snowballstemmer  # on first use: it loads every language's stemmer (50 ms)

        return snowballstemmer.stemmer(language).stemWord

    return lambda word: stemmer()(word)


ARABIC = "arabic"
STEMMERS: dict[str, Stemmer] = {
    "ar": Stemmer("ar", arabic.light_stem, ARABIC),
    "en": Stemmer("en", lambda word: _porter.stem(word), "lunr.stemmer"),
    # Snowball French: snowballstemmer 2.2.0 here, lunr-languages 1.22.0 in
    # the browser (the same rules: newer Snowball releases stem "-aise"
    # differently).
    "fr": Stemmer("fr", _snowball("french"), "lunr.fr.stemmer",
                  ("lunr.stemmer.support.min.js", "lunr.fr.min.js")),
}


def stemmer(lang: str) -> Stemmer | None:
    """The stemmer of `lang`; None: terms are matched as folded words."""
    return STEMMERS.get(lang)


def stop_label(lang: str) -> str:
    return f"mirsad-stop-{lang}"


def folded_stopwords(lang: str) -> frozenset[str]:
    return frozenset(fold(word) for word in stopwords(lang))


def pipeline_labels(lang: str) -> list[str]:
    """The index's pipeline, by the labels the browser registers its own
    functions under (search.js): the query side runs the same steps."""
    chosen = stemmer(lang)
    return [stop_label(lang), *([chosen.label] if chosen else [])]


@functools.cache
def term_function(lang: str) -> Callable[[str], str | None]:
    """The pipeline of `lang` as one function: a folded word's index term,
    or None for a stopword. A site repeats its words: each distinct word is
    looked at once."""
    stop = folded_stopwords(lang)
    chosen = stemmer(lang)
    stem = chosen.stem if chosen else str

    @functools.lru_cache(maxsize=1 << 17)
    def term(word: str) -> str | None:
        return None if word in stop else stem(word)

    return term


def terms(text: str, lang: str) -> list[str]:
    """The index terms of `text` in `lang`, in order (for tests and benches)."""
    term = term_function(lang)
    return [found for found in map(term, words(text)) if found]


def browser_data(lang: str) -> dict[str, Any]:
    """What search.js needs to treat a query as the index treated documents."""
    data: dict[str, Any] = {
        "fold": fold_table(),
        "stop": {"label": stop_label(lang), "words": sorted(folded_stopwords(lang))},
    }
    chosen = stemmer(lang)
    if chosen is not None:
        data["stem"] = {"label": chosen.label, "function": chosen.browser}
    if chosen is not None and chosen.browser == ARABIC:
        data["arabic"] = {
            "conjunction": "و",
            "prefixes": list(arabic.PREFIXES),
            "proclitics": arabic.PROCLITICS,
            "suffixes": list(arabic.SUFFIXES),
        }
    return data
