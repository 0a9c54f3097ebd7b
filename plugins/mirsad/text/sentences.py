"""One sentence splitter for the whole project (translation and summaries).

Rule-based on purpose: argostranslate's splitters (Stanza, MiniSBD) download
models at run time, and briefings need only a few rules: a sentence ends at
. ! ? ؟ … (with any closing quotes or brackets) followed by white space or
the end, and a blank line (a paragraph break) ends a sentence. A single
line break is Markdown's soft break, a space: a paragraph wrapped at any
column gives the same sentences as on one line. Decimal points (1.2),
initials (U.S.) and a few abbreviations per language do not end a sentence.
"""

from __future__ import annotations

import re

# Terminal punctuation, then optional closing quotes/brackets, then a space.
# French sets a (narrow) no-break space before » ("… secrètes. »"): the »
# belongs to the sentence, not to the next one.
_BOUNDARY = re.compile(r"""[.!?؟…]+(?:[\u00a0\u202f]?["'»”’)\]])*(?=\s|$)""")
_ABBREVIATIONS = {
    "en": {"mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "st", "no", "vs", "e.g", "i.e", "etc", "jan", "feb", "aug", "sept", "oct", "nov", "dec"},
    "fr": {"m", "mm", "mme", "mlle", "dr", "pr", "gén", "col", "st", "ste", "n°", "p.ex", "cf", "etc", "av", "apr", "janv", "févr", "sept", "oct", "nov", "déc"},
}
_LAST_WORD = re.compile(r"(\S+)$")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_INITIALS = re.compile(r"^([a-z]\.)*[a-z]$")


def sentence_spans(text: str, lang: str = "ar") -> list[tuple[int, int]]:
    """(start, end) of each sentence, white space between sentences excluded.

    Joining the text between spans back unchanged gives the original text, so
    callers can translate sentence by sentence and keep the spacing."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph_break in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = paragraph_break.start() if paragraph_break else len(text)
        # A soft break is white space like a space: the same length, so offsets hold.
        paragraph = text[offset:end].replace("\n", " ")
        spans += [(offset + start, offset + stop) for start, stop in _line_spans(paragraph, lang)]
        offset = paragraph_break.end() if paragraph_break else end
    return spans


def split_sentences(text: str, lang: str = "ar") -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text, lang)]


def _line_spans(line: str, lang: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _BOUNDARY.finditer(line):
        if _is_abbreviation(line[start:match.start()], match.group(0), lang):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(line)))
    return [_strip(line, s, e) for s, e in spans if line[s:e].strip()]


def _is_abbreviation(before: str, punctuation: str, lang: str) -> bool:
    if punctuation != ".":
        return False
    word = _LAST_WORD.search(before)
    if not word:
        return False
    token = word.group(1).lower().lstrip("(«\"'")
    if _INITIALS.match(token):
        return True  # initials: "U.S.", "G. Salamé"
    return token in _ABBREVIATIONS.get(lang, set())


def _strip(line: str, start: int, end: int) -> tuple[int, int]:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return start, end
