"""mirsad_mt: offline machine translation of every briefing that has no
reviewed translation, into every target language.

Receivers:
- article_generator_finalized (after the reviewed translations are attached):
  plan, translate (batched over all briefings, through the translation
  memory) and attach the translated articles,
and adds its counts to the end-of-build report (printed by mirsad.build).
"""

from __future__ import annotations

import html
import logging
import re

from pelican import signals

from mirsad.plugins import when_enabled

from mirsad.common import report, stages
from mirsad.i18n.api import MACHINE_TERM_NAMES, site_taxonomy

from . import config as mt_config
from .articles import Plan, build_article, build_placeholder, translate_segments
from .segments import Segment, plain_segment
from .glossary import Glossary
from .examples import reviewed_examples
from .engines.libretranslate import ServersUnavailable
from .memory import TranslationMemory
from .routing import Router, Stats

logger = logging.getLogger(__name__)


class MissingModelError(RuntimeError):
    """A target language has no installed model and the build is strict."""


@when_enabled("mirsad.mt")
def translate_briefings(generator) -> None:
    config = mt_config.load(generator.settings)
    glossary = Glossary.load(str(config.glossary), config.source, config.targets)
    stats = Stats()
    memory = TranslationMemory(str(config.memory))
    examples = reviewed_examples(generator.articles, config.source, config.targets) if config.llm else {}
    router = Router(config, memory, stats, glossary, examples)
    try:
        with stages.stage(generator.settings, "translate"):
            for target in config.targets:
                originals = [a for a in generator.articles if a.lang == config.source
                             and (config.translate_reviewed or target not in {t.lang for t in a.translations})]
                if originals:
                    _translate_into(target, originals, router, glossary, memory, stats, generator, config)
            memory.commit()
    finally:
        router.close()
        memory.close()
    _report(generator.settings, stats, router.length_retries())
    _report_least_confident(generator.settings, generator.translations, config)


def _translate_into(target, originals, router, glossary, memory, stats, generator, config) -> None:
    route = router.route(target)
    if route is None:
        missing = router.missing_pairs(target)
        _missing_model(target, missing, len(originals), generator.settings, config)
        articles = [build_placeholder(a, target, missing, generator) for a in originals]
    else:
        try:
            articles = _machine_articles(target, originals, route, glossary, memory, stats, generator, config)
        except ServersUnavailable as error:
            # As a missing model: nothing of this language is stored or published.
            missing = router.missing_pairs(target, everything=True)
            _missing_model(target, missing, len(originals), generator.settings, config, str(error))
            articles = [build_placeholder(a, target, missing, generator) for a in originals]
    for original, article in zip(originals, articles):
        reviewed = next((t for t in original.translations if t.lang == target), None)
        if reviewed is not None:
            # translate_reviewed: kept beside the reviewed text, for review pages and reports only.
            reviewed.machine_translation_draft = article
            continue
        original.translations.append(article)
        generator.translations.append(article)


def _machine_articles(target, originals, route, glossary, memory, stats, generator, config) -> list:
    plans = [Plan.of(a, target, glossary) for a in originals]
    names = _term_names(target, generator, glossary)
    # One batch: the briefings and the tag/category names go together.
    segments = [s for plan in plans for s in plan.segments()] + list(names.values())
    translations = translate_segments(segments, route, glossary, memory, stats, config.source)
    articles = []
    for plan in plans:
        units = plan.units(translations, glossary)
        articles.append(build_article(plan, translations, route, generator))
        articles[-1].machine_units, articles[-1].machine_identity = units, route.engine.identity
    translated = generator.context.setdefault(MACHINE_TERM_NAMES, {})
    for key, segment in names.items():
        translated.setdefault(key, {})[target] = html.unescape(translations[id(segment)].text)
    return articles


def _term_names(target, generator, glossary) -> dict[tuple[str, str], Segment]:
    """Tag and category names taxonomy.yml does not give in `target`, for
    every briefing (their URLs stay those of the source names)."""
    given = site_taxonomy(generator.settings)
    wanted = {}
    for article in generator.articles:
        terms = [("tag", t.name) for t in getattr(article, "tags", [])]
        category = getattr(article, "category", None)
        terms += [("category", category.name)] if category else []
        for kind, name in terms:
            section = given["tags" if kind == "tag" else "categories"]
            if target not in section.get(name, {}):
                wanted[(kind, name)] = plain_segment(name, glossary)
    return wanted


def _missing_model(target, missing, count, settings, config, reason: str = "") -> None:
    pairs = ", ".join(f"{a}→{b}" for a, b in missing)
    if not reason and config.llm:
        reason = (f"no OpenAI-compatible server ({', '.join(config.llm.servers)}) serving {config.llm.model!r} "
                  "answers; start one, or empty MIRSAD_MT['servers'] to translate on this machine")
    if reason or config.servers.servers:
        fix = reason or (f"no LibreTranslate server ({', '.join(config.servers.servers)}) answers for it; "
                         "start one, or empty MIRSAD_MT['servers'] to translate on this machine")
    else:
        fix = (f"Install it with `invoke models` (online) or `invoke models --from DIR` "
               f"(.argosmodel files or model folders with a mirsad-model.json), into {config.models_dir}")
    message = f"no translation model for {pairs}: {count} briefing(s) have no {target} version. {fix}"
    if config.strict:
        raise MissingModelError(f"mirsad_mt: {message}")
    logger.warning("mirsad_mt: %s", message)
    report.add(settings, "Translation", f"MISSING {pairs}: {count} briefing(s) shown untranslated in {target}")


def _report(settings, stats: Stats, retries: dict[str, tuple[int, int]]) -> None:
    for pair in sorted(set(stats.translated) | set(stats.reused)):
        report.add(settings, "Translation",
                   f"{pair}: {stats.translated[pair]} segments translated, {stats.reused[pair]} reused")
        stages.count(settings, "segments_translated", stats.translated[pair])
        stages.count(settings, "segments_reused", stats.reused[pair])
    for pair, (redecoded, unfinished) in sorted(retries.items()):
        never = f", {unfinished} never ended (kept as decoded)" if unfinished else ""
        report.add(settings, "Translation",
                   f"{pair}: {redecoded} sentence(s) decoded again with a longer output cap{never}")


def _report_least_confident(settings, translations, config) -> None:
    """The published machine-translated sentences the engine was least sure
    of (below `low_confidence`), the least confident first."""
    marked = sorted(
        ((unit.confidence, article.slug, article.lang, unit) for article in translations
         for unit in getattr(article, "machine_units", ())
         if unit.confidence is not None and unit.confidence < config.low_confidence),
        key=lambda found: (found[0], found[1], found[2], found[3].id))
    if not marked:
        return
    report.add(settings, "Translation", f"{len(marked)} sentence(s) below confidence {config.low_confidence:g}; "
               f"the least confident (MIRSAD_MT['low_confidence'] sets the mark):")
    for confidence, slug, lang, unit in marked[:config.least_confident_listed]:
        text = html.unescape(re.sub(r"<[^>]+>", "", unit.target))
        report.add(settings, "Translation", f"  {confidence:.2f} {slug} [{lang}] {unit.id}: {text[:70]}")


def register() -> None:
    signals.article_generator_finalized.connect(translate_briefings)
