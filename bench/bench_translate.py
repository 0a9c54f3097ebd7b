"""Translation throughput: argostranslate vs Mirsad's engine vs raw CTranslate2.

    .venv/bin/python bench/bench_translate.py [--sentences 500] [--repeats 3]

One Transformer-base-size model (6+6 layers, d=512, 8 heads, FFN 2048, 32k
vocabulary, int8) with random weights is built here (not committed), packaged
as an Argos package with a SentencePiece model trained on the sample
briefings and a rule-based MiniSBD splitter (so argostranslate stays
offline). The same Arabic sentences are translated by:

  (a) argostranslate.translate.translate(), one call per paragraph;
  (b) Mirsad: segmentation, markup/glossary handling, translation memory
      (empty) and CTranslate2Engine, as in a build;
  (b') the same with batches of 32 sentences whatever their length (no
      max_batch_tokens);
  (c) raw ctranslate2.Translator.translate_batch on pre-tokenised input.

All three use the same decoding settings (beam size, threads, and an output
cap of 1.5x the source length: random weights never emit </s>, so without
the cap every sentence would decode to the maximum length). Prints sentences/s
and the ratios; targets: (b) >= 4x (a) and (b) >= 80% of (c).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT / "tools"), str(ROOT / "bench")]

from corpus import D_MODEL, LAYERS, VOCAB, build_package, sample_sentences  # noqa: E402

PARAGRAPH = 4  # sentences per paragraph


class Decoding:
    """The decoding settings every contender uses."""

    def __init__(self, beam: int, threads: int, ratio: float = 1.5):
        self.beam, self.threads, self.ratio = beam, threads, ratio

    def cap(self, batch) -> int:
        return max(16, int(max(len(tokens) for tokens in batch) * self.ratio))


def run_argos(package: Path, paragraphs: list[str], decoding: Decoding):
    os.environ.update(ARGOS_PACKAGES_DIR=str(package.parent), ARGOS_DEVICE_TYPE="cpu",
                      ARGOS_INTER_THREADS="1", ARGOS_INTRA_THREADS=str(decoding.threads),
                      ARGOS_CHUNK_TYPE="MINISBD")
    import ctranslate2
    import argostranslate.translate

    original = ctranslate2.Translator.translate_batch

    def same_decoding(self, source, *args, **kwargs):
        # argostranslate sets beam 4 and no output cap; give it the same as the others.
        kwargs.update(beam_size=decoding.beam, num_hypotheses=1, max_decoding_length=decoding.cap(source))
        return original(self, source, *args, **kwargs)

    ctranslate2.Translator.translate_batch = same_decoding
    try:
        translation = argostranslate.translate.get_translation_from_codes("ar", "en")
        translation.translate(paragraphs[0])  # load the model outside the timing
        start = time.perf_counter()
        for paragraph in paragraphs:
            translation.translate(paragraph)
        return time.perf_counter() - start
    finally:
        ctranslate2.Translator.translate_batch = original


def run_mirsad(package: Path, paragraphs: list[str], decoding: Decoding, tmp: Path, **engine_options):
    from mirsad_mt.engine import CTranslate2Engine, EngineOptions
    from mirsad_mt.glossary import Glossary
    from mirsad_mt.memory import TranslationMemory
    from mirsad_mt.packages import load_package
    from mirsad_mt.routing import CachedEngine, Route, Stats
    from mirsad_mt.articles import translate_segments
    from mirsad_mt.segments import Document

    options = EngineOptions(beam_size=decoding.beam, intra_threads=decoding.threads,
                            max_length_ratio=decoding.ratio, **engine_options)
    engine = CTranslate2Engine(load_package(package), options)
    memory = TranslationMemory(str(tmp / f"tm-{time.monotonic_ns()}.sqlite"))
    stats = Stats()
    route = Route("en", CachedEngine(engine, "ar→en", memory, stats), None)
    glossary = Glossary({}, "ar")
    html = "".join(f"<p>{p}</p>" for p in paragraphs)
    start = time.perf_counter()
    segments = Document(html, glossary, "ar").segments()
    translate_segments(segments, route, glossary, memory, stats, "ar")
    memory.commit()
    elapsed = time.perf_counter() - start
    memory.close()
    return elapsed


def run_raw(package: Path, sentences: list[str], decoding: Decoding):
    import ctranslate2
    import sentencepiece as spm

    translator = ctranslate2.Translator(str(package / "model"), device="cpu", compute_type="int8",
                                        inter_threads=1, intra_threads=decoding.threads)
    pieces = spm.SentencePieceProcessor(model_file=str(package / "sentencepiece.model"))
    tokens = sorted(pieces.encode(sentences, out_type=str), key=len)
    start = time.perf_counter()
    for offset in range(0, len(tokens), 32):  # sorted batches, each with its own cap
        batch = tokens[offset:offset + 32]
        translator.translate_batch(batch, max_batch_size=32, beam_size=decoding.beam,
                                   max_decoding_length=decoding.cap(batch))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--beam", type=int, default=2)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sentences = sample_sentences(args.sentences)
    paragraphs = [" ".join(sentences[i:i + PARAGRAPH]) for i in range(0, len(sentences), PARAGRAPH)]
    decoding = Decoding(args.beam, args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"building a random Transformer-base int8 model ({LAYERS}+{LAYERS} layers, d={D_MODEL}, vocab {VOCAB})...")
        package = build_package(tmp / "packages", sentences)
        times = {"a": [], "b": [], "b32": [], "c": []}
        for _ in range(args.repeats):  # interleaved, so machine noise hits all three alike
            times["a"].append(run_argos(package, paragraphs, decoding))
            times["b"].append(run_mirsad(package, paragraphs, decoding, tmp))
            times["b32"].append(run_mirsad(package, paragraphs, decoding, tmp, max_batch_tokens=2**31))
            times["c"].append(run_raw(package, sentences, decoding))
    rate = {k: len(sentences) / statistics.median(v) for k, v in times.items()}
    names = {"a": "(a) argostranslate.translate, per paragraph", "b": "(b) Mirsad engine (full pipeline)",
             "b32": "(b') the same, 32 sentences a batch",
             "c": "(c) raw translate_batch, pre-tokenised"}
    print(f"\n{len(sentences)} sentences, {len(paragraphs)} paragraphs, beam {args.beam}, "
          f"{args.threads} threads, median of {args.repeats}")
    print(f"{'contender':46} {'sentences/s':>12} {'median s':>9}")
    for key, name in names.items():
        print(f"{name:46} {rate[key]:12.1f} {statistics.median(times[key]):9.2f}")
    print(f"\n(b)/(a) = {rate['b'] / rate['a']:.2f}x   (target >= 4x)")
    print(f"(b)/(c) = {rate['b'] / rate['c']:.0%}    (target >= 80%)")
    print(f"(b)/(b') = {rate['b'] / rate['b32']:.2f}x  (batches capped at max_batch_tokens / 32 sentences whatever their length)")


if __name__ == "__main__":
    main()
