"""Which engines translate source → target: a direct model when one is
installed (an Argos package or a model folder of another family, chosen by
families.preference), else through the pivot language (ar → en → fr).
Engines are wrapped in the translation memory and loaded once per build."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from mirsad.common.progress import progress_bar
from mirsad.text.bidi import neutralise

from .config import MTConfig
from .engines.engine import Engine, EngineOptions, PivotEngine, Translation, resolve_device
from .engines.engine_process import EngineProcess
from .models.families import FamilyModel, installed_models
from .engines.libretranslate import LibreTranslateEngine, ServerPool
from .engines.llm_prompt import ExampleIndex, PromptContext
from .engines.openai import OpenAIEngine, OpenAIPool
from .glossary import Glossary
from .memory import TranslationMemory, segment_key
from .models.packages import Package, PackageError

logger = logging.getLogger(__name__)
PROGRESS_CHUNK = 512  # sentences per progress step (each still one large batch)


@dataclass
class Stats:
    translated: Counter = field(default_factory=Counter)  # per pair, final segments
    reused: Counter = field(default_factory=Counter)
    # per pair: segments read otherwise than before (soft breaks, hashtags), translated again once
    reread: Counter = field(default_factory=Counter)


class CachedEngine:
    """An engine whose outputs go to (and come from) the translation memory."""

    def __init__(self, engine: Engine, pair: str, memory: TranslationMemory, stats: Stats):
        self.engine, self.pair, self.memory, self.stats = engine, pair, memory, stats
        self.identity, self.label = engine.identity, engine.label

    def translate(self, texts: list[str]) -> list[Translation]:
        # An LLM's output also depends on its prompt's glossary terms and examples.
        context = getattr(self.engine, "context_key", lambda text: "")
        keys = {text: segment_key("raw", text, self.pair, self.identity, context(text)) for text in texts}
        known = self.memory.get_many(keys.values())
        missing = [text for text in dict.fromkeys(texts) if keys[text] not in known]
        for chunk, results in self._translated_chunks(missing):
            for text, result in zip(chunk, results):
                self.memory.put(keys[text], "raw", self.pair, self.identity, text, result)
                known[keys[text]] = result
            # Kept as each chunk is done: a cold build of a large archive takes
            # hours with real models, and one stopped midway resumes from here.
            self.memory.commit()
        return [self._neutralised(known[keys[text]]) for text in texts]

    def known(self, texts: list[str]) -> set[str]:
        """The texts this engine has translated before (in the memory)."""
        keys = {segment_key("raw", text, self.pair, self.identity): text for text in texts}
        return {keys[key] for key in self.memory.get_many(keys)}

    def _neutralised(self, output: Translation) -> Translation:
        """Machine output is text like any other: no override in it (mirsad.text.bidi)."""
        cleaned, changes = neutralise(output.text)
        if not changes:
            return output
        logger.warning("mirsad_mt: %s: direction controls neutralised in a machine translation (%s): %r",
                       self.label, "; ".join(changes), cleaned[:80])
        return Translation(cleaned, output.confidence)

    def _translated_chunks(self, texts: list[str]) -> Iterator[tuple[list[str], list[Translation]]]:
        """`texts` and their translations, PROGRESS_CHUNK at a time."""
        if len(texts) <= PROGRESS_CHUNK:
            if texts:
                yield texts, self.engine.translate(texts)
            return
        with progress_bar(f"mirsad_mt: translating {self.pair}", len(texts)) as advance:
            for start in range(0, len(texts), PROGRESS_CHUNK):
                chunk = texts[start:start + PROGRESS_CHUNK]
                yield chunk, self.engine.translate(chunk)
                advance(n=len(chunk))


@dataclass
class Route:
    target: str
    engine: Engine
    via: str | None  # the pivot language, when not direct

    @property
    def first_leg(self) -> CachedEngine:
        """The engine that reads the source text (the pivot's first)."""
        return self.engine.first if isinstance(self.engine, PivotEngine) else self.engine


class Router:
    def __init__(self, config: MTConfig, memory: TranslationMemory, stats: Stats,
                 glossary: Glossary | None = None, examples: dict[str, ExampleIndex] | None = None):
        self.config, self.memory, self.stats = config, memory, stats
        self.glossary, self.examples = glossary or Glossary({}, config.source), examples or {}
        self.llm = OpenAIPool(config.llm) if config.llm else None
        self.pool = ServerPool(config.servers) if config.servers.servers else None
        if self.llm:
            # An LLM translates each pair directly (no pivot), on the servers that answer.
            live = any(not server.set_aside for server in self.llm.servers)
            self.packages = {(config.source, target): None for target in config.targets} if live else {}
        else:
            self.packages = self._server_pairs() if self.pool else installed_models(config.models_dir)
        self._engines: dict[tuple[str, str], CachedEngine] = {}
        self._engine_options: EngineOptions | None = None

    def length_retries(self) -> dict[str, tuple[int, int]]:
        """Per pair: sentences decoded again because they reached the output
        cap, and those that never ended (see CTranslate2Engine._decode)."""
        return {engine.pair: (engine.engine.retries, engine.engine.unfinished) for engine in self._engines.values()
                if getattr(engine.engine, "retries", 0) or getattr(engine.engine, "unfinished", 0)}

    def close(self) -> None:
        """Stop the engines' processes (their counts stay readable)."""
        for engine in self._engines.values():
            engine.engine.close()

    def route(self, target: str) -> Route | None:
        """How to translate into `target`; None when a model it needs is
        missing or cannot be loaded (the error names the package)."""
        try:
            return self._route(target)
        except PackageError as error:
            logger.error("mirsad_mt: %s", error)
            return None

    def _route(self, target: str) -> Route | None:
        source, pivot = self.config.source, self.config.pivot
        if (source, target) in self.packages:
            return Route(target, self._engine(source, target), None)
        if target != pivot and (source, pivot) in self.packages and (pivot, target) in self.packages:
            engine = PivotEngine(self._engine(source, pivot), self._engine(pivot, target), pivot)
            return Route(target, engine, pivot)
        return None

    def missing_pairs(self, target: str, everything: bool = False) -> list[tuple[str, str]]:
        """The pairs `target` lacks; `everything`: those its route uses (its
        engines stopped answering)."""
        source, pivot = self.config.source, self.config.pivot
        if everything:
            direct = (source, target) in self.packages or target == pivot
            return [(source, target)] if direct else [(source, pivot), (pivot, target)]
        if target == pivot or (source, pivot) not in self.packages and (pivot, target) not in self.packages:
            return [(source, target)]
        return [pair for pair in ((source, pivot), (pivot, target)) if pair not in self.packages]

    def _server_pairs(self) -> dict[tuple[str, str], None]:
        """The servers' pairs. LibreTranslate lists its own pivots through
        English as pairs and does not say which are direct: a pair the pivot
        can bridge goes through it here, as with local packages, so the first
        leg is shared (and its memory) and the page can say "via English"."""
        pairs = self.pool.pairs()
        source, pivot = self.config.source, self.config.pivot
        return {(a, b): None for a, b in pairs
                if not (a == source and b != pivot and (source, pivot) in pairs and (pivot, b) in pairs)}

    def _local_options(self) -> EngineOptions:
        """The engine options on the device the setting resolves to, found
        once (a wrong device is a settings error: DeviceUnavailable, not a
        damaged package)."""
        if self._engine_options is None:
            self._engine_options = resolve_device(self.config.engine, self.config.device)
        return self._engine_options

    def _prompt_context(self, target: str):
        """What an LLM is told of each segment into `target` (llm_prompt.py)."""
        index = self.examples.get(target, ExampleIndex())
        most = self.config.llm.examples

        def context(text: str) -> PromptContext:
            terms = {m.term: self.glossary.rendering(m.term, target) for m in self.glossary.find(text)}
            return PromptContext(tuple((t, r) for t, r in terms.items() if r),
                                 index.most_similar(text, most) if most else ())
        return context

    def _engine(self, source: str, target: str) -> CachedEngine:
        if self.llm and (source, target) not in self._engines:
            engine = OpenAIEngine(self.llm, source, target, self._prompt_context(target))
            self._engines[(source, target)] = CachedEngine(engine, f"{source}→{target}", self.memory, self.stats)
        if self.pool and (source, target) not in self._engines:
            engine = LibreTranslateEngine(self.pool, source, target)
            self._engines[(source, target)] = CachedEngine(engine, f"{source}→{target}", self.memory, self.stats)
        if (source, target) not in self._engines:
            package: Package | FamilyModel = self.packages[(source, target)]
            logger.info("mirsad_mt: loading %s from %s", package.label, package.path)
            options = self._local_options()
            try:
                engine = EngineProcess(package, options)
            except (RuntimeError, OSError, ValueError) as error:
                # e.g. a package copied in by hand, damaged: it counts as missing.
                del self.packages[(source, target)]
                raise PackageError(f"{package.path}: cannot be loaded ({error}). Reinstall it with "
                                   "`invoke models` (or `invoke models --from DIR`)") from None
            self._engines[(source, target)] = CachedEngine(engine, f"{source}→{target}", self.memory, self.stats)
        return self._engines[(source, target)]
