"""Argos Translate model packages (.argosmodel): check, install, list.

A package is a zip with one top-level folder holding metadata.json (with
from_code, to_code, package_version), model/ (a CTranslate2 model) and a
tokenizer: sentencepiece.model or bpe.model (see tokenizers.py). Real
packages also carry stanza/ or minisbd/ (sentence splitters, which Mirsad
does not use: it splits sentences itself) and a README.md. Mirsad loads
these files itself (see engine.py); it does not need argostranslate at
build time.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mirsad.common.files import sha256_file

from .tokenizers import BPE, TOKENIZER_FILES, Tokenizer, load_tokenizer, tokenizer_file

logger = logging.getLogger(__name__)

REQUIRED = ("metadata.json", "model/model.bin")
REINSTALL = "Reinstall it with `invoke models` (or `invoke models --from DIR`)"
# metadata.json fields of multilingual packages (argostranslate/package.py,
# load_metadata_from_json): they change which language is decoded, which a
# one-pair engine cannot honour. Such a package is refused, not run wrongly.
MULTILINGUAL_FIELDS = ("languages", "from_codes", "to_codes", "source_languages", "target_languages")
# Below this share of the tokenizer's pieces in the model's source vocabulary,
# the tokenizer is not the one the model was trained with.
LEAST_SHARED_PIECES = {"sentencepiece.model": 0.9, "bpe.model": 0.5}
INSTALL_RECORD = "mirsad-install.json"
# metadata.json's and the index's language codes (argospm's: "ar", "pt", "zt",
# "pb") and versions ("1.0", "1.9.1"): what is printed and made into names.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{1,8})?")
LONGEST_VERSION = 40


@dataclass(frozen=True)
class ExtractionLimits:
    """What a package may expand to (MIRSAD_MT's package_max_bytes,
    package_max_ratio): a real NLLB-3.3B package (about 6.6 GB of float16
    weights) passes; a zip bomb (a few MB that expand to GBs) does not."""

    max_bytes: int = 16 * 1024**3  # all its files, uncompressed
    max_ratio: float = 100.0  # a file's size over its compressed size ...
    ratio_from: int = 1024**2  # ... for files of at least this size (small text files compress well)


# A model tried before it replaces another (mirsad.mt.engines.trial); PackageError when it fails.
Trial = Callable[["Package"], None]


class PackageError(ValueError):
    """A model package is corrupt, incomplete or for the wrong pair."""


@dataclass(frozen=True)
class Package:
    path: Path  # the installed folder
    from_code: str
    to_code: str
    version: str
    identity: str  # changes whenever the model files change
    target_prefix: str = ""  # metadata.json's: the first target token, taken off the output

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"

    @property
    def label(self) -> str:
        return f"Argos {self.pair} {self.version}"

    @property
    def model_path(self) -> Path:
        return self.path / "model"

    def tokenizer(self) -> Tokenizer:
        return checked_tokenizer(self.path, self.from_code, self.to_code, self.target_prefix)


def check_archive(archive: Path, expected_pair: tuple[str, str] | None = None,
                  limits: ExtractionLimits = ExtractionLimits()) -> dict:
    """Validate a .argosmodel file without extracting it; return its metadata."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            names = [n for n in bundle.namelist() if n and not n.endswith("/")]
            _check_paths(archive, names)
            _check_sizes(archive, bundle.infolist(), limits)
            tops = {PurePosixPath(n).parts[0] for n in names}
            if len(tops) != 1 or any(len(PurePosixPath(n).parts) < 2 for n in names):
                raise PackageError(
                    f"{archive}: a package must hold exactly one top-level folder (found "
                    f"{sorted(tops)[:5]}). Re-download it or rebuild it with its tool"
                )
            top = tops.pop()
            missing = [f for f in REQUIRED if f"{top}/{f}" not in names]
            if not any(f"{top}/{name}" in names for name in TOKENIZER_FILES):
                missing.append(" or ".join(TOKENIZER_FILES))
            if missing:
                raise PackageError(f"{archive}: incomplete package, missing {', '.join(missing)}. Re-download it")
            metadata = json.loads(bundle.read(f"{top}/metadata.json"))
            if not isinstance(metadata, dict):
                raise PackageError(f"{archive}: metadata.json is not a JSON object. Re-download the package")
            bad = bundle.testzip()
            if bad:
                raise PackageError(f"{archive}: corrupt file {bad} inside the package. Re-download it")
    except zipfile.BadZipFile:
        raise PackageError(f"{archive}: not a valid .argosmodel (zip) file. Re-download it") from None
    except (zlib.error, EOFError):  # damaged compressed data that the CRC check did not reach
        raise PackageError(f"{archive}: corrupt data inside the package. Re-download it") from None
    except PackageError:
        raise
    except ValueError:  # not JSON, not UTF-8, or a number Python will not read (over 4300 digits)
        raise PackageError(f"{archive}: metadata.json is not valid JSON. Re-download the package") from None
    check_metadata(archive, metadata, "Use a package for one language pair")
    pair = (metadata["from_code"], metadata["to_code"])
    named = _named_pair(archive.name)
    if named and named != pair:
        raise PackageError(
            f"{archive}: the file name says {named[0]}→{named[1]} but its metadata.json says "
            f"{pair[0]}→{pair[1]}. Use the right package (a mislabelled file is not installed)"
        )
    if expected_pair and pair != expected_pair:
        raise PackageError(
            f"{archive}: this package translates {pair[0]}→{pair[1]}, not "
            f"{expected_pair[0]}→{expected_pair[1]}. Use the right package"
        )
    metadata["_top"] = top
    return metadata


def install_archive(archive: Path, models_dir: Path, expected_pair: tuple[str, str] | None = None,
                    trial: Trial | None = None, limits: ExtractionLimits = ExtractionLimits()) -> Package:
    """Check and install one package; an installed copy of the same pair is
    replaced, once the staged copy has passed `trial` (it translates)."""
    metadata = check_archive(archive, expected_pair, limits)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".installing-") as staging:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(staging)
        folder = Path(staging) / metadata["_top"]
        checked_tokenizer(folder, metadata["from_code"], metadata["to_code"], metadata.get("target_prefix", ""),
                          where=archive)
        (folder / INSTALL_RECORD).write_text(json.dumps({"archive": archive.name, **_fingerprint(folder)}))
        if trial is not None:
            try:
                trial(load_package(folder))
            except PackageError as error:
                raise PackageError(f"{archive}: {error}") from None
        for old in installed_packages(models_dir):
            if (old.from_code, old.to_code) == (metadata["from_code"], metadata["to_code"]):
                shutil.rmtree(old.path)
        target = models_dir / f"translate-{metadata['from_code']}_{metadata['to_code']}"
        shutil.rmtree(target, ignore_errors=True)
        folder.rename(target)  # atomic: a half-extracted package is never visible
    return load_package(target)


def installed_packages(models_dir: Path) -> list[Package]:
    if not models_dir.is_dir():
        return []
    packages = []
    for folder in sorted(models_dir.iterdir()):
        if folder.is_dir() and not folder.name.startswith(".") and (
                (folder / "metadata.json").exists() or _named_pair(folder.name)):
            try:
                packages.append(load_package(folder))
            except PackageError as error:
                logger.error("mirsad_mt: %s", error)
    return packages


def load_package(folder: Path) -> Package:
    """An installed package, checked: metadata, files, the pair its folder
    is named after, and its model files unchanged since `invoke models`
    installed them (a damaged model would otherwise stop the build inside
    CTranslate2 with a message that names neither the file nor the fix)."""
    reinstall = REINSTALL  # the fix every message below ends with
    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackageError(f"{folder}: unreadable metadata.json ({str(error)[:200]}). {reinstall}") from None
    if not isinstance(metadata, dict):
        raise PackageError(f"{folder}: metadata.json is not an object. {reinstall}")
    check_metadata(folder, metadata, reinstall)
    named = _named_pair(folder.name)
    if named and named != (metadata["from_code"], metadata["to_code"]):
        raise PackageError(
            f"{folder}: the folder is for {named[0]}→{named[1]} but holds a "
            f"{metadata['from_code']}→{metadata['to_code']} package. {reinstall}")
    missing = [f for f in REQUIRED if not (folder / f).exists()]
    if tokenizer_file(folder) is None:
        missing.append(" or ".join(TOKENIZER_FILES))
    if missing:
        raise PackageError(f"{folder}: incomplete install, missing {', '.join(missing)}. {reinstall}")
    digest = _checked_digest(folder, reinstall)
    version = str(metadata.get("package_version", "0"))
    prefix = metadata.get("target_prefix") or ""
    identity = f"argos:{metadata['from_code']}-{metadata['to_code']}:{version}:{digest[:12]}"
    if tokenizer_file(folder) == BPE:
        identity += ":bpe"
    if prefix:
        identity += f":prefix={prefix}"
    return Package(folder, metadata["from_code"], metadata["to_code"], version, identity, prefix)


def check_metadata(where: Path, metadata: dict, fix: str) -> None:
    """What argostranslate reads from metadata.json and would decode
    differently by: the pair, the package type, the languages of a
    multilingual package, the target prefix; and what is printed of it
    (codes and version: short plain strings)."""
    if not all(isinstance(metadata.get(field), str) for field in ("from_code", "to_code")):
        raise PackageError(f"{where}: metadata.json has no from_code/to_code. {fix}")
    strange = [field for field in ("from_code", "to_code") if not LANGUAGE_CODE.fullmatch(metadata[field])]
    if strange:
        raise PackageError(f"{where}: metadata.json's {' and '.join(strange)} must be language codes (such as "
                           f"\"ar\", \"en\"). {fix}")
    if not valid_version(metadata.get("package_version", "0")):
        raise PackageError(f"{where}: metadata.json's package_version must be a version (a string or number "
                           f"of at most {LONGEST_VERSION} characters, such as \"1.9\"). {fix}")
    if metadata.get("type", "translate") != "translate":
        raise PackageError(f"{where}: metadata.json says type {metadata['type']!r}, not a translation "
                           f"package ('translate'). {fix}")
    multilingual = [field for field in MULTILINGUAL_FIELDS if metadata.get(field)]
    if multilingual:
        raise PackageError(f"{where}: metadata.json has {', '.join(multilingual)}: a multilingual package, "
                           "whose target language is chosen at decoding time; Mirsad runs one package per "
                           f"language pair. {fix}")
    if not isinstance(metadata.get("target_prefix", ""), str) or " " in metadata.get("target_prefix", ""):
        raise PackageError(f"{where}: metadata.json's target_prefix must be one token (a string without "
                           f"spaces). {fix}")


def valid_version(version: object) -> bool:
    """A package version as metadata.json and the index give it: a short string or number."""
    if isinstance(version, bool) or not isinstance(version, (str, int, float)):
        return False
    # Checked by size before str(): Python refuses to write ints of more than 4300 digits.
    return (isinstance(version, str) and 0 < len(version) <= LONGEST_VERSION) or \
        (not isinstance(version, str) and abs(version) < 10 ** LONGEST_VERSION)


def checked_tokenizer(folder: Path, from_code: str, to_code: str, target_prefix: str = "",
                      where: Path | None = None) -> Tokenizer:
    """The package's tokenizer, refused when it is not the model's: most of
    its pieces must be in the model's source vocabulary, and the target
    prefix in its target vocabulary (CTranslate2 would otherwise map them to
    <unk> and translate garbage without a word)."""
    where = where or folder
    source, target = model_vocabularies(folder / "model")
    try:
        tokenizer = load_tokenizer(folder, from_code, to_code)
    except (OSError, RuntimeError, ValueError) as error:
        raise PackageError(f"{where}: unreadable tokenizer ({error}). Use the package as published") from None
    pieces = tokenizer.source_pieces()
    known = sum(piece in source for piece in pieces)
    if pieces and known < LEAST_SHARED_PIECES[tokenizer.file] * len(pieces):
        strangers = [piece for piece in pieces if piece not in source][:5]
        raise PackageError(
            f"{where}: vocabulary mismatch: only {known} of the {len(pieces)} pieces of {tokenizer.file} are "
            f"in the model's source vocabulary (e.g. not {', '.join(map(repr, strangers))}); the tokenizer "
            "is not the one this model was trained with. Use the package as published")
    if target_prefix and target_prefix not in target:
        raise PackageError(f"{where}: vocabulary mismatch: the target_prefix {target_prefix!r} is not in the "
                           "model's target vocabulary. Use the package as published")
    return tokenizer


def model_vocabularies(model: Path) -> tuple[set[str], set[str]]:
    """A CTranslate2 model folder's source and target vocabularies: one
    shared file or two, JSON lists (CTranslate2 ≥ 3) or one token a line."""
    def read(stem: str) -> set[str] | None:
        for path in (model / f"{stem}.json", model / f"{stem}.txt"):
            if path.is_file():
                try:
                    text = path.read_text(encoding="utf-8")
                    return set(json.loads(text)) if path.suffix == ".json" else set(text.split("\n"))
                except (OSError, ValueError, TypeError) as error:
                    raise PackageError(f"{path}: unreadable vocabulary ({error}). {REINSTALL}") from None
        return None

    shared = read("shared_vocabulary")
    source, target = shared or read("source_vocabulary"), shared or read("target_vocabulary")
    if source is None or target is None:
        raise PackageError(f"{model}: no vocabulary (shared_vocabulary.json or source_/target_vocabulary.json). "
                           "Use the package as published")
    return source, target


def _model_files(folder: Path) -> tuple[str, ...]:
    return ("model/model.bin", tokenizer_file(folder) or TOKENIZER_FILES[0])


def _fingerprint(folder: Path) -> dict:
    """What the install record keeps: the model's hash, and each model
    file's size and time, so that a later change is seen without hashing."""
    files = {}
    for name in _model_files(folder):
        stat = (folder / name).stat()
        files[name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    return {"sha256": sha256_file(folder / "model" / "model.bin"), "files": files}


def _checked_digest(folder: Path, reinstall: str) -> str:
    record_path = folder / INSTALL_RECORD
    if not record_path.exists():  # installed by hand or by argospm
        return sha256_file(folder / "model" / "model.bin")
    try:
        record = json.loads(record_path.read_text())
        digest = record["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        raise PackageError(f"{folder}: unreadable {INSTALL_RECORD}. {reinstall}") from None
    files = record.get("files")
    if not files and sha256_file(folder / "model" / "model.bin") != digest:  # an older record
        raise PackageError(f"{folder}: model/model.bin changed since it was installed. {reinstall}")
    for name, seen in (files or {}).items():
        stat = (folder / name).stat()
        if stat.st_size != seen.get("size"):
            raise PackageError(f"{folder}: {name} is damaged (its size changed since it was installed). {reinstall}")
        if stat.st_mtime_ns != seen.get("mtime_ns") and name == "model/model.bin" \
                and sha256_file(folder / name) != digest:
            raise PackageError(f"{folder}: {name} changed since it was installed. {reinstall}")
    return digest


_FILE_NAME = re.compile(r"^translate-([a-z]{2,3})_([a-z]{2,3})(?:[-.]|$)")


def _named_pair(name: str) -> tuple[str, str] | None:
    """The pair an Argos file or folder name says (translate-ar_en-1_0.argosmodel,
    translate-ar_en), or None for other names."""
    match = _FILE_NAME.match(name)
    return (match[1], match[2]) if match else None


def _check_sizes(archive: Path, members: list[zipfile.ZipInfo], limits: ExtractionLimits) -> None:
    """Refuse a package past the limits before anything is read: the sizes
    in its directory are what extraction writes (zipfile stops at a
    member's size, and a file that does not match it fails its CRC)."""
    fix = ("Do not install it; if it is a real model package this large, raise "
           "MIRSAD_MT['package_max_bytes'] or ['package_max_ratio'] in pelicanconf.py")
    total = sum(member.file_size for member in members)
    if total > limits.max_bytes:
        raise PackageError(f"{archive}: the package expands to {total} bytes, more than the "
                           f"{limits.max_bytes} allowed. {fix}")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= limits.ratio_from and ratio > limits.max_ratio:
            raise PackageError(f"{archive}: {member.filename} expands {ratio:.0f} times (from "
                               f"{member.compress_size} to {member.file_size} bytes), more than the "
                               f"{limits.max_ratio:g} times allowed. {fix}")


def _check_paths(archive: Path, names: list[str]) -> None:
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name:
            raise PackageError(f"{archive}: unsafe path {name!r} inside the package. Do not install it")

