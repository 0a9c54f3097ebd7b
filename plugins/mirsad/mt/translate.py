"""Translate segments with their markup, hashtags and glossary terms.

Each segment is translated whole (the best quality), then every span is
found in the output and re-injected: a link around its translated text, a
glossary term replaced by the glossary's rendering, a hashtag re-formed.
When a span cannot be found, the sentence is translated piece by piece
around its spans instead, which can never lose or duplicate markup.

Jobs are generators that yield the texts they need translated; the driver
runs all jobs of a build in lockstep, so each round is one batched engine
call over every briefing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Generator
from typing import NamedTuple

from .engines.engine import Translation, combined_confidence
from .glossary import Glossary
from .segments import Segment, Span

Job = Generator[list[str], list[str], tuple[str, str]]  # yields texts, returns (html, plain)


class Translated(NamedTuple):
    """A segment translated with its markup: HTML fragment, its plain text, and
    the engine's confidence (None when the engine gives none)."""

    html: str
    plain: str
    confidence: float | None

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩٫٬", "0123456789.,")
_ARABIC_PUNCTUATION = str.maketrans({"،": ",", "؛": ";", "؟": "?", "٪": "%"})
_NO_SPACE_BEFORE = re.compile(r"\s+([,.;:!?%)\]»])")
_NO_SPACE_AFTER = re.compile(r"([(\[«])\s+")
_CLOSING, _OPENING = ",.;:!?%)]»", "([«"


def localise_untranslated(text: str, target: str) -> str:
    """Digits and punctuation outside translated text, in the target's script."""
    if target == "ar":
        return text
    return text.translate(_ARABIC_DIGITS).translate(_ARABIC_PUNCTUATION)


class SegmentJobs:
    def __init__(self, glossary: Glossary, target: str):
        self.glossary, self.target = glossary, target

    def job(self, segment: Segment) -> Job:
        full, *renderings = yield [_mt_text(segment)] + [s.source for s in segment.spans if s.kind in ("hashtag", "term")]
        rendered = iter(renderings)
        inner = {}
        for span in segment.spans:
            if span.kind == "element":
                inner[id(span)] = yield from self.job(span.inner)
        claims = []
        for span in segment.spans:
            model = next(rendered) if span.kind in ("hashtag", "term") else None
            if span.kind == "term" and self.glossary.rendering(span.source, self.target) is None:
                continue  # no rendering decided for this language: the engine's stands
            claim = self._claim(full, span, model, inner.get(id(span)), claims)
            if claim is None:
                return (yield from self._piecewise(segment, inner))
            claims.append(claim)
        return _assemble(full, claims)

    def _claim(self, full: str, span: Span, model: str | None, inner, claims) -> tuple[int, int, str] | None:
        """Where the span's translation sits in `full`, and what replaces it."""
        if span.kind == "element":
            inner_html, inner_plain = inner
            found = _find(full, inner_plain, claims)
            return found and (*found, f"<{span.tag}{span.attrs}>{inner_html}</{span.tag}>")
        if span.kind == "verbatim":
            found = _find(full, span.source, claims)
            return found and (*found, f"<{span.tag}{span.attrs}>{html.escape(span.source, quote=False)}</{span.tag}>")
        wanted = self.glossary.rendering(span.source, self.target)
        for candidate in filter(None, (wanted, model)):
            # The engine saw a hashtag's bare word, but a model that met the hashtag
            # in training may write its "#" all the same: the span takes it in.
            found = _find(full, candidate, claims, lead="#*" if span.kind == "hashtag" else "")
            if found:
                rendering = wanted or full[found[0]:found[1]].lstrip("#")
                return (*found, html.escape(self._span_target(span, rendering), quote=False))
        return None

    def _span_target(self, span: Span, rendering: str) -> str:
        return "#" + rendering.replace(" ", "_") if span.kind == "hashtag" else rendering

    def _piecewise(self, segment: Segment, inner) -> Job:
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
                words.append((yield from self._span_html(value, inner)))
        fragment = _join([w for w in words if w])
        return fragment, html.unescape(re.sub(r"<[^>]+>", "", fragment))

    def _span_html(self, span: Span, inner) -> Generator[list[str], list[str], str]:
        if span.kind == "element":
            inner_html, _ = inner[id(span)]
            return f"<{span.tag}{span.attrs}>{inner_html}</{span.tag}>"
        if span.kind == "verbatim":
            return f"<{span.tag}{span.attrs}>{html.escape(span.source, quote=False)}</{span.tag}>"
        rendering = self.glossary.rendering(span.source, self.target)
        if rendering is None:
            rendering = (yield [span.source])[0]
        return html.escape(self._span_target(span, rendering), quote=False)


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
    return {key: Translated(*results[key], combined_confidence(asked[key])) for key in results}


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


def _mt_text(segment: Segment) -> str:
    """The sentence as the engine sees it: hashtags as plain words."""
    text, position = "", 0
    for span in segment.spans:
        text += segment.text[position:span.start]
        text += span.source if span.kind == "hashtag" else segment.text[span.start:span.end]
        position = span.end
    return text + segment.text[position:]


def _find(full: str, needle: str, claims, lead: str = "") -> tuple[int, int] | None:
    """The first unclaimed place of `needle` in `full`, with what the pattern `lead` matches before it."""
    if not needle.strip():
        return None
    for match in re.finditer(lead + re.escape(needle.strip()), full, flags=re.IGNORECASE):
        if all(match.end() <= s or match.start() >= e for s, e, _ in claims):
            return match.start(), match.end()
    return None


def _assemble(full: str, claims) -> tuple[str, str]:
    out, position = [], 0
    for start, end, replacement in sorted(claims):
        out += [html.escape(full[position:start], quote=False), replacement]
        position = end
    out.append(html.escape(full[position:], quote=False))
    fragment = "".join(out)
    return fragment, html.unescape(re.sub(r"<[^>]+>", "", fragment))
