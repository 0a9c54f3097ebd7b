"""Machine-translated versions of briefings (and placeholders when a model
is missing), built as Pelican articles next to the reviewed translations."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pelican.contents import Article

from mirsad.common.files import files_digest
from mirsad.i18n.api import inherit_metadata

from .engines.engine import Translation
from .glossary import Glossary
from .memory import TranslationMemory, segment_key
from .routing import Route, Stats
from .segments import Document, Segment, Span, plain_segment
from .translate import SegmentJobs, checked, localise_untranslated, run_jobs

logger = logging.getLogger(__name__)


@dataclass
class Plan:
    """Everything of one briefing to translate into one language."""

    original: Article
    lang: str
    title: Segment
    summary: Segment | None
    key_points: list[Segment]
    document: Document
    alts: list[tuple[object, Segment]] = field(default_factory=list)

    @classmethod
    def of(cls, original: Article, lang: str, glossary: Glossary) -> Plan:
        source = original.lang
        metadata = original.metadata
        summary = metadata.get("summary_text")
        document = Document(original.content, glossary, source)
        return cls(
            original, lang,
            title=plain_segment(original.title, glossary),
            summary=plain_segment(summary, glossary) if summary else None,
            key_points=[plain_segment(p, glossary) for p in metadata.get("key_points") or []],
            document=document,
            alts=[(img, plain_segment(alt, glossary)) for img, alt in document.alt_texts()],
        )

    def segments(self) -> list[Segment]:
        extra = [self.summary] if self.summary else []
        return [self.title, *extra, *self.key_points, *self.document.segments(), *(s for _, s in self.alts)]

    def units(self, translations: dict[int, Translation], glossary: Glossary) -> list[MachineUnit]:
        """Every segment with its machine translation, in reading order, named
        the same way in every build (review pages, XLIFF, reports read them).
        Call it before `build_article`, which rewrites the document."""
        blocks = self.document.blocks()
        named = [("title", self.title)] + ([("summary", self.summary)] if self.summary else [])
        named += [(f"point-{n}", point) for n, point in enumerate(self.key_points, 1)]
        named += [(f"body-{n}", segment) for n, segment in enumerate(self.document.segments(), 1)]
        named += [(f"alt-{n}", segment) for n, (_, segment) in enumerate(self.alts, 1)]
        return [MachineUnit(name, blocks.get(id(segment)), segment.source_html(), translations[id(segment)].text,
                            translations[id(segment)].confidence, _terms(segment, glossary, self.lang),
                            translations[id(segment)].flags)
                for name, segment in named]


@dataclass(frozen=True)
class MachineUnit:
    """One machine-translated segment of a briefing."""

    id: str  # "title", "summary", "point-N", "body-N" (N from 1, in reading order), "alt-N"
    block: int | None  # for body segments: the top-level block they are in (from 0)
    source: str  # the source segment's HTML (inline markup included)
    target: str  # its translation's HTML
    # mirsad.mt.engines.engine.Translation.confidence; 0 when flagged (below any low_confidence)
    confidence: float | None
    terms: tuple[tuple[str, str], ...]  # glossary terms in it: (source term, rendering in the target)
    # Why it needs a reviewer (failed output, lost token, fragments...): a
    # flagged unit counts as below confidence (policy.is_doubtful).
    flags: tuple[str, ...] = ()


def _terms(segment: Segment, glossary: Glossary, lang: str) -> tuple[tuple[str, str], ...]:
    def spans(segment: Segment) -> list[Span]:
        return [nested for span in segment.spans
                for nested in ([span] + (spans(span.inner) if span.inner else []))]

    found = {span.source: glossary.rendering(span.source, lang) for span in spans(segment) if span.kind == "term"}
    return tuple((term, rendering) for term, rendering in found.items() if rendering is not None)


@cache
def assembly_revision() -> str:
    """Of the code that puts markup, hashtags and glossary terms back around
    the engine's output: a final segment that other code assembled is
    assembled again, from the memory's raw sentences (the engine not asked)."""
    here = Path(__file__).parent
    return files_digest([here / name for name in ("segments.py", "translate.py", "glossary.py", "tokens.py",
                                                  "checks.py")])[:16]


def translate_segments(segments: list[Segment], route: Route, glossary: Glossary,
                       memory: TranslationMemory, stats: Stats, source: str) -> dict[int, Translation]:
    """HTML fragment for every segment (by id), from the memory or the engine.
    A flagged translation's confidence is 0: below any low_confidence."""
    pair = f"{source}→{route.target}"
    keys = {id(s): segment_key("final", s.source_html(), pair, route.engine.identity,
                               glossary.key(s.text, route.target), assembly_revision()) for s in segments}
    known = memory.get_many(keys.values())
    todo = {keys[id(s)]: s for s in segments if keys[id(s)] not in known}
    stats.reread[pair] += _read_otherwise(list(todo.values()), route)  # before they are stored
    jobs = SegmentJobs(glossary, source, route.target)
    results = run_jobs({key: jobs.job(segment) for key, segment in todo.items()}, route.engine.translate)
    for key, result in results.items():
        flags = checked(result, todo[key].text, source, route.target)
        known[key] = Translation(result.html, result.confidence, flags)
        memory.put(key, "final", pair, route.engine.identity, todo[key].source_html(), known[key])
    # Counted once stored: an engine that fails above leaves the report's counts as the memory's.
    stats.reused[pair] += len(set(keys.values())) - len(todo)
    stats.translated[pair] += len(todo)
    return {id(s): _flagged_low(known[keys[id(s)]]) for s in segments}


def _flagged_low(translation: Translation) -> Translation:
    return Translation(translation.text, 0.0, translation.flags) if translation.flags else translation


def _read_otherwise(segments: list[Segment], route: Route) -> int:
    """Of the segments to translate, those the engine translated before as
    the earlier reading gave them (their `legacy` texts), and not yet as
    read now: the build translates them again, once, and says so."""
    leg = route.first_leg
    earlier = [segment for segment in segments if segment.legacy]
    if not earlier or not hasattr(leg, "known"):
        return 0
    seen = leg.known([text for segment in earlier for text in (segment.text, *segment.legacy)])
    return sum(1 for segment in earlier if segment.text not in seen and set(segment.legacy) <= seen)


def build_article(plan: Plan, translations: dict[int, Translation], route: Route, generator) -> Article:
    def text(segment: Segment) -> str:
        return html.unescape(translations[id(segment)].text)

    original, lang = plan.original, plan.lang
    metadata = inherit_metadata(original, original.slug, lang)
    metadata.update(
        title=text(plan.title),
        machine_translation={"engine": route.engine.label, "via": route.via},
    )
    if plan.summary:
        metadata["summary_text"] = text(plan.summary)
        metadata["summary"] = html.escape(metadata["summary_text"])
    if plan.key_points:
        metadata["key_points"] = [text(point) for point in plan.key_points]
    alts = {id(img): text(segment) for img, segment in plan.alts}
    fragments = {id(s): translations[id(s)].text for s in plan.document.segments()}
    content = plan.document.render(fragments, alts, lambda s: localise_untranslated(s, lang))
    return Article(content, metadata=metadata, settings=generator.settings,
                   source_path=original.source_path, context=generator.context)


def build_held(original: Article, machine: Article, reason: str, generator) -> Article:
    """The page a reader finds in `lang` while the machine translation is
    held by the publication policy: it says the translation is in review
    and shows the original. The machine translation stays on it, for
    `invoke review` and the reports, and is published nowhere."""
    metadata = inherit_metadata(original, original.slug, machine.lang)
    metadata.update(title=original.title, translation_held=reason)
    held = Article(original.content, metadata=metadata, settings=generator.settings,
                   source_path=original.source_path, context=generator.context)
    held.machine_translation_draft = machine
    return held


def build_placeholder(original: Article, lang: str, missing: list[tuple[str, str]], generator) -> Article:
    """The page a reader finds in `lang` until a model is installed: it says
    so, and shows the original."""
    metadata = inherit_metadata(original, original.slug, lang)
    metadata.update(title=original.title, translation_missing=[f"{a}→{b}" for a, b in missing])
    return Article(original.content, metadata=metadata, settings=generator.settings,
                   source_path=original.source_path, context=generator.context)
