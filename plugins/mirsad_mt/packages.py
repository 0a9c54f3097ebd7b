"""Argos Translate model packages (.argosmodel): check, install, list.

A package is a zip with one top-level folder holding metadata.json (with
from_code, to_code, package_version), model/ (a CTranslate2 model) and
sentencepiece.model. Mirsad loads these files itself (see engine.py); it
does not need argostranslate at build time.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mirsad_common.files import sha256_file

logger = logging.getLogger(__name__)

INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
REQUIRED = ("metadata.json", "model/model.bin", "sentencepiece.model")
INSTALL_RECORD = "mirsad-install.json"


class PackageError(ValueError):
    """A model package is corrupt, incomplete or for the wrong pair."""


@dataclass(frozen=True)
class Package:
    path: Path  # the installed folder
    from_code: str
    to_code: str
    version: str
    identity: str  # changes whenever the model files change

    @property
    def pair(self) -> str:
        return f"{self.from_code}→{self.to_code}"

    @property
    def label(self) -> str:
        return f"Argos {self.pair} {self.version}"


def check_archive(archive: Path, expected_pair: tuple[str, str] | None = None) -> dict:
    """Validate a .argosmodel file without extracting it; return its metadata."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            names = [n for n in bundle.namelist() if n and not n.endswith("/")]
            _check_paths(archive, names)
            tops = {PurePosixPath(n).parts[0] for n in names}
            if len(tops) != 1 or any(len(PurePosixPath(n).parts) < 2 for n in names):
                raise PackageError(
                    f"{archive}: a package must hold exactly one top-level folder (found "
                    f"{sorted(tops)[:5]}). Re-download it or rebuild it with its tool"
                )
            top = tops.pop()
            missing = [f for f in REQUIRED if f"{top}/{f}" not in names]
            if missing:
                raise PackageError(f"{archive}: incomplete package, missing {', '.join(missing)}. Re-download it")
            metadata = json.loads(bundle.read(f"{top}/metadata.json"))
            bad = bundle.testzip()
            if bad:
                raise PackageError(f"{archive}: corrupt file {bad} inside the package. Re-download it")
    except zipfile.BadZipFile:
        raise PackageError(f"{archive}: not a valid .argosmodel (zip) file. Re-download it") from None
    except (zlib.error, EOFError):  # damaged compressed data that the CRC check did not reach
        raise PackageError(f"{archive}: corrupt data inside the package. Re-download it") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PackageError(f"{archive}: metadata.json is not valid JSON. Re-download the package") from None
    for field in ("from_code", "to_code"):
        if not isinstance(metadata.get(field), str):
            raise PackageError(f"{archive}: metadata.json has no {field}. Re-download the package")
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


def install_archive(archive: Path, models_dir: Path, expected_pair: tuple[str, str] | None = None) -> Package:
    """Check and install one package; an installed copy of the same pair is replaced."""
    metadata = check_archive(archive, expected_pair)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".installing-") as staging:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(staging)
        folder = Path(staging) / metadata["_top"]
        (folder / INSTALL_RECORD).write_text(json.dumps({"archive": archive.name, **_fingerprint(folder)}))
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
    reinstall = "Reinstall it with `invoke models` (or `invoke models --from DIR`)"
    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackageError(f"{folder}: unreadable metadata.json ({error}). {reinstall}") from None
    if not isinstance(metadata, dict) or not all(isinstance(metadata.get(f), str) for f in ("from_code", "to_code")):
        raise PackageError(f"{folder}: metadata.json has no from_code/to_code. {reinstall}")
    named = _named_pair(folder.name)
    if named and named != (metadata["from_code"], metadata["to_code"]):
        raise PackageError(
            f"{folder}: the folder is for {named[0]}→{named[1]} but holds a "
            f"{metadata['from_code']}→{metadata['to_code']} package. {reinstall}")
    missing = [f for f in REQUIRED if not (folder / f).exists()]
    if missing:
        raise PackageError(f"{folder}: incomplete install, missing {', '.join(missing)}. {reinstall}")
    digest = _checked_digest(folder, reinstall)
    version = str(metadata.get("package_version", "0"))
    identity = f"argos:{metadata['from_code']}-{metadata['to_code']}:{version}:{digest[:12]}"
    return Package(folder, metadata["from_code"], metadata["to_code"], version, identity)


MODEL_FILES = ("model/model.bin", "sentencepiece.model")


def _fingerprint(folder: Path) -> dict:
    """What the install record keeps: the model's hash, and each model
    file's size and time, so that a later change is seen without hashing."""
    files = {}
    for name in MODEL_FILES:
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


def download_from_index(pair: tuple[str, str], models_dir: Path, index_url: str = INDEX_URL) -> Package:
    """Install the public index's package for `pair` (needs the network)."""
    with urllib.request.urlopen(index_url, timeout=60) as response:
        index = json.load(response)
    candidates = [p for p in index if (p.get("from_code"), p.get("to_code")) == pair]
    if not candidates:
        raise PackageError(
            f"the Argos package index has no {pair[0]}→{pair[1]} package; French goes through "
            "English when ar→en and en→fr are installed"
        )
    best = max(candidates, key=lambda p: [int(x) for x in str(p.get("package_version", "0")).split(".") if x.isdigit()])
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / f"{pair[0]}_{pair[1]}.argosmodel"
        for link in best.get("links", []):
            try:
                urllib.request.urlretrieve(link, archive)
                break
            except OSError as error:
                logger.warning("mirsad_mt: download of %s failed: %s", link, error)
        else:
            raise PackageError(f"could not download the {pair[0]}→{pair[1]} package from any of its links")
        return install_archive(archive, models_dir, pair)


def _check_paths(archive: Path, names: list[str]) -> None:
    for name in names:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or "\\" in name:
            raise PackageError(f"{archive}: unsafe path {name!r} inside the package. Do not install it")

