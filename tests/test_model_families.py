"""Model families besides Argos packages: a CTranslate2 folder converted from
OPUS-MT and a multilingual NLLB-200 folder, each with its mirsad-model.json,
installed by `invoke models --from DIR` and used by real builds. The tiny
real models in tests/fixtures/models/families (tools/build_test_models.py
--families) reproduce their corpus exactly, so pages are checked word for word."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import network_guard
from conftest import ROOT
from test_machine_translation import ACTIVE, FIXTURES, FRAGILE, body_text, build, install

FAMILIES = FIXTURES / "families"
OPUS_MT, NLLB = FAMILIES / "opus-mt-ar-en", FAMILIES / "nllb-tiny"
CORPUS = ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv"
FRAGILE_FR = "La situation sécuritaire en Libye reste fragile."
ACTIVE_FR = "Daech est toujours actif à Syrte."


def corpus(target: str) -> list[tuple[str, str]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]
    return list({row["ar"]: row[target] for row in rows}.items())


def settings_for(models: Path) -> dict:
    from pelican.settings import read_settings

    return read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": {"models_dir": str(models)}})


def models_from(models: Path, *folders: Path, archives: tuple[str, ...] = ()) -> list:
    """`invoke models --from DIR` (the function the task calls) with these
    model folders and test Argos packages in DIR."""
    from mirsad.tasks.models import install_for_site

    source = models.parent / "from"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir()
    for folder in folders:
        shutil.copytree(folder, source / folder.name)
    for pair in archives:
        shutil.copy(FIXTURES / f"translate-{pair}-test-1.0.argosmodel", source)
    return install_for_site(settings_for(models), source)


def identities(site) -> dict[str, set[str]]:
    with sqlite3.connect(site.mt["memory"]) as connection:
        rows = connection.execute("SELECT DISTINCT pair, engine FROM segments WHERE kind='raw'").fetchall()
    found: dict[str, set[str]] = {}
    for pair, engine in rows:
        found.setdefault(pair, set()).add(engine)
    return found


def note(built, path: str) -> str:
    return " ".join(built.page(path).find(".//div[@role='note']").text_content().split())


def engine_for(models: Path, pair: tuple[str, str]):
    from mirsad.mt.engines.engine import CTranslate2Engine, EngineOptions
    from mirsad.mt.models.families import installed_models

    return CTranslate2Engine(installed_models(models)[pair], EngineOptions(intra_threads=1))


# --- OPUS-MT ------------------------------------------------------------------------

def test_an_opus_mt_folder_translates_its_corpus_exactly(tmp_path):
    models = tmp_path / "models"
    models_from(models, OPUS_MT, archives=("en_fr",))
    pairs = corpus("en")
    engine = engine_for(models, ("ar", "en"))
    assert [t.text for t in engine.translate([s for s, _ in pairs])] == [t for _, t in pairs]
    assert engine.identity.startswith("opus-mt:mirsad-test/opus-mt-ar-en-tiny:test-1.0:")


def test_a_site_build_with_opus_mt_for_english_and_argos_for_the_french_leg(mt_site):
    models_from(mt_site.models, OPUS_MT, archives=("en_fr",))
    mt_site.briefing("d", "عنوان", body=f"{FRAGILE} {ACTIVE}")
    built = build(mt_site)
    assert body_text(built, "en/briefings/d.html") == (
        "The security situation in Libya remains fragile. ISIS is still active in Sirte.")
    assert body_text(built, "fr/briefings/d.html") == f"{FRAGILE_FR} {ACTIVE_FR}"
    assert "OPUS-MT mirsad-test/opus-mt-ar-en-tiny ar→en test-1.0" in note(built, "en/briefings/d.html")
    assert "via anglais" in note(built, "fr/briefings/d.html")
    assert {engine.split(":")[0] for engine in identities(mt_site)["ar→en"]} == {"opus-mt"}
    assert network_guard.ATTEMPTS == []


# --- NLLB ---------------------------------------------------------------------------

def test_an_nllb_folder_translates_into_english_and_french_from_one_model(tmp_path):
    models = tmp_path / "models"
    installed = models_from(models, NLLB)
    assert sorted(model.pair for model in installed) == ["ar→en", "ar→fr"]
    for target in ("en", "fr"):
        pairs = corpus(target)
        engine = engine_for(models, ("ar", target))
        assert [t.text for t in engine.translate([s for s, _ in pairs])] == [t for _, t in pairs]
        token = {"en": "eng_Latn", "fr": "fra_Latn"}[target]
        assert engine.identity.startswith("nllb:mirsad-test/nllb-200-tiny:test-1.0:")
        assert f":arb_Arab>{token}:" in engine.identity


def test_nllb_gives_french_directly_without_the_english_pivot(mt_site):
    models_from(mt_site.models, NLLB)
    mt_site.briefing("d", "عنوان", body=f"{FRAGILE} {ACTIVE}")
    built = build(mt_site)
    assert body_text(built, "fr/briefings/d.html") == f"{FRAGILE_FR} {ACTIVE_FR}"
    fr = note(built, "fr/briefings/d.html")
    assert "NLLB mirsad-test/nllb-200-tiny ar→fr test-1.0" in fr and "via" not in fr
    used = identities(mt_site)
    assert set(used) == {"ar→en", "ar→fr"}  # no en→fr leg
    assert all(engine.startswith("nllb:mirsad-test/nllb-200-tiny:") for engine in used["ar→fr"])
    assert all(":arb_Arab>fra_Latn:" in engine for engine in used["ar→fr"])


def test_a_direct_model_beats_the_pivot_through_english(mt_site):
    install(mt_site.models)  # Argos ar→en and en→fr: French would go through English
    mt_site.briefing("d", "عنوان", body=FRAGILE)
    assert "via anglais" in note(build(mt_site), "fr/briefings/d.html")
    models_from(mt_site.models, NLLB)
    built = build(mt_site)
    fr = note(built, "fr/briefings/d.html")
    assert "NLLB mirsad-test/nllb-200-tiny ar→fr" in fr and "via" not in fr and "Argos" not in fr
    assert body_text(built, "fr/briefings/d.html") == FRAGILE_FR
    # Both serve ar→en: a manifest model is preferred to an Argos package (docs/translation.md).
    assert "NLLB mirsad-test/nllb-200-tiny ar→en" in note(built, "en/briefings/d.html")


def test_invoke_models_list_shows_which_model_each_pair_uses(tmp_path):
    from rich.console import Console

    from mirsad.tasks.models import list_installed

    models = tmp_path / "models"
    install(models)
    models_from(models, NLLB)
    console = Console(record=True, width=240)
    list_installed(settings_for(models), console)
    text = console.export_text()
    assert "NLLB mirsad-test/nllb-200-tiny ar→fr" in text and "Argos en→fr 1.0" in text
    assert "no (another model is preferred)" in text  # Argos ar→en, beaten by NLLB's
    assert "ar→fr: ready" in text and "ar→fr via en" not in text


def test_a_priority_in_the_manifest_decides_between_direct_models(tmp_path):
    from mirsad.mt.models.families import installed_models

    models = tmp_path / "models"
    install(models)
    models_from(models, NLLB)
    assert installed_models(models)[("ar", "en")].label.startswith("NLLB")
    folder = tmp_path / "nllb-low"
    shutil.copytree(NLLB, folder)
    manifest = json.loads((folder / "mirsad-model.json").read_text())
    (folder / "mirsad-model.json").write_text(json.dumps({**manifest, "priority": -1}))
    models_from(models, folder)
    assert installed_models(models)[("ar", "en")].label == "Argos ar→en 1.0"


# --- broken manifests -----------------------------------------------------------------

def _without(key: str):
    return lambda data: {k: v for k, v in data.items() if k != key}


BROKEN = {
    "bad JSON": (OPUS_MT, None, r"mirsad-model.json: not valid JSON \(.* at line 1, column"),
    "missing key": (OPUS_MT, _without("version"), r"mirsad-model.json: missing key\(s\) 'version'"),
    "unknown family": (OPUS_MT, lambda d: {**d, "family": "marian"},
                       r"key 'family': unknown family 'marian'. Use one of opus-mt, nllb, m2m100"),
    "unknown key": (OPUS_MT, lambda d: {**d, "tokeniser": {}}, r"unknown key\(s\) 'tokeniser'"),
    "tokenizer file missing": (OPUS_MT, lambda d: {**d, "tokenizers": {"source": "source.spm",
                                                                       "target": "target.model"}},
                               r"key 'tokenizers.target': .*target.model does not exist"),
    "wrong tokenizer": (NLLB, lambda d: {**d, "tokenizers": {"source": "other.spm",
                                                             "target": "sentencepiece.bpe.model"}},
                        r"key 'tokenizers.source': only \d+ of the \d+ pieces of other.spm"),
    "language token not in the vocabulary": (NLLB, lambda d: {**d, "languages": {**d["languages"], "fr": "fr_Latn"}},
                                             r"key 'languages.fr': the token 'fr_Latn' is not in the model's target"),
    "pair not declared": (NLLB, lambda d: {**d, "pairs": [*d["pairs"], "ar-de"]},
                          r"key 'pairs': ar-de uses 'de', which key 'languages' does not map"),
    "multilingual without languages": (NLLB, _without("languages"), r"missing key\(s\) 'languages'"),
    "two pairs for OPUS-MT": (OPUS_MT, lambda d: {**d, "pairs": ["ar-en", "ar-fr"]},
                              r"an OPUS-MT model translates one pair"),
    "a tokenizer outside the folder": (OPUS_MT, lambda d: {**d, "tokenizers": {"source": str(OPUS_MT / "source.spm"),
                                                                               "target": "target.spm"}},
                                       r"key 'tokenizers.source': '/.*/source.spm' is not a file in the model's"),
    "a tokenizer up the tree": (OPUS_MT, lambda d: {**d, "tokenizers": {"source": "source.spm",
                                                                        "target": "../nllb-tiny/target.spm"}},
                                r"key 'tokenizers.target': '../nllb-tiny/target.spm' is not a file in the model's"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_manifest_is_refused_and_nothing_is_installed(tmp_path, case):
    from mirsad.mt.models.packages import PackageError

    original, change, message = BROKEN[case]
    folder = tmp_path / original.name
    shutil.copytree(original, folder)
    shutil.copy(OPUS_MT / "source.spm", folder / "other.spm")  # Arabic pieces OPUS-MT's, not NLLB's
    path = folder / "mirsad-model.json"
    path.write_text("{\"family\": " if change is None else json.dumps(change(json.loads(path.read_text()))))
    models = tmp_path / "models"
    with pytest.raises(PackageError, match=message) as error:
        models_from(models, folder, archives=("ar_en", "en_fr"))  # valid Argos packages beside it
    assert str(tmp_path / "from" / folder.name / "mirsad-model.json") in str(error.value)
    assert not models.exists() or list(models.iterdir()) == []


def test_a_model_folder_that_cannot_translate_is_refused_and_the_installed_one_stays(tmp_path):
    """Its manifest and files pass every check; its model.bin, all zeros,
    does not load in CTranslate2: the trial before the install says so."""
    from mirsad.mt.models.families import installed_models
    from mirsad.mt.models.packages import PackageError

    models = tmp_path / "models"
    models_from(models, OPUS_MT, archives=("en_fr",))
    installed = installed_models(models)[("ar", "en")]
    kept = (installed.path / "model.bin").read_bytes()
    zeros = tmp_path / "zeros" / OPUS_MT.name
    shutil.copytree(OPUS_MT, zeros)
    (zeros / "model.bin").write_bytes(bytes(len(kept)))
    with pytest.raises(PackageError, match=r"/from/opus-mt-ar-en: OPUS-MT .* cannot translate \(EngineFailed: "
                                           r".*the installed model stays"):
        models_from(models, zeros, archives=("en_fr",))
    assert (installed.path / "model.bin").read_bytes() == kept
    assert installed_models(models)[("ar", "en")] == installed
    assert not list(models.glob(".installing-*"))


def test_invoke_models_from_a_folder_with_a_broken_manifest_exits_naming_it(tmp_path):
    source = tmp_path / "from"
    shutil.copytree(NLLB, source / "nllb")
    manifest = source / "nllb" / "mirsad-model.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "family": "nllb-200"}))
    models = tmp_path / "models"
    env = {**os.environ, "MIRSAD_MODELS_DIR": str(models)}
    invoke = [str(Path(sys.executable).parent / "invoke"), "models", "--from", str(source)]
    result = subprocess.run(invoke, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert f"invoke models: {manifest}: key 'family': unknown family 'nllb-200'" in result.stderr
    assert not models.exists() or list(models.iterdir()) == []
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "family": "nllb"}))
    result = subprocess.run(invoke, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "installed NLLB mirsad-test/nllb-200-tiny ar→fr test-1.0" in result.stdout
    listed = subprocess.run([*invoke[:2], "--list"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert "ar→fr: ready" in listed.stdout, listed.stderr


def test_a_model_changed_after_install_is_not_used(tmp_path, caplog):
    from mirsad.mt.models.families import installed_models

    models = tmp_path / "models"
    (installed,) = {model.path for model in models_from(models, NLLB)}
    with open(installed / "model.bin", "ab") as model:
        model.write(b"\0")
    assert installed_models(models) == {}
    assert "model.bin changed since it was installed. Reinstall it with `invoke models --from DIR`" in caplog.text
