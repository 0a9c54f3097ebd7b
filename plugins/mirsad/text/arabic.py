"""Arabic normalisation for matching text, not for showing it.

One implementation for the project: the summariser scores sentences with it,
and the search index is to fold queries and documents with it, so that
"إِنتاج", "انتاج" and "إنتـــاج" are one word. The folding is data
(`MAPPING`, `TABLE`) so that other code (or a search engine's own filter
configuration) can use exactly the same table.

Folding, after Unicode NFKC (which also turns presentation forms such as
"ﻻ" back into letters):
- diacritics (harakat, tanwin, shadda, sukun, superscript alef, Quranic
  marks) and tatweel are removed;
- alef with hamza or madda, and alef wasla, become bare alef (ا);
- hamza on waw (ؤ) and on yeh (ئ) become their carrier (و, ي);
- ta marbuta (ة) becomes heh (ه), alef maqsura (ى) becomes yeh (ي);
- Persian yeh/keheh become Arabic yeh/kaf (text pasted from Persian keyboards);
- Arabic-Indic and extended digits become ASCII digits (٢٠١٧ = 2017);
- invisible joiners and bidi controls are removed;
- then the text is case-folded, for the Latin names and acronyms it contains.
"""

from __future__ import annotations

import unicodedata

from .tables import as_sequence

# Combining marks: harakat and tanwin (064B-065F, which includes hamza above
# and below, 0654/0655), superscript alef, Quranic annotation signs.
DIACRITICS: frozenset[str] = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670"]
    + [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x06D6, 0x06DD)]
    + [chr(c) for c in range(0x06DF, 0x06E5)]
    + ["\u06E7", "\u06E8"]
    + [chr(c) for c in range(0x06EA, 0x06EE)]
)
TATWEEL = "\u0640"
# Zero-width (non-)joiners, directional marks and isolates: invisible, but
# they would split or change words.
FORMAT_CHARACTERS: frozenset[str] = frozenset(
    "\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
LETTERS: dict[str, str] = {
    "أ": "ا",  # alef with hamza above
    "إ": "ا",  # alef with hamza below
    "آ": "ا",  # alef with madda
    "ٱ": "ا",  # alef wasla
    "ٲ": "ا",  # alef with wavy hamza above
    "ٳ": "ا",  # alef with wavy hamza below
    "ؤ": "و",  # waw with hamza
    "ئ": "ي",  # yeh with hamza
    "ة": "ه",  # ta marbuta
    "ى": "ي",  # alef maqsura
    "ی": "ي",  # Persian yeh
    "ک": "ك",  # keheh
}
DIGITS: dict[str, str] = {
    **{chr(0x0660 + n): str(n) for n in range(10)},  # ٠١٢٣٤٥٦٧٨٩
    **{chr(0x06F0 + n): str(n) for n in range(10)},  # ۰۱۲۳۴۵۶۷۸۹
}
# The whole folding as one character table: character -> replacement ("" = removed).
MAPPING: dict[str, str] = {
    **{mark: "" for mark in DIACRITICS},
    TATWEEL: "",
    **{char: "" for char in FORMAT_CHARACTERS},
    **LETTERS,
    **DIGITS,
}
TABLE = str.maketrans(MAPPING)
_TRANSLATION = as_sequence(TABLE)

# Light stemming after Larkey, Ballesteros & Connell, "Light Stemming for
# Arabic Information Retrieval" (2007), stemmer "light10": written out here
# because it is a dozen lines of published rules, whereas the packaged
# stemmers (tashaphyne, qalsadi) are unmaintained and pull dictionaries in.
# The lists are given in folded form (ة -> ه, ى -> ي).
PREFIXES: tuple[str, ...] = ("وال", "بال", "كال", "فال", "لل", "ال")
PROCLITICS = "بل"
SUFFIXES: tuple[str, ...] = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


def normalise(text: str) -> str:
    """Fold `text` for matching (see the module docstring); never for display."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATION).casefold()


def light_stem(word: str) -> str:
    """Strip the conjunction و, the article with its attached prepositions
    (ال، بال، لل، كال، فال، وال), else a preposition ب or ل alone, and
    common suffixes from a folded word.

    Only when enough of the word is left (3 letters after a one-letter
    prefix, 2 after the others), so short words are kept whole."""
    if word.startswith("و") and len(word) >= 4:
        word = word[1:]
    for prefix in PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix):]
            break
    else:
        # Not in light10, which leaves "بسرت", "لداعش" whole; a briefing
        # names the same place or group with and without them. Repeated, so
        # that a word which merely starts with ب or ل meets its own prefixed
        # form: "ليبيا" and "بليبيا" both give "يبيا".
        while word[:1] in PROCLITICS and len(word) >= 4:
            word = word[1:]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word
