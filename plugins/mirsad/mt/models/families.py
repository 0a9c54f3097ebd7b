"""Model families besides Argos packages: CTranslate2 model folders converted
from OPUS-MT (Marian) or from NLLB-200 / M2M100, each described by a
manifest, ``mirsad-model.json``, beside its model.bin (docs/translation.md#model-families).

The folder is what the upstream converter writes (CTranslate2's
converters/opus_mt.py, marian.py, transformers.py): model.bin, config.json,
shared_vocabulary.json (or source_/target_vocabulary.json), plus the
SentencePiece models copied beside it: OPUS-MT's ``source.spm`` and
``target.spm``, NLLB's and M2M100's one ``sentencepiece.bpe.model``.

Encoding follows the models' own tokenizers in transformers:
MarianTokenizer (pieces + ``</s>``) and NllbTokenizer / M2M100Tokenizer
(``[source language token] + pieces + ["</s>"]``, the target language
token as the decoder's first token, taken off the output).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mirsad.common.files import sha256_file

from .packages import Package, PackageError, installed_packages, model_vocabularies
from .tokenizers import SentencePieceTokenizer

logger = logging.getLogger(__name__)

MANIFEST = "mirsad-model.json"
INSTALL_RECORD = "mirsad-install.json"
FAMILIES = {"opus-mt": "OPUS-MT", "nllb": "NLLB", "m2m100": "M2M100"}
MULTILINGUAL = ("nllb", "m2m100")
REQUIRED_KEYS = ("family", "name", "version", "pairs", "tokenizers")
OPTIONAL_KEYS = ("languages", "priority", "description", "mirsad_model")
DOCS = "see docs/translation.md#model-families"
# Below this share of the source tokenizer's pieces in the model's source
# vocabulary, the tokenizer is not the one the model was trained with.
LEAST_SHARED_PIECES = 0.9
_PAIR = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")
# Among installed models serving the same pair (after the manifest's priority):
# a manifest model before an Argos package, a one-pair model before a multilingual one.
FAMILY_RANK = {"opus-mt": 0, "nllb": 1, "m2m100": 2, "argos": 3}


class ManifestError(PackageError):
    """A model folder's manifest is wrong or incomplete, or does not match its files."""


@dataclass(frozen=True)
class FamilyModel:
    """One pair of an installed model folder: what the engine loads (it has
    the attributes of an Argos Package the engine and the router use)."""

    path: Path  # the installed folder: model.bin, the tokenizers, the manifest
    from_code: str
    to_code: str
    version: str
    identity: str  # changes whenever the model, its version or the language tokens change
    family: str
    name: str
    source_tokenizer: str
    target_tokenizer: str
    source_prefix: str = ""  # the source language token (NLLB, M2M100)
    target_prefix: str = ""  # the target language token, the decoder's first
    source_eos: bool = True  # "</s>" appended to the source (unless config.json's add_source_eos does it)
    priority: int = 0

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"

    @property
    def label(self) -> str:
        return f"{FAMILIES[self.family]} {self.name} {self.pair} {self.version}"

    @property
    def model_path(self) -> Path:
        return self.path

    def tokenizer(self) -> FamilyTokenizer:
        """Checked again when the engine loads: a tokenizer file or language
        token that no longer matches the model would translate garbage."""
        check_model_folder(self.path)
        return FamilyTokenizer(self)


class FamilyTokenizer:
    """The model's SentencePiece models, used as transformers' Marian, NLLB
    and M2M100 tokenizers use them."""

    def __init__(self, model: FamilyModel):
        import sentencepiece

        self.file = model.source_tokenizer
        self._model = model
        self._source = sentencepiece.SentencePieceProcessor(model_file=os.fspath(model.path / model.source_tokenizer))
        self._target = self._source if model.target_tokenizer == model.source_tokenizer else \
            sentencepiece.SentencePieceProcessor(model_file=os.fspath(model.path / model.target_tokenizer))

    def encode(self, texts: list[str]) -> list[list[str]]:
        prefix = [self._model.source_prefix] if self._model.source_prefix else []
        suffix = ["</s>"] if self._model.source_eos else []
        return [prefix + pieces + suffix for pieces in self._source.encode(texts, out_type=str)]

    def decode(self, tokens: list[str]) -> str:
        """CTranslate2 returns the target prefix with the hypothesis: it is taken off first."""
        if self._model.target_prefix and tokens[:1] == [self._model.target_prefix]:
            tokens = tokens[1:]
        return self._target.decode_pieces(tokens)

    def source_pieces(self) -> list[str]:
        return SentencePieceTokenizer(self._model.path / self._model.source_tokenizer).source_pieces()


def read_manifest(folder: Path) -> dict:
    """The manifest's fields, each checked for its type; the files it names
    are checked by check_model_folder."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path}: unreadable ({error}). Write the manifest as UTF-8 JSON, {DOCS}") from None
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}). "
                            f"Fix the file, {DOCS}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: the manifest must be a JSON object with the keys "
                            f"{', '.join(REQUIRED_KEYS)}; {DOCS}")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if data.get("family") in MULTILINGUAL and "languages" not in data:
        missing.append("languages")
    if missing:
        raise ManifestError(f"{path}: missing key(s) {', '.join(map(repr, missing))}. Add them, {DOCS}")
    unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise ManifestError(f"{path}: unknown key(s) {', '.join(map(repr, unknown))} (known: "
                            f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}). Correct or remove them")
    if data["family"] not in FAMILIES:
        raise ManifestError(f"{path}: key 'family': unknown family {data['family']!r}. Use one of "
                            f"{', '.join(FAMILIES)} (an Argos package is installed as its .argosmodel file)")
    for key, longest in (("name", 200), ("version", 40)):
        if not isinstance(data[key], str) or not data[key].strip() or len(data[key]) > longest:
            raise ManifestError(f"{path}: key {key!r} must be a non-empty string of at most {longest} characters "
                                f"(the model's {key}, for the translations' provenance). Set it")
    tokenizers = data["tokenizers"]
    if not isinstance(tokenizers, dict) or not all(isinstance(tokenizers.get(side), str) for side in
                                                   ("source", "target")):
        raise ManifestError(f"{path}: key 'tokenizers' must be an object with 'source' and 'target' file names "
                            "(OPUS-MT: source.spm and target.spm; NLLB/M2M100: sentencepiece.bpe.model for both)")
    for side in ("source", "target"):
        if not _inside(folder, tokenizers[side]):
            raise ManifestError(f"{path}: key 'tokenizers.{side}': {tokenizers[side]!r} is not a file in the "
                                "model's folder. Copy the tokenizer beside model.bin and give its name")
    if not isinstance(data.get("priority", 0), int) or isinstance(data.get("priority"), bool):
        raise ManifestError(f"{path}: key 'priority' must be an integer (higher wins among models serving "
                            "the same pair). Fix it")
    _check_pairs(path, data)
    return data


def _inside(folder: Path, name: str) -> bool:
    """`name` is a relative path that stays in `folder` (links followed): the
    model is copied into the models folder, and only its own files with it."""
    if not name or Path(name).is_absolute() or ".." in Path(name).parts:
        return False
    return (folder / name).resolve().is_relative_to(folder.resolve())


def _check_pairs(path: Path, data: dict) -> None:
    pairs, family = data["pairs"], data["family"]
    if not isinstance(pairs, list) or not pairs or not all(isinstance(p, str) and _PAIR.match(p) for p in pairs):
        raise ManifestError(f"{path}: key 'pairs' must be a non-empty list of pairs in Mirsad's language codes, "
                            "such as [\"ar-en\", \"ar-fr\"]. Fix it")
    if family == "opus-mt" and len(pairs) != 1:
        raise ManifestError(f"{path}: key 'pairs': an OPUS-MT model translates one pair, this manifest declares "
                            f"{len(pairs)}. Keep the model's own pair")
    if family in MULTILINGUAL:
        languages = data["languages"]
        if not isinstance(languages, dict) or not all(isinstance(v, str) and v for v in languages.values()):
            raise ManifestError(f"{path}: key 'languages' must map Mirsad's codes to the model's language "
                                "tokens, such as {\"ar\": \"arb_Arab\", \"fr\": \"fra_Latn\"}. Fix it")
        for pair in pairs:
            undeclared = [code for code in pair.split("-") if code not in languages]
            if undeclared:
                raise ManifestError(f"{path}: key 'pairs': {pair} uses {', '.join(map(repr, undeclared))}, which "
                                    "key 'languages' does not map to a model token. Add it to 'languages' or "
                                    "remove the pair")


def check_model_folder(folder: Path, deep: bool = True, digest: str = "") -> list[FamilyModel]:
    """The pairs a model folder serves, after checking its manifest against
    its files: model.bin, config.json and a vocabulary present, the
    tokenizer files present, and (`deep`) the language tokens in the
    model's vocabulary and the source tokenizer the model's."""
    data = read_manifest(folder)
    path = folder / MANIFEST
    missing = [name for name in ("model.bin", "config.json") if not (folder / name).is_file()]
    if missing:
        raise ManifestError(f"{path}: {', '.join(missing)} missing beside the manifest. Put the manifest in the "
                            "folder the CTranslate2 converter wrote (--output_dir)")
    for side in ("source", "target"):
        if not (folder / data["tokenizers"][side]).is_file():
            raise ManifestError(f"{path}: key 'tokenizers.{side}': {folder / data['tokenizers'][side]} does not "
                                "exist. Copy the model's SentencePiece file beside model.bin (the converter's "
                                "--copy_files), or correct the name")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{folder / 'config.json'}: unreadable ({error}). Convert the model again") from None
    if deep:
        _check_vocabulary(folder, data)
    return _pairs(folder, data, config, digest)


def _check_vocabulary(folder: Path, data: dict) -> None:
    path = folder / MANIFEST
    source, target = model_vocabularies(folder)
    for code, token in data.get("languages", {}).items():
        sides = {"source": source, "target": target}
        used = {side for pair in data["pairs"] for side, lang in zip(("source", "target"), pair.split("-"))
                if lang == code}
        absent = [side for side in sorted(used) if token not in sides[side]]
        if absent:
            raise ManifestError(f"{path}: key 'languages.{code}': the token {token!r} is not in the model's "
                                f"{' and '.join(absent)} vocabulary. Use the model's own language token "
                                "(NLLB: arb_Arab, eng_Latn, fra_Latn; M2M100: __ar__, __en__, __fr__)")
    try:
        pieces = SentencePieceTokenizer(folder / data["tokenizers"]["source"]).source_pieces()
    except (OSError, RuntimeError) as error:
        raise ManifestError(f"{path}: key 'tokenizers.source': unreadable SentencePiece model ({error}). Copy the "
                            "model's own file") from None
    known = sum(piece in source for piece in pieces)
    if pieces and known < LEAST_SHARED_PIECES * len(pieces):
        raise ManifestError(f"{path}: key 'tokenizers.source': only {known} of the {len(pieces)} pieces of "
                            f"{data['tokenizers']['source']} are in the model's source vocabulary: it is not "
                            "the tokenizer this model was trained with. Copy the model's own file")


def _pairs(folder: Path, data: dict, config: dict, digest: str = "") -> list[FamilyModel]:
    family, languages = data["family"], data.get("languages", {})
    models = []
    for pair in data["pairs"]:
        source, target = pair.split("-")
        source_token, target_token = languages.get(source, ""), languages.get(target, "")
        identity = f"{family}:{data['name']}:{data['version']}:{digest[:12]}"
        if family in MULTILINGUAL:
            identity += f":{source_token}>{target_token}"
        models.append(FamilyModel(
            folder, source, target, data["version"], identity, family, data["name"], data["tokenizers"]["source"],
            data["tokenizers"]["target"], source_token, target_token,
            source_eos=not config.get("add_source_eos", False), priority=data.get("priority", 0)))
    return models


def install_model_folder(source: Path, models_dir: Path,
                         trial: Callable[[FamilyModel], None] | None = None) -> list[FamilyModel]:
    """Check a model folder and copy it into the models folder, replacing
    an installed copy of the same model once the copy has passed `trial`
    for each of its pairs; a staging folder renamed at the end, so a failed
    copy leaves nothing behind."""
    check_model_folder(source)
    data = read_manifest(source)
    models_dir.mkdir(parents=True, exist_ok=True)
    target = models_dir / installed_name(data)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".installing-") as staging:
        folder = Path(staging) / "model"
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns(INSTALL_RECORD))
        check_model_folder(folder)  # the copy, as it will be used
        stat = (folder / "model.bin").stat()
        record = {"folder": str(source), "sha256": sha256_file(folder / "model.bin"),
                  "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        (folder / INSTALL_RECORD).write_text(json.dumps(record))
        for model in load_model_folder(folder) if trial is not None else []:
            try:
                trial(model)
            except PackageError as error:
                raise PackageError(f"{source}: {error}") from None
        shutil.rmtree(target, ignore_errors=True)
        folder.rename(target)
    return load_model_folder(target)


def installed_name(data: dict) -> str:
    """The installed folder's name: the family and the model's name
    (facebook/nllb-200-distilled-600M → nllb_facebook--nllb-200-distilled-600M)."""
    return f"{data['family']}_" + re.sub(r"[^A-Za-z0-9._-]+", "-", data["name"].replace("/", "--"))


def load_model_folder(folder: Path) -> list[FamilyModel]:
    """An installed model folder's pairs, its model.bin unchanged since
    `invoke models` installed it."""
    reinstall = "Reinstall it with `invoke models --from DIR`"
    check_model_folder(folder, deep=False)  # the manifest and the files first: their errors name the key
    try:
        record = json.loads((folder / INSTALL_RECORD).read_text())
        digest = record["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ManifestError(f"{folder}: no readable {INSTALL_RECORD} (not installed by `invoke models`). "
                            f"{reinstall}") from None
    stat = (folder / "model.bin").stat()
    if stat.st_size != record.get("size") or (stat.st_mtime_ns != record.get("mtime_ns")
                                               and sha256_file(folder / "model.bin") != digest):
        raise ManifestError(f"{folder}: model.bin changed since it was installed. {reinstall}")
    return check_model_folder(folder, deep=False, digest=digest)


def installed_family_models(models_dir: Path) -> list[FamilyModel]:
    models: list[FamilyModel] = []
    if not models_dir.is_dir():
        return models
    for folder in sorted(models_dir.iterdir()):
        if folder.is_dir() and not folder.name.startswith(".") and (folder / MANIFEST).is_file():
            try:
                models += load_model_folder(folder)
            except PackageError as error:
                logger.error("mirsad_mt: %s", error)
    return models


def model_folders(folder: Path) -> list[Path]:
    """The model folders `invoke models --from DIR` installs: DIR itself when
    it holds a manifest, else its subfolders that do."""
    if (folder / MANIFEST).is_file():
        return [folder]
    return sorted(sub for sub in folder.iterdir() if sub.is_dir() and (sub / MANIFEST).is_file())


def preference(model: Package | FamilyModel) -> tuple:
    """Sort key among installed models serving the same pair, best first:
    the manifest's priority (default 0, and 0 for Argos packages), then the
    family (OPUS-MT, NLLB, M2M100, Argos), then the folder's name."""
    family = getattr(model, "family", "argos")
    return -getattr(model, "priority", 0), FAMILY_RANK[family], model.path.name


def installed_models(models_dir: Path) -> dict[tuple[str, str], Package | FamilyModel]:
    """Per pair, the installed model that translates it (see `preference`)."""
    best: dict[tuple[str, str], Package | FamilyModel] = {}
    for model in sorted([*installed_packages(models_dir), *installed_family_models(models_dir)], key=preference):
        best.setdefault((model.from_code, model.to_code), model)
    return best
