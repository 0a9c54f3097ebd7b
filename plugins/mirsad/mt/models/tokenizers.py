"""The two tokenizers real Argos packages carry, encoding and decoding the
way argostranslate 1.11.0 does (argostranslate/tokenizer.py and the end of
translate.py's apply_packaged_translation), so that our output is the text
a LibreTranslate user gets from the same package.

- `sentencepiece.model`: the OpenNMT-tf packages (ar_en 1.0) share one
  model between both languages; the OPUS-MT conversions (en_fr 1.9) hold
  only the *source* pieces, the target pieces being in Marian's vocabulary.
  SentencePiece leaves pieces it does not know verbatim, `▁` included, so
  argostranslate replaces `▁` (and `_`) by spaces after decoding.
- `bpe.model`: Moses tokenisation and punctuation normalisation (sacremoses)
  plus BPE codes (subword-nmt's apply_bpe, the code argostranslate copies).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

SENTENCEPIECE = "sentencepiece.model"
BPE = "bpe.model"
# argostranslate's Package() looks for these in this order (package.py).
TOKENIZER_FILES = (SENTENCEPIECE, BPE)


class Tokenizer(Protocol):
    file: str  # the package file it loads

    def encode(self, texts: list[str]) -> list[list[str]]: ...

    def decode(self, tokens: list[str]) -> str: ...

    def source_pieces(self) -> list[str]:
        """Pieces `encode` can produce: what the model's source vocabulary must hold."""


class SentencePieceTokenizer:
    file = SENTENCEPIECE

    def __init__(self, model_file: Path):
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=os.fspath(model_file))

    def encode(self, texts: list[str]) -> list[list[str]]:
        return self._processor.encode(texts, out_type=str)

    def decode(self, tokens: list[str]) -> str:
        return self._processor.decode_pieces(tokens).replace("▁", " ").replace("_", " ")

    def source_pieces(self) -> list[str]:
        processor = self._processor
        return [processor.id_to_piece(i) for i in range(processor.get_piece_size())
                if not (processor.is_control(i) or processor.is_unknown(i))]


class MosesBPETokenizer:
    file = BPE

    def __init__(self, codes_file: Path, from_code: str, to_code: str):
        from sacremoses.normalize import MosesPunctNormalizer
        from sacremoses.tokenize import MosesDetokenizer, MosesTokenizer
        from subword_nmt.apply_bpe import BPE as Codes

        self._normalizer = MosesPunctNormalizer(from_code)
        self._tokenizer = MosesTokenizer(from_code)
        self._detokenizer = MosesDetokenizer(to_code)
        with open(codes_file, encoding="utf-8") as codes:
            self._codes = Codes(codes)

    def encode(self, texts: list[str]) -> list[list[str]]:
        return [self._encode(text) for text in texts]

    def _encode(self, text: str) -> list[str]:
        words = " ".join(self._tokenizer.tokenize(self._normalizer.normalize(text)))
        return self._codes.segment_tokens(words.strip("\r\n ").split(" "))

    def decode(self, tokens: list[str]) -> str:
        return self._detokenizer.detokenize(" ".join(tokens).replace("@@ ", "").split(" "))

    def source_pieces(self) -> list[str]:
        """The units the codes merge into, with their continuation marks."""
        units = {"".join(pair) for pair in self._codes.bpe_codes}
        return sorted({unit.replace("</w>", "") if unit.endswith("</w>") else unit + "@@" for unit in units})


def tokenizer_file(folder: Path) -> str | None:
    """The tokenizer file argostranslate would load from a package folder."""
    return next((name for name in TOKENIZER_FILES if (folder / name).is_file()), None)


def load_tokenizer(folder: Path, from_code: str, to_code: str) -> Tokenizer:
    name = tokenizer_file(folder)
    if name == SENTENCEPIECE:
        return SentencePieceTokenizer(folder / name)
    if name == BPE:
        return MosesBPETokenizer(folder / name, from_code, to_code)
    raise FileNotFoundError(f"{folder}: no {' or '.join(TOKENIZER_FILES)}")
