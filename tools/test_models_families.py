"""Tiny model folders of the families besides Argos, for the test suite.

Each copies what an upstream converter writes (CTranslate2 4.x's
``python/ctranslate2/converters``), plus Mirsad's manifest ``mirsad-model.json``:

- ``opus-mt-ar-en``: ``ct2-opus-mt-converter --model_dir opus-mt-ar-en`` (converters/opus_mt.py,
  which hands decoder.yml's model and vocabularies to converters/marian.py): ``model.bin``,
  ``config.json`` (``add_source_eos`` true, ``decoder_start_token`` left at ``<s>``),
  ``shared_vocabulary.json`` (OPUS-MT's one vocab.yml, listed twice in decoder.yml:
  ``</s>``, ``<unk>``, then the pieces of both sides), with OPUS-MT's two SentencePiece
  models ``source.spm`` and ``target.spm`` copied beside. Post-norm, swish, explicit
  sinusoidal table, decoder from a zero embedding (marian.py).
- ``nllb-tiny``: ``ct2-transformers-converter --model facebook/nllb-200-distilled-600M
  --copy_files sentencepiece.bpe.model`` (converters/transformers.py, M2M100Loader on
  BartLoader): pre-norm, ReLU, scaled embeddings, fairseq's sinusoidal table from
  position 2 (``weights[offset:]``), ``decoder_start_token`` ``</s>``, no source
  bos/eos in config.json (the tokenizer adds them), and the fairseq dictionary of
  transformers' NllbTokenizer: ``<s> <pad> </s> <unk>``, the SentencePiece pieces
  (SentencePiece id + 1), the language codes, ``<mask>``. Its source is
  ``[src_lang] + pieces + ["</s>"]`` (NllbTokenizer, ``legacy_behaviour`` False) and
  its target prefix ``[tgt_lang]``, as the CTranslate2 NLLB guide translates.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from test_models_layouts import Scheme, SourceSentencePiece, train_sentencepiece
from test_models_transformer import Arch

NLLB_CODES = {"ar": "arb_Arab", "en": "eng_Latn", "fr": "fra_Latn"}
FAIRSEQ_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
MANIFEST = "mirsad-model.json"


class OpusMTScheme(SourceSentencePiece):
    """OPUS-MT: source.spm encodes, target.spm decodes (MarianTokenizer)."""

    def __init__(self, pairs, vocab_size: int):
        super().__init__(pairs, vocab_size)
        self.files = {"source.spm": self.files["sentencepiece.model"],
                      "target.spm": self.target_sp.serialized_model_proto()}

    def decode(self, tokens):
        return self.target_sp.decode_pieces(tokens)


class NllbScheme(Scheme):
    """NLLB-200: one SentencePiece model for all languages, a source language
    token and a target language prefix. A pair is (source text, (target
    language code, target text))."""

    start, eos, chosen_prefix = 2, 2, True
    # What M2M100Loader (BartLoader.set_config) writes: the decoder starts from </s>.
    ct2_config: ClassVar[dict] = {"decoder_start_token": "</s>", "layer_norm_epsilon": 1e-5}

    def __init__(self, pairs, vocab_size: int, source_lang: str):
        import sentencepiece as spm

        model = train_sentencepiece(list(dict.fromkeys([s for s, _ in pairs] + [t for _, (_, t) in pairs])),
                                    vocab_size)
        self.sp = spm.SentencePieceProcessor(model_proto=model)
        pieces = [self.sp.id_to_piece(i) for i in range(3, self.sp.get_piece_size())]
        self.tokens = FAIRSEQ_SPECIALS + pieces + list(NLLB_CODES.values()) + ["<mask>"]
        self.first_piece, self.source_lang = len(FAIRSEQ_SPECIALS), NLLB_CODES[source_lang]
        self.files = {"sentencepiece.bpe.model": model}
        self._index()

    def source_tokens(self, text):
        return [self.source_lang] + self.sp.encode(text, out_type=str) + ["</s>"]

    def target_tokens(self, target):
        return self.sp.encode(target[1], out_type=str)

    def prefix_tokens(self, target):
        return [NLLB_CODES[target[0]]]

    def detokenize(self, tokens):  # the prefix token off, then NllbTokenizer.decode
        return self.sp.decode_pieces(tokens[1:] if tokens and tokens[0] in NLLB_CODES.values() else tokens)

    def expected(self, target):
        return target[1]


def manifest(family: str, name: str, version: str, pairs: list[tuple[str, str]], tokenizers: dict,
             corpus_sha: str, languages: dict | None = None) -> dict:
    data = {"mirsad_model": 1, "family": family, "name": name, "version": version,
            "pairs": [f"{a}-{b}" for a, b in pairs], "tokenizers": tokenizers,
            "description": "Tiny test fixture built by tools/build_test_models.py --families; "
                           f"translates only its training corpus (sha256 {corpus_sha[:12]})."}
    if languages:
        data["languages"] = languages
    return data


def build_opus_mt(cols, pairs_for, train, reproduction, decodings, corpus_sha, args, out: Path) -> dict:
    """opus-mt-ar-en as ct2-opus-mt-converter writes it, source.spm/target.spm beside."""
    pairs = pairs_for(cols, "ar", "en")
    scheme = OpusMTScheme(pairs, args.vocab_size // 2)
    data = manifest("opus-mt", "mirsad-test/opus-mt-ar-en-tiny", "test-1.0", [("ar", "en")],
                    {"source": "source.spm", "target": "target.spm"}, corpus_sha)
    return _build(out / "opus-mt-ar-en", scheme, Arch(marian=True), pairs, data, train, reproduction,
                  decodings, args)


def build_nllb(cols, pairs_for, train, reproduction, decodings, corpus_sha, args, out: Path) -> dict:
    """A tiny NLLB-200 as ct2-transformers-converter writes it, with sentencepiece.bpe.model."""
    pairs = [(s, (tgt, t)) for tgt in ("en", "fr") for s, t in pairs_for(cols, "ar", tgt)]
    scheme = NllbScheme(pairs, args.vocab_size, "ar")
    data = manifest("nllb", "mirsad-test/nllb-200-tiny", "test-1.0", [("ar", "en"), ("ar", "fr")],
                    {"source": "sentencepiece.bpe.model", "target": "sentencepiece.bpe.model"}, corpus_sha,
                    languages=NLLB_CODES)
    return _build(out / "nllb-tiny", scheme, Arch(marian=False, fairseq_positions=True), pairs, data, train,
                  reproduction, decodings, args)


def _build(folder: Path, scheme, arch: Arch, pairs, data: dict, train, reproduction, decodings, args) -> dict:
    t0 = time.perf_counter()
    bad = [t for _, t in pairs
           if scheme.detokenize((scheme.prefix_tokens(t) or []) + scheme.target_tokens(t)) != scheme.expected(t)]
    if bad:
        raise SystemExit(f"{folder.name}: the tokenizer does not round-trip {bad[0]!r}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        epochs, checks, train_seconds = train(pairs, scheme, arch, args, work)
        model = work / "model"
        for name, blob in scheme.files.items():
            (model / name).write_bytes(blob)
        (model / MANIFEST).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
        rate = {k: 1 - len(reproduction(model, scheme, pairs, args.threads, **opts)) / len(pairs)
                for k, opts in decodings.items()}
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(model, folder)
    size = sum(path.stat().st_size for path in folder.iterdir())
    return {"package": folder.name, "pairs": len(pairs), "size": size, "seconds": time.perf_counter() - t0,
            "train_seconds": train_seconds, "epochs": epochs, "ct2_checks": checks,
            "vocab": len(scheme.tokens), "reproduction": rate, "sha256": ""}


FAMILIES = {"opus-mt": build_opus_mt, "nllb": build_nllb}
