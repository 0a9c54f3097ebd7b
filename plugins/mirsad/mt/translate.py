"""Translate segments with their markup, hashtags and glossary terms.

The engine reads each sentence as written (its text without the markup:
hashtags, terms, link texts and code as they are), and that whole-sentence
translation is what is published. Then everything is placed in it:

- a hashtag: the output's own hashtags, in order; else the hashtag word's
  translation, found in the output, takes its "#";
- a glossary term: its rendering, when the output has it; else the model's
  own rendering of the term (the term translated alone, found in the
  output, exactly or nearly) is replaced by the glossary's (post-editing,
  which keeps the sentence whole); else the sentence is flagged with the
  term and the wanted rendering;
- a link, emphasis or code: around its text's translation (code: its text)
  found in the output, exactly or nearly;
- a token that must survive (tokens.py): put back where it can be, else the
  sentence is flagged.

Only markup that cannot be placed (a link, code, emphasis: the editor's
markup is never lost or doubled) makes the sentence translate in fragments
around it, the last resort: it is flagged and counted in the build report. Every result is checked for
failed output (checks.py).

Jobs are generators that yield the texts they need translated; the driver
runs all jobs of a build in lockstep, so each round is one batched engine
call over every briefing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Generator
from difflib import SequenceMatcher
from typing import NamedTuple

from . import tokens as protected
from .checks import failures
from .engines.engine import Translation, combined_confidence
from .glossary import Glossary
from .segments import Segment, Span

FRAGMENTS = "translated in fragments"  # the flag of the last resort, counted in the report
NEARLY = 0.8  # least similarity of output words to a span's translation, to place the span there


class Outcome(NamedTuple):
    html: str
    plain: str
    flags: tuple[str, ...] = ()  # why the sentence needs a reviewer's eye
    raw: str = ""  # the engine's output for the whole text, before anything was placed in it


Job = Generator[list[str], list[str], Outcome]


class Translated(NamedTuple):
    """A segment translated with its markup: HTML fragment, its plain text,
    the engine's confidence (None when the engine gives none) and its flags."""

    html: str
    plain: str
    confidence: float | None
    flags: tuple[str, ...] = ()


_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬", "0123456789.,")
_ARABIC_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "؟": "?", "٪": "%"})
_NO_SPACE_BEFORE = re.compile(r"\s+([,.;:!?%)\]»])")
_NO_SPACE_AFTER = re.compile(r"([(\[«])\s+")
_CLOSING, _OPENING = ",.;:!?%)]»", "([«"
_HASHTAG = re.compile(r"#\w+")


def localise_untranslated(text: str, target: str) -> str:
    """Digits and punctuation outside translated text, in the target's script."""
    if target == "ar":
        return text
    return text.translate(_ARABIC_DIGITS).translate(_ARABIC_PUNCTUATION)


class SegmentJobs:
    def __init__(self, glossary: Glossary, source: str, target: str):
        self.glossary, self.source, self.target = glossary, source, target

    def job(self, segment: Segment) -> Job:
        (full,) = yield [segment.text]
        inner: dict[int, Outcome] = {}
        for span in segment.spans:
            if span.kind == "element":
                inner[id(span)] = yield from self.job(span.inner)
        claims: list[tuple[int, int, str]] = []
        anchors: list[protected.Anchor] = []
        flags = [flag for outcome in inner.values() for flag in outcome.flags]
        for span in segment.spans:
            if span.kind in ("element", "verbatim"):
                found = _placed(full, _plain_of(span, inner), claims)
                if found is None:
                    return (yield from self._piecewise(segment, inner, f"{span.tag}: {span.source!r} not placed"))
                claims.append((*found, _span_html(span, inner)))
                anchors.append(protected.Anchor(span.start, span.end, *found))
        unplaced = self._place_hashtags(segment, full, claims, anchors)
        unplaced += self._place_terms(segment, full, claims, anchors)
        if unplaced:
            alone = yield [span.source for span in unplaced]
            for span, model in zip(unplaced, alone):
                placed = self._place(span, full, model, claims, anchors)
                if not placed and not self._put_back(span, segment, claims, anchors):
                    flags.append(self._unplaced(span))
        flags += self._repair_tokens(segment, full, claims, anchors)
        fragment, plain = _assemble(full, claims)
        return Outcome(fragment, plain, tuple(flags), full)

    def _place_hashtags(self, segment: Segment, full: str, claims, anchors) -> list[Span]:
        """The output's hashtags, when there are as many as in the source;
        else the hashtags still to find (by their words' translation)."""
        spans = [span for span in segment.spans if span.kind == "hashtag"]
        written = [m for m in _HASHTAG.finditer(full) if _free(claims, *m.span())]
        if len(written) != len(spans):
            return spans
        for span, match in zip(spans, written):
            wanted = self.glossary.rendering(span.source, self.target)
            rendering = _hashtag(wanted) if wanted is not None else match.group(0)
            self._claim(span, match.span(), html.escape(rendering, quote=False), claims, anchors)
        return []

    def _place_terms(self, segment: Segment, full: str, claims, anchors) -> list[Span]:
        """Terms whose rendering the output has; the others, still to place."""
        left = []
        for span in segment.spans:
            if span.kind != "term":
                continue
            wanted = self.glossary.rendering(span.source, self.target)
            if wanted is None:
                continue  # no rendering decided for this language: the engine's stands
            found = _find(full, wanted, claims)
            if found:
                self._claim(span, found, html.escape(wanted, quote=False), claims, anchors)
            else:
                left.append(span)
        return left

    def _place(self, span: Span, full: str, model: str, claims, anchors) -> bool:
        """A hashtag or term placed by the model's own translation of it
        alone (exact, then nearly), which its rendering then replaces."""
        wanted = self.glossary.rendering(span.source, self.target)
        lead = "#*" if span.kind == "hashtag" else ""
        found = None
        for candidate in filter(None, (wanted, model)):
            found = found or _find(full, candidate, claims, lead)
        for candidate in filter(None, (wanted, model)):
            found = found or _nearly(full, candidate, claims)
        if found is None:
            return False
        if span.kind == "hashtag":
            rendering = _hashtag(wanted if wanted is not None else full[found[0]:found[1]].lstrip("#"))
        else:
            rendering = wanted
        self._claim(span, found, html.escape(rendering, quote=False), claims, anchors)
        return True

    def _put_back(self, span: Span, segment: Segment, claims, anchors) -> bool:
        """A term the engine dropped, beside a neighbour whose place is known
        ("National Oil Corporation (NOC)"), as a lost token is."""
        wanted = self.glossary.rendering(span.source, self.target)
        if span.kind != "term" or wanted is None:
            return False
        token = protected.Token(span.start, span.end, segment.text[span.start:span.end], wanted)
        repair = protected.beside_anchor(segment.text, token, anchors)
        if repair is not None:
            claims.append((repair.start, repair.end, html.escape(repair.text, quote=False)))
        return repair is not None

    def _unplaced(self, span: Span) -> str:
        wanted = self.glossary.rendering(span.source, self.target)
        if span.kind == "hashtag":
            return f"hashtag #{span.source.replace(' ', '_')} not found in the translation"
        return f"glossary: {span.source!r} should read {wanted!r}, which the translation does not hold"

    @staticmethod
    def _claim(span: Span, found: tuple[int, int], replacement: str, claims, anchors) -> None:
        claims.append((*found, replacement))
        anchors.append(protected.Anchor(span.start, span.end, *found))

    def _repair_tokens(self, segment: Segment, full: str, claims, anchors) -> list[str]:
        # A token inside a span is that span's (a link's text: its own job's).
        skip = [(span.start, span.end) for span in segment.spans]
        wanted = protected.protected_tokens(segment.text, self.source, self.target, skip)
        outside = _outside_claims(full, claims)
        repairs, lost = protected.repairs(segment.text, outside, wanted, anchors,
                                          [(start, end) for start, end, _ in claims])
        for repair in repairs:
            claims.append((repair.start, repair.end, html.escape(repair.text, quote=False)))
        return [f"{token.text!r} lost in the translation" for token in lost]

    def _piecewise(self, segment: Segment, inner, why: str) -> Job:
        parts, asks, position = [], [], 0
        for span in segment.spans + [None]:
            end = span.start if span else len(segment.text)
            piece = segment.text[position:end].strip()
            if piece:
                if any(ch.isalpha() for ch in piece):
                    parts.append(("ask", len(asks)))
                    asks.append(piece)
                else:
                    parts.append(("html", html.escape(localise_untranslated(piece, self.target), quote=False)))
            if span:
                parts.append(("span", span))
                position = span.end
        answers = yield asks
        words = []
        for kind, value in parts:
            if kind == "ask":
                words.append(_tidy(html.escape(answers[value], quote=False)))
            elif kind == "html":
                words.append(_tidy(value))
            else:
                words.append((yield from self._span_alone(value, inner)))
        fragment = _join([w for w in words if w])
        flags = [f"{FRAGMENTS} ({why})"] + [flag for outcome in inner.values() for flag in outcome.flags]
        return Outcome(fragment, _plain(fragment), tuple(flags), _plain(fragment))

    def _span_alone(self, span: Span, inner) -> Generator[list[str], list[str], str]:
        if span.kind in ("element", "verbatim"):
            return _span_html(span, inner)
        rendering = self.glossary.rendering(span.source, self.target)
        if rendering is None:
            rendering = (yield [span.source])[0]
        return html.escape(_hashtag(rendering) if span.kind == "hashtag" else rendering, quote=False)


def checked(outcome: Outcome, source: str, source_lang: str, target: str) -> tuple[str, ...]:
    """The outcome's flags and those of the failed-output checks (checks.py)."""
    return outcome.flags + tuple(failures(source, outcome.plain, source_lang, target))


def run_jobs(jobs: dict, translate: Callable[[list[str]], list[Translation]]) -> dict[object, Translated]:
    """Drive all jobs to completion, one batched `translate` call per round.
    A job's confidence is that of the least confident text it asked for."""
    results, pending, asked = {}, {}, {key: [] for key in jobs}
    for key, job in jobs.items():
        _advance(key, job, None, pending, results)
    while pending:
        texts = list(dict.fromkeys(t for _, asks in pending.values() for t in asks))
        translated = dict(zip(texts, translate(texts)))
        current, pending = pending, {}
        for key, (job, asks) in current.items():
            asked[key] += [translated[t].confidence for t in asks]
            _advance(key, job, [translated[t].text for t in asks], pending, results)
    return {key: Translated(outcome.html, outcome.plain, combined_confidence(asked[key]), outcome.flags)
            for key, outcome in results.items()}


def _advance(key, job, answer, pending, results) -> None:
    try:
        while True:
            asks = job.send(answer) if answer is not None else next(job)
            if asks:
                pending[key] = (job, asks)
                return
            answer = []  # nothing to translate this round: continue at once
    except StopIteration as done:
        results[key] = done.value


def _plain_of(span: Span, inner) -> tuple[str, ...]:
    """What an element's text reads in the output: its translation alone, as
    placed (glossary renderings in it) or as the engine gave it."""
    return (inner[id(span)].plain, inner[id(span)].raw) if span.kind == "element" else (span.source,)


def _placed(full: str, candidates: tuple[str, ...], claims) -> tuple[int, int] | None:
    for find in (_find, _nearly):
        for candidate in candidates:
            found = find(full, candidate, claims)
            if found:
                return found
    return None


def _span_html(span: Span, inner) -> str:
    content = inner[id(span)].html if span.kind == "element" else html.escape(span.source, quote=False)
    return f"<{span.tag}{span.attrs}>{content}</{span.tag}>"


def _hashtag(rendering: str) -> str:
    return "#" + rendering.replace(" ", "_")


def _tidy(text: str) -> str:
    return _NO_SPACE_AFTER.sub(r"\1", _NO_SPACE_BEFORE.sub(r"\1", text))


def _join(words: list[str]) -> str:
    """Words and spans with a space between them, none after an opening
    bracket or before punctuation. Only text and the joins are tidied, never
    a span's own HTML: a code span's "[ 0" or "a ." stays as written."""
    out = ""
    for word in words:
        if out and word[0] not in _CLOSING and out[-1] not in _OPENING:
            out += " "
        out += word
    return out


def _free(claims, start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e, _ in claims if s != e)


def _find(full: str, needle: str, claims, lead: str = "") -> tuple[int, int] | None:
    """The first unclaimed place of `needle` in `full`, with what the pattern `lead` matches before it."""
    if not needle.strip():
        return None
    for match in re.finditer(lead + re.escape(needle.strip()), full, flags=re.IGNORECASE):
        if _free(claims, *match.span()):
            return match.start(), match.end()
    return None


def _nearly(full: str, needle: str, claims) -> tuple[int, int] | None:
    """The unclaimed run of output words most like `needle` (at least NEARLY
    alike): "Al Bunyan al-Marsous" for "Al-Bunyan al-Marsous"."""
    size = len(needle.split())
    if not needle.strip() or not size:
        return None
    words = list(re.finditer(r"[^\s,.;:!?»«()\"]+", full))
    best, where = 0.0, None
    for count in {max(1, size - 1), size, size + 1}:
        for index in range(len(words) - count + 1):
            start, end = words[index].start(), words[index + count - 1].end()
            if not _free(claims, start, end):
                continue
            score = SequenceMatcher(None, full[start:end].lower(), needle.strip().lower()).ratio()
            if score > best:
                best, where = score, (start, end)
    if where is None or best < NEARLY:
        return None
    start, end = where
    while end < len(full) and needle.rstrip()[-1:] in _CLOSING and full[end] == needle.rstrip()[-1]:
        end += 1  # the needle's own full stop, left out of the words
    return start, end


def _outside_claims(full: str, claims) -> str:
    """`full` with its claimed ranges blanked (same length: offsets hold)."""
    chars = list(full)
    for start, end, _ in claims:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _assemble(full: str, claims) -> tuple[str, str]:
    out, position = [], 0
    for start, end, replacement in sorted(claims, key=lambda claim: (claim[0], claim[1])):
        out += [html.escape(full[position:start], quote=False), replacement]
        position = end
    out.append(html.escape(full[position:], quote=False))
    fragment = "".join(out)
    return fragment, _plain(fragment)


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))
