"""Translation engines: the plugin only sees `Engine.translate(texts)`.

The CTranslate2 engine loads an Argos package's (or a model folder's, see
families.py) model and tokenizer itself and translates all pending
sentences in large batches: argostranslate's own translate() goes one
sentence at a time (about 5× slower) and its sentence splitters try the network. Another backend (say a
LibreTranslate server) only needs to implement `Engine`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from dataclasses import dataclass
from typing import Protocol

from mirsad.common.settings import SettingsError

from mirsad.mt.models.families import FamilyModel
from mirsad.mt.models.packages import Package

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Translation:
    text: str
    # How sure the model was: the geometric mean of the probabilities it gave
    # its output tokens (0–1, from CTranslate2's return_scores); None when the
    # engine gives none (a LibreTranslate server).
    confidence: float | None = None
    # Why the pipeline flags it (mirsad.mt.checks, tokens, glossary; empty
    # from an engine): a flagged translation counts as below confidence.
    flags: tuple[str, ...] = ()


class Engine(Protocol):
    identity: str  # changes whenever the output could change
    label: str  # what a reader is told: "Argos ar→en 1.0"

    def translate(self, texts: list[str]) -> list[Translation]: ...


def combined_confidence(values: list[float | None]) -> float | None:
    """Of a text made of several translations: the least confident one's."""
    known = [value for value in values if value is not None]
    return min(known) if known else None


@dataclass(frozen=True)
class EngineOptions:
    # argostranslate 1.11.0's decoding (translate.py, apply_packaged_translation):
    # beam 4, length_penalty 0.2, replace_unknowns, one hypothesis. With these
    # defaults "Argos ar→en 1.0" on a page is the text LibreTranslate gives.
    beam_size: int = 4
    length_penalty: float = 0.2
    max_batch_size: int = 32  # examples per batch
    # Source tokens per batch, padding included: caps the memory a batch of
    # long sentences takes (beams and decoder caches grow with it).
    max_batch_tokens: int = 2048
    compute_type: str = "int8"
    device: str = "cpu"  # "cpu" or "cuda": resolve_device() turns the setting's "auto" into one
    inter_threads: int = 1
    intra_threads: int = 0  # 0: CTranslate2 picks (one per core)
    # First cap on output tokens, relative to the longest input of a batch: it
    # keeps a model that fails to stop from decoding 256 tokens for every short
    # sentence. An output that reaches it is translated again with a larger cap.
    max_length_ratio: float = 2.0
    min_max_length: int = 32
    # Where re-decoding stops: argostranslate's 256 (CTranslate2's default cap,
    # reached only by a model that repeats itself), or more for a long source,
    # whose translation argostranslate would cut at 256 tokens.
    longest_output: int = 256
    longest_output_ratio: float = 4.0


DEVICES = ("auto", "cpu", "cuda")
# CTranslate2 4.x's compute types (docs/quantization.md), less "default" and
# "auto": the type they pick depends on the model and the machine, and the
# memory's key must name the type that decoded.
COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16",
                 "float32")


class DeviceUnavailable(SettingsError):
    """MIRSAD_MT['device'] asks for a device this machine does not have."""


def resolve_device(options: EngineOptions, setting: str) -> EngineOptions:
    """`options` on a concrete device: "auto" is CUDA when CTranslate2 sees a
    CUDA device, else the CPU. "cuda" without one, or a compute type the
    device cannot run, is refused here rather than by a CTranslate2
    traceback in the engine's process."""
    import ctranslate2

    cuda_devices = ctranslate2.get_cuda_device_count()
    device = ("cuda" if cuda_devices > 0 else "cpu") if setting == "auto" else setting
    if device == "cuda" and cuda_devices == 0:
        raise DeviceUnavailable("MIRSAD_MT['device'] = 'cuda', but CTranslate2 finds no CUDA device on this "
                                "machine (get_cuda_device_count() is 0): install the NVIDIA driver and CUDA 12 "
                                "libraries, or set 'device' to 'auto' or 'cpu'")
    supported = ctranslate2.get_supported_compute_types(device)
    if options.compute_type not in supported:
        raise DeviceUnavailable(f"MIRSAD_MT['compute_type'] = {options.compute_type!r} cannot run on this "
                                f"machine's {device} (it supports {', '.join(sorted(supported))}): choose one of them")
    return dataclasses.replace(options, device=device)


def engine_identity(package: Package | FamilyModel, options: EngineOptions) -> str:
    """Changes whenever the engine's output could: the package, the decoding,
    and the device and compute type (float16 on a GPU does not give int8's
    output on a CPU). int8 on the CPU, what every memory was made with
    before these were settings, adds nothing, so those memories stay valid."""
    identity = f"{package.identity}:beam{options.beam_size}:lp{options.length_penalty:g}"
    if (options.device, options.compute_type) != ("cpu", "int8"):
        identity += f":{options.device}:{options.compute_type}"
    return identity


class CTranslate2Engine:
    def __init__(self, package: Package | FamilyModel, options: EngineOptions):
        import ctranslate2

        self.package = package
        self.options = options
        self.identity = engine_identity(package, options)
        self.label = package.label
        self.retries = 0  # sentences translated again with a larger length cap
        self.unfinished = 0  # sentences that reached `longest_output` all the same
        self._translator = ctranslate2.Translator(
            os.fspath(package.model_path),
            device=options.device,
            compute_type=options.compute_type,
            inter_threads=options.inter_threads,
            intra_threads=options.intra_threads,
        )
        self._tokenizer = package.tokenizer()  # checked against the model's vocabulary

    def translate(self, texts: list[str]) -> list[Translation]:
        tokens = self._tokenizer.encode(texts)
        outputs: list[Translation] = [Translation("")] * len(tokens)
        threads = max(1, self.options.inter_threads)
        groups = length_groups([len(piece) for piece in tokens], self.options.max_batch_size * threads,
                               self.options.max_batch_tokens * threads)
        for indices in groups:
            longest = len(tokens[indices[-1]])
            cap = max(self.options.min_max_length, int(longest * self.options.max_length_ratio))
            limit = max(self.options.longest_output, int(longest * self.options.longest_output_ratio))
            for index, (hypothesis, score) in zip(indices, self._decode([tokens[i] for i in indices], cap, limit)):
                outputs[index] = Translation(self._detokenize(hypothesis), self._confidence(hypothesis, score))
        return outputs

    def _confidence(self, hypothesis: list[str], score: float) -> float:
        """CTranslate2's score is the hypothesis' log-probability (its end
        token included) divided by length ** length_penalty: undone here, it
        gives the mean log-probability per token."""
        length = len(hypothesis) + 1
        return math.exp(score * length ** self.options.length_penalty / length)

    def _decode(self, batch: list[list[str]], cap: int, limit: int) -> list[tuple[list[str], float]]:
        """The best hypothesis of each sentence, none cut short by `cap`: those
        that reach it are decoded again with twice the cap, up to `limit` (a
        hypothesis that stops at the cap has no end token: it may be cut)."""
        cap = min(cap, limit)
        hypotheses = self._translate_batch(batch, cap)
        # CTranslate2 counts the target prefix in the cap and returns it in the hypothesis.
        cut = [i for i, (hypothesis, _) in enumerate(hypotheses) if len(hypothesis) >= cap]
        if not cut:
            return hypotheses
        if cap >= limit:
            self.unfinished += len(cut)
            logger.warning("mirsad_mt: %s: %d sentence(s) still had no end after %d tokens (the model "
                           "repeats itself); kept as decoded", self.label, len(cut), cap)
            return hypotheses
        self.retries += len(cut)
        for i, hypothesis in zip(cut, self._decode([batch[i] for i in cut], cap * 2, limit)):
            hypotheses[i] = hypothesis
        return hypotheses

    def _translate_batch(self, batch: list[list[str]], cap: int) -> list[tuple[list[str], float]]:
        threads = max(1, self.options.inter_threads)
        prefix = self.package.target_prefix
        results = self._translator.translate_batch(
            batch,
            target_prefix=[[prefix]] * len(batch) if prefix else None,
            max_batch_size=-(-len(batch) // threads),  # one batch per translator thread
            batch_type="examples",
            beam_size=self.options.beam_size,
            length_penalty=self.options.length_penalty,
            max_decoding_length=cap,
            replace_unknowns=True,
            return_scores=True,
        )
        return [(result.hypotheses[0], result.scores[0]) for result in results]

    def _detokenize(self, hypothesis: list[str]) -> str:
        """argostranslate 1.11.0's steps after decoding (translate.py): the
        tokenizer's decode, the target prefix taken off, then the one space
        the tokenizer leaves at the start."""
        value = self._tokenizer.decode(hypothesis)
        prefix = self.package.target_prefix
        if prefix and value.startswith(prefix):
            value = value[len(prefix):]
        return value[1:] if value.startswith(" ") else value


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

    def translate(self, texts: list[str]) -> list[Translation]:
        first = self.first.translate(texts)
        second = self.second.translate([translation.text for translation in first])
        return [Translation(b.text, combined_confidence([a.confidence, b.confidence])) for a, b in zip(first, second)]
