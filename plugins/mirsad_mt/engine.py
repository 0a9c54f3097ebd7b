"""Translation engines: the plugin only sees `Engine.translate(texts)`.

The CTranslate2 engine loads an Argos package's model and SentencePiece
model itself and translates all pending sentences in large batches:
argostranslate's own translate() goes one sentence at a time (about 5×
slower) and its sentence splitters try the network. Another backend (say a
LibreTranslate server) only needs to implement `Engine`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Protocol

from .packages import Package

logger = logging.getLogger(__name__)


class Engine(Protocol):
    identity: str  # changes whenever the output could change
    label: str  # what a reader is told: "Argos ar→en 1.0"

    def translate(self, texts: list[str]) -> list[str]: ...


@dataclass(frozen=True)
class EngineOptions:
    beam_size: int = 2
    max_batch_size: int = 32  # examples per batch
    # Source tokens per batch, padding included: caps the memory a batch of
    # long sentences takes (beams and decoder caches grow with it).
    max_batch_tokens: int = 2048
    compute_type: str = "int8"
    inter_threads: int = 1
    intra_threads: int = 0  # 0: CTranslate2 picks (one per core)
    max_length_ratio: float = 1.5  # cap on output tokens, relative to the input
    min_max_length: int = 16


class CTranslate2Engine:
    def __init__(self, package: Package, options: EngineOptions):
        import ctranslate2
        import sentencepiece

        self.package = package
        self.options = options
        self.identity = f"{package.identity}:beam{options.beam_size}"
        self.label = package.label
        self._translator = ctranslate2.Translator(
            os.fspath(package.path / "model"),
            device="cpu",
            compute_type=options.compute_type,
            inter_threads=options.inter_threads,
            intra_threads=options.intra_threads,
        )
        self._pieces = sentencepiece.SentencePieceProcessor(
            model_file=os.fspath(package.path / "sentencepiece.model")
        )

    def translate(self, texts: list[str]) -> list[str]:
        tokens = self._pieces.encode(texts, out_type=str)
        outputs: list[str] = [""] * len(tokens)
        threads = max(1, self.options.inter_threads)
        groups = length_groups([len(piece) for piece in tokens], self.options.max_batch_size * threads,
                               self.options.max_batch_tokens * threads)
        for indices in groups:
            batch = [tokens[i] for i in indices]
            cap = int(len(batch[-1]) * self.options.max_length_ratio)
            results = self._translator.translate_batch(
                batch,
                max_batch_size=-(-len(batch) // threads),  # one batch per translator thread
                batch_type="examples",
                beam_size=self.options.beam_size,
                max_decoding_length=max(self.options.min_max_length, cap),
                replace_unknowns=True,
            )
            for index, result in zip(indices, results):
                outputs[index] = self._pieces.decode(result.hypotheses[0]).strip()
        return outputs


def length_groups(lengths: list[int], most_examples: int, most_tokens: int) -> list[list[int]]:
    """Indices of sentences of similar length, shortest first: one group per
    engine call, each call with its own output-length cap (one global cap
    lets every short sentence decode as long as the longest one whenever
    the model fails to stop). A group holds at most `most_examples`
    sentences and `most_tokens` source tokens, padding included; a sentence
    longer than that goes alone."""
    groups: list[list[int]] = []
    group: list[int] = []
    for index in sorted(range(len(lengths)), key=lengths.__getitem__):
        # Sorted, so this sentence is the group's longest: it sets the padding.
        if group and (len(group) == most_examples or (len(group) + 1) * lengths[index] > most_tokens):
            groups.append(group)
            group = []
        group.append(index)
    return groups + [group] if group else groups


class PivotEngine:
    """source → pivot → target, e.g. Arabic → English → French when no
    direct package is installed. The first leg is shared with the pivot
    language's own translation (and its memory), so it runs once."""

    def __init__(self, first: Engine, second: Engine, pivot_lang: str):
        self.first, self.second, self.pivot_lang = first, second, pivot_lang
        self.identity = f"{first.identity}+{second.identity}"
        self.label = f"{first.label} + {second.label}"

    def translate(self, texts: list[str]) -> list[str]:
        return self.second.translate(self.first.translate(texts))
