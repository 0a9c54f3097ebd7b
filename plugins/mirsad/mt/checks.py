"""Failed machine output, caught whatever engine wrote it (the local
CTranslate2 models of every family, LibreTranslate servers, a pivot): a
repetition loop, output still in the source's script, empty or cut-off
output, a length far from the pair's norm. The pipeline applies these to
every translated sentence; a sentence they catch is flagged with the
reason, listed in the build report and the review pages, and counts as
below MIRSAD_MT['low_confidence'].

The rules are the usual quality-estimation heuristics of translation
pipelines; each reason names what it saw, so an editor can judge.
"""

from __future__ import annotations

import re
import unicodedata

# Output characters per source character, by pair (medians of news text;
# the test corpus gives ar→en 1.32, ar→fr 1.46, en→fr 1.13). "Far outside"
# is beyond FAR times (or below 1/FAR times) the norm.
LENGTH_NORMS = {("ar", "en"): 1.3, ("ar", "fr"): 1.45, ("en", "fr"): 1.15, ("fr", "en"): 0.87,
                ("en", "ar"): 0.77, ("fr", "ar"): 0.69}
FAR = 2.5
LEAST_MEASURED = 20  # source characters below which lengths say nothing
LEAST_SCRIPT_LETTERS = 8  # output letters below which the script says nothing
SCRIPTS = {"ar": "ARABIC", "fa": "ARABIC", "ur": "ARABIC", "he": "HEBREW", "el": "GREEK", "ru": "CYRILLIC",
           "uk": "CYRILLIC", "bg": "CYRILLIC", "hi": "DEVANAGARI", "en": "LATIN", "fr": "LATIN", "de": "LATIN",
           "es": "LATIN", "it": "LATIN", "pt": "LATIN", "nl": "LATIN", "tr": "LATIN", "pl": "LATIN"}
_WORD_LOOP = re.compile(r"(?<!\w)((?:\w+[\s,]+){1,4}?)\1{2,}", re.IGNORECASE)  # "eu eu eu", "a b a b a b"
_LAST_WORD_LOOP = re.compile(r"(?<!\w)(\w+)(?:[\s,]+\1){2,}(?!\w)", re.IGNORECASE)
_SYLLABLE_LOOP = re.compile(r"([^\W\d_]{2,5})\1{2,}")  # "ièreièreière"
_LETTER_RUN = re.compile(r"([^\W\d_])\1{3,}")  # "mmmm"
_TERMINAL = re.compile(r"""[.!?؟…]["'»”’)\]]*\s*$""")


def failures(source: str, output: str, source_lang: str, target_lang: str) -> list[str]:
    """Why `output` cannot be a translation of `source` (empty: nothing seen)."""
    if not output.strip():
        return ["empty output"] if any(ch.isalpha() for ch in source) else []
    reasons = []
    loop = repetition(output, source)
    if loop:
        reasons.append(f"repetition loop ({loop!r})")
    script = _source_script(output, source_lang, target_lang)
    if script:
        reasons.append(f"output still in the source's script ({script.title()})")
    ratio, norm = len(output.strip()) / max(1, len(source.strip())), LENGTH_NORMS.get((source_lang, target_lang), 1.0)
    measured = len(source.strip()) >= LEAST_MEASURED
    if measured and _TERMINAL.search(source) and not _TERMINAL.search(output) and ratio < norm / 2:
        reasons.append(f"cut off (ends {output.strip()[-20:]!r}, {ratio:.2f} of the source's length)")
    elif measured and not norm / FAR <= ratio <= norm * FAR:
        reasons.append(f"length ratio {ratio:.2f}, far outside {source_lang}→{target_lang}'s norm {norm:g}")
    return reasons


def repetition(output: str, source: str = "") -> str:
    """The looping part of `output`, unless the source loops the same way."""
    for pattern in (_LAST_WORD_LOOP, _WORD_LOOP, _LETTER_RUN, _SYLLABLE_LOOP):
        match = pattern.search(output + " " if pattern is _WORD_LOOP else output)
        if match and not pattern.search(source):
            return match.group(0).strip()
    return ""


def _source_script(output: str, source_lang: str, target_lang: str) -> str:
    """The source's script, when most letters of the output are in it and
    the target writes another one."""
    source_script, target_script = SCRIPTS.get(source_lang), SCRIPTS.get(target_lang)
    if source_script is None or source_script == target_script:
        return ""
    scripts = [unicodedata.name(ch, "UNKNOWN").split(" ")[0] for ch in output if ch.isalpha()]
    if len(scripts) >= LEAST_SCRIPT_LETTERS and scripts.count(source_script) > len(scripts) / 2:
        return source_script
    return ""
