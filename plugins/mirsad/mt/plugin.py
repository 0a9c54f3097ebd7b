"""mirsad_mt: offline machine translation of every briefing that has no
reviewed translation, into every target language (drafts and scheduled
briefings too: their previews are translated).

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
from typing import NamedTuple

from pelican import signals

from mirsad.plugins import when_enabled

from mirsad.common import report, stages
from mirsad.i18n.api import MACHINE_TERM_NAMES, add_translation, every_original, site_taxonomy

from . import config as mt_config
from .articles import Plan, build_article, build_held, build_placeholder, translate_segments
from .corrections import translate_corrections
from .segments import Segment, plain_segment
from .glossary import Glossary
from .engines.engine_process import EngineFailed
from .examples import reviewed_examples
from .engines.libretranslate import ServersUnavailable
from .memory import TranslationMemory
from .policy import HOLD, is_doubtful
from .routing import Router, Stats
from .translate import FRAGMENTS

logger = logging.getLogger(__name__)


class MissingModelError(RuntimeError):
    """A target language has no installed model and the build is strict."""


@when_enabled("mirsad.mt")
def translate_briefings(generator) -> None:
    config = mt_config.load(generator.settings)
    glossary = Glossary.load(str(config.glossary), config.source, config.targets)
    stats = Stats()
    memory = TranslationMemory(str(config.memory))
    examples = reviewed_examples(every_original(generator), config.source, config.targets) if config.llm else {}
    router = Router(config, memory, stats, glossary, examples)
    languages: dict[str, LanguageCounts] = {}
    try:
        with stages.stage(generator.settings, "translate"):
            for target in config.targets:
                sources = [a for a in every_original(generator) if a.lang == config.source]
                unreviewed = [a for a in sources if target not in {t.lang for t in a.translations}]
                originals = sources if config.translate_reviewed else unreviewed
                translated = _translate_into(target, originals, router, glossary, memory, stats, generator,
                                             config) if originals else True
                languages[target] = LanguageCounts(len(unreviewed), len(sources) - len(unreviewed), translated)
                _corrections_into(target, router, glossary, memory, stats, generator, config)
            memory.commit()
    finally:
        router.close()
        memory.close()
    _report(generator.settings, stats, router.length_retries())
    _report_checklist(generator.settings, generator.translations, config)
    _report_flagged(generator.settings, generator.translations)
    _report_least_confident(generator.settings, generator.translations, config)
    _report_languages(generator.settings, languages)


def _translate_into(target, originals, router, glossary, memory, stats, generator, config) -> bool:
    """Attach `target` versions of `originals`; False when they are only
    placeholders (no model, no server), waiting for a model."""
    route = router.route(target)
    waiting = route is None
    if waiting:
        missing = router.missing_pairs(target)
        _missing_model(target, missing, len(originals), generator.settings, config)
        articles = [build_placeholder(a, target, missing, generator) for a in originals]
    else:
        try:
            articles = _machine_articles(target, originals, route, glossary, memory, stats, generator, config)
        except (ServersUnavailable, EngineFailed) as error:
            # As a missing model: nothing of this language is stored or published.
            waiting = True
            missing = router.missing_pairs(target, everything=True)
            reason = str(error) if isinstance(error, ServersUnavailable) else (
                f"{route.engine.label} failed ({error}). Reinstall its model with `invoke models`")
            _missing_model(target, missing, len(originals), generator.settings, config, reason)
            articles = [build_placeholder(a, target, missing, generator) for a in originals]
    for original, article in zip(originals, articles):
        reviewed = next((t for t in original.translations if t.lang == target), None)
        if reviewed is not None:
            # translate_reviewed: kept beside the reviewed text, for review pages and reports only.
            reviewed.machine_translation_draft = article
            continue
        reason = config.publish[target].held_because(getattr(article, "machine_units", ()), config.low_confidence)
        if reason:
            article = build_held(original, article, reason, generator)
        add_translation(generator, original, article)
    return not waiting


def _corrections_into(target, router, glossary, memory, stats, generator, config) -> None:
    """The corrections of the versions in `target` that show translated
    text (machine or reviewed without corrections of its own)."""
    versions = [t for a in generator.articles if a.lang == config.source for t in a.translations
                if t.lang == target and getattr(t, "corrections", None)
                and not (t.metadata.get("translation_missing") or t.metadata.get("translation_held"))]
    route = router.route(target) if versions else None
    if route is None:
        return  # left in the original's language, as the page says
    try:
        translate_corrections(versions, route, glossary, memory, stats, config.source)
    except ServersUnavailable as error:
        logger.warning("mirsad_mt: the corrections of %d briefing(s) stay untranslated in %s: %s",
                       len(versions), target, error)


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
    if config.publish[target].mode == HOLD:
        return articles  # no machine-made tag or category name is published in this language
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
    stages.count(settings, "briefings_waiting", count)
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
        if stats.reread[pair]:
            report.add(settings, "Translation",
                       f"{pair}: {stats.reread[pair]} segment(s) read otherwise than by the previous version (a soft "
                       "line break is a space, hashtags reach the engine as written): translated again, once")
    for pair, (redecoded, unfinished) in sorted(retries.items()):
        never = f", {unfinished} never ended (kept as decoded)" if unfinished else ""
        report.add(settings, "Translation",
                   f"{pair}: {redecoded} sentence(s) decoded again with a longer output cap{never}")


def _machine_versions(translations) -> list:
    """Every machine translation of this build, published or held (on its
    placeholder), with the version a reader finds."""
    found = []
    for version in translations:
        machine = version if version.metadata.get("machine_translation") else None
        if version.metadata.get("translation_held"):
            machine = version.machine_translation_draft
        if machine is not None:
            found.append((machine, version))
    return found


def _report_checklist(settings, translations, config) -> None:
    """The editor's checklist, per language: which briefings went out as
    unreviewed machine translation, which were held and why."""
    versions = _machine_versions(translations)
    for lang in config.targets:
        published = sorted(v.slug for m, v in versions if v.lang == lang and v is m)
        held = sorted((v.slug, v.metadata["translation_held"]) for m, v in versions if v.lang == lang and v is not m)
        if published:
            report.add(settings, "Editor's checklist", f"{lang}: {len(published)} briefing(s) published as unreviewed "
                       f"machine translation, labelled: {_first(published)}")
        for slug, reason in held:
            report.add(settings, "Editor's checklist", f"{lang}: HELD {slug}: {reason}")
        if held:
            report.add(settings, "Editor's checklist", f"{lang}: {len(held)} briefing(s) held; a reviewed translation "
                       "(`invoke review`) publishes them")


def _first(names: list[str], count: int = 10) -> str:
    more = f" … and {len(names) - count} more" if len(names) > count else ""
    return ", ".join(names[:count]) + more


class LanguageCounts(NamedTuple):
    unreviewed: int  # briefings with no reviewed translation in the language
    reviewed: int
    translated: bool  # False: a model (or server) is missing, the unreviewed wait for it


def _report_languages(settings, languages: dict[str, LanguageCounts]) -> None:
    """What every build did for each language's readers, in one line each."""
    for target, counts in languages.items():
        machine, waiting = (counts.unreviewed, 0) if counts.translated else (0, counts.unreviewed)
        report.add(settings, "Translation by language", f"{target}: {machine} briefing(s) machine-translated, "
                   f"{counts.reviewed} reviewed, {waiting} waiting for a model")


def _report_flagged(settings, translations) -> None:
    """Per language, the share of segments translated in fragments (the last
    resort), then every sentence a check of the output flagged, with its
    reasons (each is also a warning: _report_least_confident)."""
    units = [(machine, unit) for machine, _ in _machine_versions(translations)
             for unit in getattr(machine, "machine_units", ())]
    for lang in sorted({machine.lang for machine, _ in units}):
        mine = [(machine, unit) for machine, unit in units if machine.lang == lang]
        pieces = [(machine, unit) for machine, unit in mine if any(f.startswith(FRAGMENTS) for f in unit.flags)]
        report.add(settings, "Translation", f"[{lang}] {len(pieces)} of {len(mine)} segments "
                   f"({len(pieces) / len(mine):.1%}) {FRAGMENTS}" + (":" if pieces else ""))
        for machine, unit in pieces:
            report.add(settings, "Translation", f"  {machine.slug} {unit.id}: {_plain(unit.source)[:70]}")
    flagged = [(machine, unit) for machine, unit in units if unit.flags]
    if flagged:
        report.add(settings, "Translation", f"{len(flagged)} machine-translated sentence(s) flagged for review "
                   "(counted below confidence):")
    for machine, unit in flagged:
        report.add(settings, "Translation", f"  {machine.slug} [{machine.lang}] {unit.id}: {'; '.join(unit.flags)}: "
                   f"{_plain(unit.target)[:70]}")


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _report_least_confident(settings, translations, config) -> None:
    """The machine-translated sentences below `low_confidence` (or flagged
    by a check of the output): each a warning, the least confident listed
    in the report."""
    marked = sorted(
        ((unit.confidence if unit.confidence is not None else 0.0, machine.slug, machine.lang, unit, machine)
         for machine, _ in _machine_versions(translations)
         for unit in getattr(machine, "machine_units", ())
         if is_doubtful(unit, config.low_confidence)),
        key=lambda found: (found[0], found[1], found[2], found[3].id))
    if not marked:
        return
    for confidence, slug, lang, unit, machine in marked:
        why = ", ".join(unit.flags) or f"confidence {confidence:.2f}"
        logger.warning("mirsad_mt: %s [%s] %s: machine translation below confidence %g (%s); review it "
                       "with `invoke review`", machine.source_path, lang, unit.id, config.low_confidence, why)
    report.add(settings, "Translation", f"{len(marked)} sentence(s) below confidence {config.low_confidence:g}; "
               f"the least confident (MIRSAD_MT['low_confidence'] sets the mark):")
    scored = [found for found in marked if not found[3].flags]  # the flagged are listed apart (_report_flagged)
    for confidence, slug, lang, unit, _ in scored[:config.least_confident_listed]:
        report.add(settings, "Translation", f"  {confidence:.2f} {slug} [{lang}] {unit.id}: {_plain(unit.target)[:70]}")


def register() -> None:
    signals.article_generator_finalized.connect(translate_briefings)
