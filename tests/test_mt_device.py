"""Where the local engine runs: MIRSAD_MT['device'] ("auto", "cpu",
"cuda") and ['compute_type'], passed to CTranslate2. This machine has no
CUDA device, so "auto" must come out as the CPU, and "cuda" must be
refused with the setting's name; the GPU path itself is documented
(docs/translation.md#gpus), not run here."""

from __future__ import annotations

import sqlite3

import ctranslate2
import pytest

from test_machine_translation import ACTIVE, FIXTURES, FRAGILE, body_text, build, install

pytestmark = pytest.mark.skipif(ctranslate2.get_cuda_device_count() > 0,
                                reason="these tests describe a machine without a CUDA device")


def _package(tmp_path):
    from mirsad.mt.models.packages import install_archive

    return install_archive(FIXTURES / "translate-ar_en-test-1.0.argosmodel", tmp_path, ("ar", "en"))


def _identities(site) -> set[str]:
    with sqlite3.connect(site.mt["memory"]) as connection:
        return {row[0] for row in connection.execute("SELECT DISTINCT engine FROM segments")}


def test_auto_runs_on_the_cpu_when_there_is_no_cuda_device(tmp_path):
    from mirsad.mt.engines.engine import CTranslate2Engine, EngineOptions, resolve_device

    options = resolve_device(EngineOptions(intra_threads=1), "auto")
    assert options.device == "cpu"
    engine = CTranslate2Engine(_package(tmp_path), options)
    # CTranslate2 names int8 on a CPU by its full type: int8 weights, float32 activations.
    assert (engine._translator.device, engine._translator.compute_type) == ("cpu", "int8_float32")
    assert engine.translate([FRAGILE])[0].text == "The security situation in Libya remains fragile."


def test_the_compute_type_reaches_ctranslate2_and_the_memory_key(tmp_path):
    from mirsad.mt.engines.engine import CTranslate2Engine, EngineOptions, engine_identity, resolve_device

    package = _package(tmp_path)
    default = resolve_device(EngineOptions(intra_threads=1), "cpu")
    float32 = resolve_device(EngineOptions(intra_threads=1, compute_type="float32"), "cpu")
    assert CTranslate2Engine(package, float32)._translator.compute_type == "float32"
    # int8 on the CPU keeps the key memories were made with; anything else
    # may decode differently, so it gets keys of its own.
    assert engine_identity(package, default) == f"{package.identity}:beam4:lp0.2"
    assert engine_identity(package, float32) == f"{package.identity}:beam4:lp0.2:cpu:float32"


def test_a_site_build_on_auto_and_on_float32(mt_site):
    install(mt_site.models)
    mt_site.briefing("d", "عنوان", body=f"{FRAGILE} {ACTIVE}")
    built = build(mt_site, device="auto")
    assert body_text(built, "en/briefings/d.html") == (
        "The security situation in Libya remains fragile. ISIS is still active in Sirte.")
    assert not any(":float32" in identity for identity in _identities(mt_site))
    again = build(mt_site, device="cpu", compute_type="float32")
    assert body_text(again, "en/briefings/d.html") == body_text(built, "en/briefings/d.html")
    assert any(identity.endswith(":cpu:float32") for identity in _identities(mt_site))


def test_cuda_without_a_cuda_device_is_refused_by_its_setting(tmp_path):
    from mirsad.mt.engines.engine import DeviceUnavailable, EngineOptions, resolve_device

    with pytest.raises(DeviceUnavailable, match=r"MIRSAD_MT\['device'\] = 'cuda'.*'auto' or 'cpu'"):
        resolve_device(EngineOptions(), "cuda")


def test_a_cuda_build_without_a_cuda_device_fails_with_the_setting_named(mt_site):
    install(mt_site.models)
    mt_site.briefing("d", "عنوان", body=FRAGILE)
    with pytest.raises(Exception, match=r"MIRSAD_MT\['device'\] = 'cuda'"):
        build(mt_site, device="cuda")


def test_a_compute_type_the_cpu_cannot_run_is_refused(tmp_path):
    from mirsad.mt.engines.engine import DeviceUnavailable, EngineOptions, resolve_device

    with pytest.raises(DeviceUnavailable, match=r"'float16' cannot run on this machine's cpu.*int8"):
        resolve_device(EngineOptions(compute_type="float16"), "cpu")


@pytest.mark.parametrize("setting, value", [("device", "gpu"), ("compute_type", "int4"), ("compute_type", "auto")])
def test_unknown_device_or_compute_type_is_a_settings_error(mt_site, setting, value):
    from mirsad.common.settings import SettingsError
    from mirsad.mt import config as mt_config

    settings = {"DEFAULT_LANG": "ar", "PATH": str(mt_site.root), "MIRSAD_MT": {setting: value}}
    with pytest.raises(SettingsError, match=rf"MIRSAD_MT\['{setting}'\] = '{value}': write one of"):
        mt_config._load(settings)
