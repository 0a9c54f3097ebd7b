"""Tokens that must survive translation: Latin-script words and acronyms
("GECOL"), numbers, dates, URLs, e-mail addresses and @handles written in
a sentence of another script reach the target unchanged.

A professional pipeline checks them after the engine, as a QA step: a
token the output lacks is restored in place where the output shows where
it belongs (the engine wrote it slightly otherwise: "Gecol", "@UNSMILLibya";
or it dropped it beside a word whose place in the output is known, such as
a glossary term: "National Oil Corporation (NOC)"), and otherwise the
sentence is flagged. The engine itself reads the sentence as written.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from typing import NamedTuple

# A token: a run of non-space characters holding a Latin letter or a digit
# (Western or Arabic-Indic), without the brackets and punctuation around it.
_CANDIDATE = re.compile(r"\S+")
_KEPT_CHARACTERS = re.compile(r"[A-Za-z0-9\u0660-\u0669\u06f0-\u06f9]")
_EDGE = "()[]{}«»\"'“”‘’.,;:!?،؛؟…%٪"
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# Around a token in the source, what may stand between it and a neighbour
# whose place in the output is known, for the token to be put back there.
_ADJACENT = re.compile(r"^[\s()\[\]«»\"'“”]*$")
SIMILAR = 0.7  # least similarity of a word of the output to a token it stands for


class Token(NamedTuple):
    start: int  # in the source sentence
    end: int
    text: str  # as written
    wanted: str  # as it must appear in the target


class Anchor(NamedTuple):
    """Something whose place is known in both the source and the output."""

    source_start: int
    source_end: int
    output_start: int
    output_end: int


class Repair(NamedTuple):
    start: int  # in the output
    end: int  # == start for an insertion
    text: str
    note: str  # what was restored, for the report


def protected_tokens(text: str, source_lang: str, target_lang: str, skip: list[tuple[int, int]]) -> list[Token]:
    """The tokens of `text` that must reach the target unchanged, outside
    the `skip` ranges (glossary terms, hashtags, code: handled elsewhere).
    Only in a sentence whose own script is not Latin: in Latin text every
    word is such a token and translating is changing them."""
    if source_lang in _LATIN_LANGUAGES:
        return []
    found = []
    for match in _CANDIDATE.finditer(text):
        start, end = match.span()
        while start < end and text[start] in _EDGE:
            start += 1
        while end > start and text[end - 1] in _EDGE and not _ends_a_name(text, start, end):
            end -= 1
        token = text[start:end]
        if not _KEPT_CHARACTERS.search(token) or any(ch.isalpha() and not _latin(ch) for ch in token):
            continue  # an Arabic word (with a digit in it, say) is the engine's to translate
        if any(start < b and end > a for a, b in skip):
            continue
        wanted = token if target_lang in _KEEP_DIGITS else token.translate(_ARABIC_DIGITS)
        found.append(Token(start, end, token, wanted))
    return found


def missing(tokens: list[Token], output: str) -> list[Token]:
    """The tokens `output` does not hold as written (as a whole word)."""
    return [token for token in tokens if not _find(output, token.wanted)]


def repairs(source: str, output: str, tokens: list[Token], anchors: list[Anchor],
            taken: list[tuple[int, int]]) -> tuple[list[Repair], list[Token]]:
    """Where each token `output` lacks goes back into it (outside the
    `taken` ranges), and the tokens that could not be put back. Tokens it
    holds anchor the others, as the `anchors` do."""
    done: list[Repair] = []
    left: list[Token] = []
    lost = missing(tokens, output)
    known = [*anchors, *(Anchor(t.start, t.end, *_find(output, t.wanted)) for t in tokens if t not in lost)]
    for token in lost:
        repair = _written_otherwise(output, token, taken + [(r.start, r.end) for r in done]) \
            or beside_anchor(source, token, known)
        if repair is None:
            left.append(token)
        else:
            done.append(repair)
    return done, left


def _written_otherwise(output: str, token: Token, taken: list[tuple[int, int]]) -> Repair | None:
    """A word of the output that is the token written otherwise ("Gecol",
    "@UNSMILLibya", "unsmil-info @ un.org"): replaced by the token."""
    best, where = 0.0, None
    words = list(re.finditer(r"\S+", output))
    for size in (1, 2, 3):
        for index in range(len(words) - size + 1):
            start, end = words[index].start(), words[index + size - 1].end()
            while start < end and output[start] in _EDGE:
                start += 1
            while end > start and output[end - 1] in _EDGE:
                end -= 1
            if start == end or any(start < b and end > a for a, b in taken):
                continue
            candidate = output[start:end]
            if not _same_script(candidate, token.wanted):
                continue
            score = SequenceMatcher(None, _letters(candidate), _letters(token.wanted)).ratio()
            if score > best:
                best, where = score, (start, end)
    if where is None or best < SIMILAR:
        return None
    return Repair(*where, token.wanted, f"{output[where[0]:where[1]]!r} → {token.wanted!r}")


def beside_anchor(source: str, token: Token, anchors: list[Anchor]) -> Repair | None:
    """A token (or a glossary term) dropped right after (or before) an anchor goes back after
    (before) the anchor's translation, with the brackets it had."""
    for anchor in sorted(anchors, key=lambda a: token.start - a.source_end):
        between = source[anchor.source_end:token.start]
        if anchor.source_end <= token.start and _ADJACENT.match(between):
            opening, closing = _brackets(source, token)
            text = f" {opening}{token.wanted}{closing}"
            return Repair(anchor.output_end, anchor.output_end, text, f"{token.wanted!r} put back after its neighbour")
    for anchor in anchors:
        between = source[token.end:anchor.source_start]
        if token.end <= anchor.source_start and _ADJACENT.match(between):
            opening, closing = _brackets(source, token)
            text = f"{opening}{token.wanted}{closing} "
            return Repair(anchor.output_start, anchor.output_start, text,
                          f"{token.wanted!r} put back before its neighbour")
    return None


def _brackets(source: str, token: Token) -> tuple[str, str]:
    before, after = source[token.start - 1:token.start], source[token.end:token.end + 1]
    pairs = {"(": ")", "[": "]", "«": "»", '"': '"'}
    return (before, after) if before in pairs and pairs[before] == after else ("", "")


def _find(output: str, wanted: str) -> tuple[int, int] | None:
    match = re.search(r"(?<![\w@.-])" + re.escape(wanted) + r"(?![\w@-]|\.\w)", output)
    return match.span() if match else None


def _ends_a_name(text: str, start: int, end: int) -> bool:
    """"U.S." keeps its last dot; a sentence's full stop does not belong to the token."""
    return text[end - 1] == "." and re.fullmatch(r"(?:[A-Za-z]\.){2,}", text[start:end]) is not None


def _latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN")


def _letters(text: str) -> str:
    return re.sub(r"[\W_]", "", text.lower())


def _same_script(candidate: str, token: str) -> bool:
    if _LATIN_LETTER.search(token):
        return bool(_LATIN_LETTER.search(candidate))
    return bool(re.search(r"\d", candidate))


_LATIN_LANGUAGES = {"en", "fr", "de", "es", "it", "pt", "nl", "tr", "pl"}
_KEEP_DIGITS = {"ar", "fa", "ur"}  # targets that may write the source's own digits
