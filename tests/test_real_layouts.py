"""A site built with packages laid out as the real ones are: ar→en as
argos-train packaged it (OpenNMT-tf, shared SentencePiece, stanza/, no
minisbd/), en→fr as an OPUS-MT conversion (source-only SentencePiece, or
Moses + BPE), a direct ar→fr with a target prefix. And the packages that
must be refused, with their name and the reason."""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

import network_guard
from mirsad.mt.models.packages import PackageError, check_archive, install_archive, installed_packages

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ROOT / "tests" / "fixtures" / "models" / "layouts"
ARCHIVES = {
    "opennmt": LAYOUTS / "opennmt" / "translate-ar_en-1_0.argosmodel",
    "marian-sp": LAYOUTS / "marian-sp" / "translate-en_fr-1_9.argosmodel",
    "marian-bpe": LAYOUTS / "marian-bpe" / "translate-en_fr-1_9.argosmodel",
    "target-prefix": LAYOUTS / "target-prefix" / "translate-ar_fr-1_0.argosmodel",
}
FRAGILE = "الوضع الأمني في ليبيا لا يزال هشا."
ACTIVE = "داعش لا يزال نشطا في سرت."


def body_text(built, path: str) -> str:
    return " ".join(built.page(path).find(".//div[@class='briefing__body']").text_content().split())


def install_layouts(models: Path, *names: str) -> None:
    """`invoke models --from DIR` with the chosen archives in DIR."""
    from pelican.settings import read_settings
    from mirsad.tasks.models import install_for_site

    folder = models.parent / "archives"
    folder.mkdir()
    for name in names:
        shutil.copy(ARCHIVES[name], folder)
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": {"models_dir": str(models)}})
    install_for_site(settings, folder)


def build_briefing(site, tmp_path, *layouts: str):
    models = tmp_path / "models"
    install_layouts(models, *layouts)
    site.briefing("mt", ACTIVE, body=f"{FRAGILE} {ACTIVE}")
    return site.build(MIRSAD_MT={"models_dir": str(models), "memory": str(tmp_path / "tm.sqlite")})


def test_french_through_a_marian_package_with_a_source_only_sentencepiece_model(site, tmp_path):
    built = build_briefing(site, tmp_path, "opennmt", "marian-sp")
    assert body_text(built, "en/briefings/mt.html") == (
        "The security situation in Libya remains fragile. ISIS is still active in Sirte.")
    french = body_text(built, "fr/briefings/mt.html")
    assert french == "La situation sécuritaire en Libye reste fragile. Daech est toujours actif à Syrte."
    assert "▁" not in built.text("fr/briefings/mt.html")
    assert built.errors == []
    assert network_guard.ATTEMPTS == [], "a package with stanza/ made the build go online"


def test_french_through_a_moses_bpe_package(site, tmp_path):
    built = build_briefing(site, tmp_path, "opennmt", "marian-bpe")
    assert body_text(built, "fr/briefings/mt.html") == (
        "La situation sécuritaire en Libye reste fragile. Daech est toujours actif à Syrte.")
    assert "@@" not in built.text("fr/briefings/mt.html")
    assert network_guard.ATTEMPTS == []


def test_a_direct_package_with_a_target_prefix_gives_french_without_the_prefix(site, tmp_path):
    built = build_briefing(site, tmp_path, "opennmt", "target-prefix")
    assert body_text(built, "fr/briefings/mt.html") == (
        "La situation sécuritaire en Libye reste fragile. Daech est toujours actif à Syrte.")
    assert "2fr" not in built.text("fr/briefings/mt.html")
    note = " ".join(built.page("fr/briefings/mt.html").find(".//div[@role='note']").text_content().split())
    assert "Argos ar→fr 1.0" in note and "via" not in note  # direct beats the pivot


# ----------------------------------------------------------------------------- refused packages
def repacked(tmp_path: Path, name: str, change) -> Path:
    """A copy of a layout fixture with `change(folder)` applied, zipped again."""
    work = tmp_path / f"unpacked-{name}"
    with zipfile.ZipFile(ARCHIVES[name]) as archive:
        archive.extractall(work)
    top = next(work.iterdir())
    change(top)
    target = tmp_path / ARCHIVES[name].name
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(top.rglob("*")):
            archive.write(path, path.relative_to(work).as_posix())
    return target


def _edit_metadata(**fields):
    def change(folder: Path) -> None:
        metadata = json.loads((folder / "metadata.json").read_text())
        (folder / "metadata.json").write_text(json.dumps({**metadata, **fields}))
    return change


def _swap_tokenizer(folder: Path) -> None:
    with zipfile.ZipFile(ARCHIVES["opennmt"]) as other:
        (folder / "sentencepiece.model").write_bytes(other.read("ar_en/sentencepiece.model"))


def _no_tokenizer(folder: Path) -> None:
    (folder / "sentencepiece.model").rename(folder / "tokenizer.json")


def _prefix_unknown(folder: Path) -> None:
    _edit_metadata(target_prefix="<2de>")(folder)


REFUSED = {
    "unknown tokenizer": ("marian-sp", _no_tokenizer, "missing sentencepiece.model or bpe.model"),
    "multilingual metadata": ("opennmt", _edit_metadata(languages=[{"code": "fr"}, {"code": "es"}]),
                              "metadata.json has languages: a multilingual package"),
    "not a translation package": ("opennmt", _edit_metadata(type="sbd"), "type 'sbd'"),
    "vocabulary mismatch": ("marian-sp", _swap_tokenizer, "vocabulary mismatch: only"),
    "target prefix not in the vocabulary": ("target-prefix", _prefix_unknown, "'<2de>' is not in the model's"),
}


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_a_package_that_would_translate_wrongly_is_refused_with_its_name_and_reason(tmp_path, case):
    name, change, reason = REFUSED[case]
    archive = repacked(tmp_path, name, change)
    models = tmp_path / "models"
    with pytest.raises(PackageError) as refused:
        check_archive(archive)
        install_archive(archive, models)
    assert str(archive) in str(refused.value) and reason in str(refused.value)
    assert installed_packages(models) == [] and not any(models.glob(".installing-*"))


def test_a_mismatched_tokenizer_copied_in_by_hand_is_refused_at_build_time(site, tmp_path):
    """Installed by hand (not through `invoke models`): the build names the
    package and the reason, and the page says the translation is missing."""
    models = tmp_path / "models"
    install_layouts(models, "opennmt", "marian-sp")
    installed = next(p for p in installed_packages(models) if p.to_code == "fr")
    _swap_tokenizer(installed.path)
    (installed.path / "mirsad-install.json").unlink()  # as argospm would have left it
    site.briefing("mt", ACTIVE, body=FRAGILE)
    built = site.build(MIRSAD_MT={"models_dir": str(models), "memory": str(tmp_path / "tm.sqlite")})
    assert any(str(installed.path) in e and "vocabulary mismatch" in e for e in built.errors), built.errors
    assert body_text(built, "en/briefings/mt.html") == "The security situation in Libya remains fragile."


def test_the_build_report_counts_sentences_decoded_again_with_a_longer_cap(site, tmp_path):
    from mirsad.common.report import report

    models = tmp_path / "models"
    install_layouts(models, "opennmt", "marian-sp")
    site.briefing("mt", ACTIVE, body=f"{FRAGILE} {ACTIVE}")
    built = site.build(MIRSAD_MT={"models_dir": str(models), "memory": str(tmp_path / "tm.sqlite"),
                                  "max_length_ratio": 0.25, "min_max_length": 2})
    lines = [line for lines in report(built.settings).values() for line in lines]
    assert any(line.startswith("ar→en: ") and "decoded again with a longer output cap" in line for line in lines)
    assert body_text(built, "fr/briefings/mt.html") == (
        "La situation sécuritaire en Libye reste fragile. Daech est toujours actif à Syrte.")
