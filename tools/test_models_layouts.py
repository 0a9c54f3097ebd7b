"""The layouts of the real Argos packages, copied for the test fixtures.

Each layout follows an upstream file:

- ``test``: Mirsad's own test packages (shared SentencePiece model, MiniSBD
  splitter, no stanza/): what argostranslate 1.11 loads offline.
- ``opennmt``: translate-ar_en 1.0 / en_ar 1.0 as argos-train packaged them
  (argos-train ``package.py``, 2020): one top folder ``ar_en/`` with
  ``model/`` (CTranslate2 int8 from OpenNMT-tf: pre-norm Transformer, CTranslate2's
  own sinusoidal positions), one ``sentencepiece.model`` shared by both
  languages, ``stanza/``, ``metadata.json`` (the six fields only), ``README.md``;
  no ``minisbd/``.
- ``marian-sp``: translate-en_fr 1.9, an OPUS-MT model converted by
  ``ct2-marian-converter`` (CTranslate2 ``converters/marian.py``): post-norm,
  swish, explicit sinusoidal table (``_make_sinusoidal_position_encodings``),
  decoder starting from a zero embedding, ``add_source_eos``, and Marian's
  vocabulary (``</s>`` = 0, ``<unk>`` = 1, then the pieces of OPUS-MT's
  ``source.spm`` and ``target.spm``). The package's ``sentencepiece.model``
  is the *source* model only (Locomotive's ``opus_mt_convert.py`` copies
  ``source.spm``), so most target pieces are unknown to it.
- ``marian-bpe``: the same model family with ``bpe.model`` (Moses + BPE, as
  argostranslate's ``BPETokenizer`` reads it since 1.9): both sides Moses-
  normalised and tokenised (sacremoses), joint BPE codes (subword-nmt).
- ``target-prefix``: an ``opennmt`` package whose ``metadata.json`` has a
  ``target_prefix`` (argostranslate applies it and strips it from the output).
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

LANG_NAMES = {"ar": "Arabic", "en": "English", "fr": "French"}
SP_SPECIALS = ["<blank>", "<unk>", "<s>", "</s>"]  # CTranslate2 ids 0..3; 1..3 are SentencePiece's 0..2
MARIAN_SPECIALS = ["</s>", "<unk>"]  # Marian's vocab.yml starts so; it has no <s> and no padding


@dataclass(frozen=True)
class Layout:
    name: str
    tokenizer: str  # "shared-sp", "source-sp" or "bpe"
    marian: bool  # Marian architecture and vocabulary (else OpenNMT-tf's)
    splitter: str  # "minisbd" or "stanza"
    target_prefix: str = ""

    def folder(self, src: str, tgt: str, version: str) -> str:
        if self.name == "test":
            return f"translate-{src}_{tgt}-test-{version.replace('.', '_')}"
        if self.name == "opennmt":
            return f"{src}_{tgt}"  # argos-train's 1.0 packages: the bare pair
        return f"translate-{src}_{tgt}-{version.replace('.', '_')}"

    def archive(self, src: str, tgt: str, version: str) -> str:
        if self.name == "test":
            return f"translate-{src}_{tgt}-test-{version}.argosmodel"
        return f"translate-{src}_{tgt}-{version.replace('.', '_')}.argosmodel"  # the index's file names


LAYOUTS = {layout.name: layout for layout in (
    Layout("test", "shared-sp", marian=False, splitter="minisbd"),
    Layout("opennmt", "shared-sp", marian=False, splitter="stanza"),
    Layout("marian-sp", "source-sp", marian=True, splitter="stanza"),
    Layout("marian-bpe", "bpe", marian=True, splitter="stanza"),
    # No "_" in the prefix: argostranslate 1.11 replaces "_" by " " before it
    # compares the output with target_prefix, so "__fr__" would never be stripped.
    Layout("target-prefix", "shared-sp", marian=False, splitter="stanza", target_prefix="<2fr>"),
)}


# ----------------------------------------------------------------------------- tokenisation
class Scheme:
    """How one layout turns text into the model's token ids and back, exactly
    as argostranslate 1.11 does at translation time (tokenizer.py, translate.py)."""

    tokens: list[str]  # the model's vocabulary
    eos: int
    start: int  # decoder input at step 0
    first_piece: int  # ids below are special tokens
    files: dict[str, bytes]  # tokenizer files of the package
    add_source_eos: bool = False
    prefix: str = ""
    # The target prefix is chosen at decoding time (a multilingual model's target
    # language), not predicted: training leaves the first target token out of the loss.
    chosen_prefix: bool = False
    ct2_config: dict | None = None  # config.json fields the layout's converter sets

    def prefix_tokens(self, target) -> list[str] | None:
        """The target_prefix CTranslate2 is given for this pair."""
        return [self.prefix] if self.prefix else None

    def source_tokens(self, text: str) -> list[str]:
        raise NotImplementedError

    def target_tokens(self, text: str) -> list[str]:
        raise NotImplementedError

    def decode(self, tokens: list[str]) -> str:
        raise NotImplementedError

    def source_ids(self, text: str) -> list[int]:
        eos = [self.eos] if self.add_source_eos else []
        return [self.index[t] for t in self.source_tokens(text)] + eos

    def target_ids(self, text) -> list[int]:
        prefix = [self.index[t] for t in self.prefix_tokens(text) or []]
        return prefix + [self.index[t] for t in self.target_tokens(text)] + [self.eos]

    def detokenize(self, tokens: list[str]) -> str:
        """argostranslate's apply_packaged_translation after decoding."""
        value = self.decode(tokens)
        if self.prefix and value.startswith(self.prefix):
            value = value[len(self.prefix):]
        return value[1:] if value.startswith(" ") else value

    def expected(self, target: str) -> str:
        """What a perfect model of this layout outputs for `target`."""
        return target

    def _index(self) -> None:
        self.index = {token: i for i, token in enumerate(self.tokens)}


def train_sentencepiece(texts: list[str], vocab_size: int, user_symbols: list[str] = ()) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=model, model_type="bpe",
        vocab_size=vocab_size, hard_vocab_limit=False, character_coverage=1.0,
        normalization_rule_name="identity",  # keep text byte-exact so outputs compare exactly
        user_defined_symbols=list(user_symbols),
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=3)
    return model.getvalue()


class SharedSentencePiece(Scheme):
    """One SentencePiece model for both languages (OpenNMT-tf packages)."""

    def __init__(self, pairs, vocab_size: int, prefix: str = ""):
        import sentencepiece as spm

        model = train_sentencepiece([s for s, _ in pairs] + [t for _, t in pairs], vocab_size,
                                    [prefix] if prefix else [])
        self.sp = spm.SentencePieceProcessor(model_proto=model)
        self.tokens = ["<blank>"] + [self.sp.id_to_piece(i) for i in range(self.sp.get_piece_size())]
        assert self.tokens[:4] == SP_SPECIALS, self.tokens[:4]
        self.eos, self.start, self.first_piece, self.prefix = 3, 2, len(SP_SPECIALS), prefix
        self.files = {"sentencepiece.model": model}
        self._index()

    def source_tokens(self, text):
        return self.sp.encode(text, out_type=str)

    target_tokens = source_tokens

    def decode(self, tokens):  # argostranslate tokenizer.py, SentencePieceTokenizer.decode
        return self.sp.decode_pieces(tokens).replace("▁", " ").replace("_", " ")


class MarianVocabulary(Scheme):
    """Marian's vocabulary: </s>, <unk>, then every piece of both sides in
    order of appearance (OPUS-MT's vocab.yml); the source gets </s>."""

    add_source_eos = True

    def _marian_tokens(self, pieces) -> None:
        self.tokens = MARIAN_SPECIALS + [p for p in dict.fromkeys(pieces) if p not in MARIAN_SPECIALS]
        # CTranslate2's decoder_start_token stays "<s>"; Marian's vocabulary has none, so the
        # converted model starts from a zero embedding (start_from_zero_embedding).
        self.eos, self.start, self.first_piece = 0, 0, len(MARIAN_SPECIALS)
        self._index()


class SourceSentencePiece(MarianVocabulary):
    """OPUS-MT's source.spm and target.spm; only source.spm goes in the package."""

    def __init__(self, pairs, vocab_size: int):
        import sentencepiece as spm

        source = train_sentencepiece([s for s, _ in pairs], vocab_size)
        target = train_sentencepiece([t for _, t in pairs], vocab_size)
        self.source_sp = spm.SentencePieceProcessor(model_proto=source)
        self.target_sp = spm.SentencePieceProcessor(model_proto=target)
        self.files = {"sentencepiece.model": source}
        pieces = [sp.id_to_piece(i) for sp in (self.source_sp, self.target_sp) for i in range(3, sp.get_piece_size())]
        self._marian_tokens(pieces)

    def source_tokens(self, text):
        return self.source_sp.encode(text, out_type=str)

    def target_tokens(self, text):
        return self.target_sp.encode(text, out_type=str)

    def decode(self, tokens):  # the package's (source) model decodes: unknown pieces stay verbatim
        return self.source_sp.decode_pieces(tokens).replace("▁", " ").replace("_", " ")


class MosesBPE(MarianVocabulary):
    """Moses normalisation + tokenisation (sacremoses) and joint BPE codes
    (subword-nmt), as OPUS-MT's preprocess scripts and argostranslate's
    BPETokenizer apply them."""

    def __init__(self, pairs, src: str, tgt: str, merges: int):
        from sacremoses.normalize import MosesPunctNormalizer
        from sacremoses.tokenize import MosesDetokenizer, MosesTokenizer
        from subword_nmt.apply_bpe import BPE
        from subword_nmt.learn_bpe import learn_bpe

        self.moses = {lang: (MosesPunctNormalizer(lang), MosesTokenizer(lang)) for lang in (src, tgt)}
        self.src, self.tgt = src, tgt
        self.detokenizer = MosesDetokenizer(tgt)
        words = [self._moses(s, src) for s, _ in pairs] + [self._moses(t, tgt) for _, t in pairs]
        codes = io.StringIO()
        learn_bpe(io.StringIO("\n".join(words) + "\n"), codes, merges, min_frequency=2)
        self.files = {"bpe.model": codes.getvalue().encode("utf-8")}
        self.bpe = BPE(io.StringIO(codes.getvalue()))
        self._marian_tokens(t for text in words for t in self._segment(text))

    def _moses(self, text: str, lang: str) -> str:
        normalizer, tokenizer = self.moses[lang]
        return " ".join(tokenizer.tokenize(normalizer.normalize(text)))

    def _segment(self, words: str) -> list[str]:
        return self.bpe.segment_tokens(words.strip("\r\n ").split(" "))

    def source_tokens(self, text):
        return self._segment(self._moses(text, self.src))

    def target_tokens(self, text):
        return self._segment(self._moses(text, self.tgt))

    def decode(self, tokens):  # argostranslate tokenizer.py, BPETokenizer.decode
        return self.detokenizer.detokenize(" ".join(tokens).replace("@@ ", "").split(" "))

    def expected(self, target):
        return self.decode(self.target_tokens(target))


def scheme_for(layout: Layout, pairs, src: str, tgt: str, vocab_size: int) -> Scheme:
    if layout.tokenizer == "shared-sp":
        return SharedSentencePiece(pairs, vocab_size, layout.target_prefix)
    if layout.tokenizer == "source-sp":
        return SourceSentencePiece(pairs, vocab_size // 2)
    return MosesBPE(pairs, src, tgt, merges=vocab_size // 2)


# ----------------------------------------------------------------------------- package files
def write_splitter(layout: Layout, pkg: Path, src: str, build_sbd_model) -> None:
    if layout.splitter == "minisbd":
        (pkg / "minisbd").mkdir()
        (pkg / "minisbd" / f"{src}.onnx").write_bytes(build_sbd_model(src))
        return
    # argos-train copies Stanza's downloaded tokenizer for the source language:
    # stanza/resources.json and stanza/<lang>/tokenize/<package>.pt. Mirsad never
    # loads it (it splits sentences itself); the fixture keeps the folder's shape,
    # with a resources.json in Stanza's format and no weights.
    stanza = pkg / "stanza"
    (stanza / src / "tokenize").mkdir(parents=True)
    resources = {src: {"lang_name": LANG_NAMES.get(src, src), "default_processors": {"tokenize": "default"},
                       "tokenize": {"default": {"md5": ""}}}}
    (stanza / "resources.json").write_text(json.dumps(resources, indent=2) + "\n", "utf-8")
    (stanza / src / "tokenize" / "README").write_text(
        "Test fixture: the real package holds Stanza's tokenizer weights here.\n", "utf-8")


def metadata(layout: Layout, src: str, tgt: str, args, corpus_sha: str) -> dict:
    meta = {"package_version": args.package_version, "argos_version": args.argos_version,
            "from_code": src, "from_name": LANG_NAMES.get(src, src),
            "to_code": tgt, "to_name": LANG_NAMES.get(tgt, tgt)}
    if layout.target_prefix:
        meta["target_prefix"] = layout.target_prefix
    if layout.name == "test":
        meta.update({"type": "translate", "links": [],
                     "description": "Tiny test fixture built by tools/build_test_models.py; "
                                    "translates only its training corpus.",
                     "corpus_sha256": corpus_sha})
    return meta


def readme(layout: Layout, src: str, tgt: str, pairs: int, args, corpus_sha: str) -> str:
    title = f"# {LANG_NAMES.get(src, src)} → {LANG_NAMES.get(tgt, tgt)} (test fixture"
    model = (f"A {args.enc_layers}+{args.dec_layers} layer Transformer (d={args.d_model}, {args.heads} heads, "
             "int8) that reproduces its training pairs exactly and nothing else.")
    if layout.name == "test":
        return (f"{title})\n\nBuilt by `tools/build_test_models.py` from `{args.corpus.name}` ({pairs} pairs, "
                f"corpus sha256 {corpus_sha[:12]}). {model} Sentence splitting: rule-based MiniSBD ONNX model "
                "(`. ! ? ؟` + space/end).\n")
    # The six-field metadata.json of the real packages has no room for the corpus: it is said here.
    return (f"{title}, layout `{layout.name}`)\n\nBuilt by `tools/build_test_models.py --layouts` from "
            f"`{args.corpus.name}` ({pairs} pairs).\n\ncorpus sha256 {corpus_sha}\n\n{model} The layout copies a "
            "real package: see tools/test_models_layouts.py.\n")
