"""`invoke models` downloading from a package index: a real HTTP server on
127.0.0.1 serves an index in argospm's format and the committed test
packages (tests/fixtures/models), well or badly, over real sockets."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from package_server import (FIXTURES, IPFS_LINK, PackageServer, corrupted, cut_off, flaky, hang_before_answering,
                            hang_mid_body, serve, server, unavailable)

@pytest.fixture(autouse=True)
def no_index_override(monkeypatch):
    monkeypatch.delenv("MIRSAD_MODELS_INDEX", raising=False)


@pytest.fixture
def models(tmp_path) -> Path:
    return tmp_path / "models"


def invoke_models(server: PackageServer, models: Path, **options) -> list:
    """`invoke models` in this process, with the project's real settings."""
    from mirsad.tasks.models import install_for_site
    from pelican.settings import read_settings

    mt = {"models_dir": str(models), "index_url": server.index_url, "download_timeout": 5, **options}
    return install_for_site(read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": mt}), None)


def installed(models: Path) -> list[str]:
    from mirsad.mt.models.packages import installed_packages

    return sorted(f"{p.from_code}_{p.to_code}" for p in installed_packages(models))


def leftovers(models: Path) -> list[str]:
    """Anything in the models folder that is not an installed package."""
    return sorted(p.name for p in models.iterdir() if p.name.startswith(".") or not p.is_dir()) \
        if models.exists() else []


def run_invoke_models(server: PackageServer, models: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MIRSAD_MODELS_INDEX": server.index_url, "MIRSAD_MODELS_DIR": str(models)}
    return subprocess.run([str(Path(sys.executable).parent / "invoke"), "models"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


# --- as a user runs it --------------------------------------------------------------

def test_invoke_models_installs_the_site_pairs_from_a_mirrored_index(server, models):
    server.publish(server.package("ar_en"), server.package("en_fr"), server.package("ar_fr"))
    result = run_invoke_models(server, models)
    assert result.returncode == 0, result.stderr
    assert "installed Argos ar→en 1.0" in result.stdout and "installed Argos ar→fr 1.0" in result.stdout
    assert installed(models) == ["ar_en", "ar_fr"]  # direct ar→fr: no pivot needed
    assert leftovers(models) == []
    assert [agent for _, agent in server.requests] == ["ArgosTranslate"] * 3
    assert server.requested("en_fr") == 0
    assert "ipfs" not in result.stdout + result.stderr


def test_invoke_models_failure_exits_non_zero_naming_the_url_and_the_fix(server, models):
    server.publish(server.package("ar_en", corrupted), server.package("ar_fr"))
    result = run_invoke_models(server, models)
    assert result.returncode == 1
    assert "invoke models: could not download the ar→en package" in result.stderr
    assert server.url("/v1/translate-ar_en-test-1.0.argosmodel") in result.stderr
    assert "invoke models --from DIR" in result.stderr
    assert installed(models) == [] and leftovers(models) == []


# --- links, retries, versions -----------------------------------------------------------

def test_ipfs_link_is_skipped_quietly_and_an_installed_pair_is_not_fetched_again(server, models, caplog):
    server.publish(server.package("ar_en"))
    with caplog.at_level(logging.DEBUG, logger="mirsad.mt"):
        invoke_models(server, models, targets=["en"])
    assert installed(models) == ["ar_en"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert any(IPFS_LINK in r.getMessage() and r.levelno == logging.DEBUG for r in caplog.records)
    assert server.requested(".argosmodel") == 1
    assert invoke_models(server, models, targets=["en"]) == []  # up to date
    assert server.requested(".argosmodel") == 1


def test_a_server_that_fails_twice_is_retried(server, models, caplog, monkeypatch):
    from mirsad.mt.models import download

    monkeypatch.setattr(download, "RETRY_PAUSE", 0.01)
    server.publish(server.package("ar_en", flaky(2, unavailable)))
    invoke_models(server, models, targets=["en"])
    assert installed(models) == ["ar_en"]
    assert server.requested(".argosmodel") == 3
    retries = [r.getMessage() for r in caplog.records if "trying again" in r.getMessage()]
    assert len(retries) == 2 and "HTTP 503" in retries[0] and "retry 2 of 3" in retries[1]


def test_a_link_that_fails_for_good_falls_through_to_the_next(server, models):
    entry = server.package("ar_en")
    missing = server.url("/gone/translate-ar_en-1_0.argosmodel")
    server.publish({**entry, "links": [missing, *entry["links"]]})
    invoke_models(server, models, targets=["en"])
    assert installed(models) == ["ar_en"]
    assert server.requested("/gone/") == 1  # a 404 is not asked again


def test_the_newest_package_version_is_chosen(server, models):
    older = server.package("ar_en", version="1.9", path="/v1/older.argosmodel")
    newer = server.package("ar_en", version="1.10")
    server.publish(older, newer)
    invoke_models(server, models, targets=["en"])
    assert server.requested("older") == 0 and server.requested("test-1.0") == 1


def test_index_entries_are_data_checked_before_anything_prints_them(server, models):
    """A million-digit version is left out (argostranslate's version compare
    would hang on it), the other entries used; a version that is rich
    markup ("[/]") is printed as it is."""
    started = time.monotonic()
    endless = {**server.package("ar_en", path="/v1/endless.argosmodel"), "package_version": "9" * 1_000_000}
    marked = server.package("ar_en", version="[/]")
    server.publish(endless, marked, {**server.package("en_fr"), "from_code": ["en"]}, server.package("ar_fr"))
    result = run_invoke_models(server, models)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    assert "entry 1 is left out: its from_code, to_code or package_version is not a language code or a version" \
        in result.stdout + result.stderr
    assert "downloading the ar→en package [/]\n" in result.stdout
    assert "installed Argos ar→en 1.0" in result.stdout  # the package's own metadata.json says 1.0
    assert server.requested("endless") == 0 and installed(models) == ["ar_en", "ar_fr"]


# --- broken downloads leave nothing behind -------------------------------------------------

def test_a_body_cut_off_midway_installs_nothing_and_says_so(server, models, tmp_path):
    from mirsad.mt.models.packages import PackageError, install_archive

    install_archive(FIXTURES / "translate-en_fr-test-1.0.argosmodel", models)
    before = sorted(p.name for p in models.iterdir())
    server.publish(server.package("ar_en", cut_off))
    url = server.url("/v1/translate-ar_en-test-1.0.argosmodel")
    with pytest.raises(PackageError) as raised:
        invoke_models(server, models, targets=["en"], download_retries=1)
    message = str(raised.value)
    assert url in message and "the connection closed after" in message
    assert "nothing was installed" in message and "invoke models --from DIR" in message
    assert server.requested(".argosmodel") == 2  # tried again once: it may have been the network
    assert sorted(p.name for p in models.iterdir()) == before
    assert installed(models) == ["en_fr"] and leftovers(models) == []


def test_a_corrupt_zip_is_refused(server, models):
    from mirsad.mt.models.packages import PackageError

    server.publish(server.package("ar_en", corrupted))
    with pytest.raises(PackageError, match=r"translate-ar_en-test-1\.0\.argosmodel: corrupt .*invoke models"):
        invoke_models(server, models, targets=["en"])
    assert server.requested(".argosmodel") == 1  # the same bytes would come again
    assert installed(models) == [] and leftovers(models) == []


@pytest.mark.parametrize("hang", [hang_before_answering, hang_mid_body], ids=lambda f: f.__name__)
def test_a_hanging_server_hits_the_timeout(server, models, hang):
    from mirsad.mt.models.packages import PackageError

    server.publish(server.package("ar_en", hang))
    started = time.monotonic()
    with pytest.raises(PackageError, match=r"no answer from the server within 0\.2 s.*download_timeout"):
        invoke_models(server, models, targets=["en"], download_timeout=0.2, download_retries=0)
    assert time.monotonic() - started < 3
    assert installed(models) == [] and leftovers(models) == []


# --- what the index offers ------------------------------------------------------------------

def test_a_pair_missing_from_the_index_goes_through_the_pivot(server, models):
    server.publish(server.package("ar_en"), server.package("en_fr"))  # like the public index: no ar→fr
    packages = invoke_models(server, models)
    assert [p.pair for p in packages] == ["ar→en", "en→fr"]
    assert installed(models) == ["ar_en", "en_fr"]
    assert server.requested("ar_en") == 1  # the pivot's leg serves both targets


def test_a_pivot_leg_missing_from_the_index_is_named(server, models):
    from mirsad.mt.models.packages import PackageError

    server.publish(server.package("ar_en"))
    with pytest.raises(PackageError, match=r"has no en→fr package.*invoke models --from DIR"):
        invoke_models(server, models)
    assert server.requested(".argosmodel") == 0  # nothing fetched for a plan that cannot finish


def test_an_index_cut_off_is_read_again_from_the_start(server, models, monkeypatch):
    from mirsad.mt.models import download

    monkeypatch.setattr(download, "RETRY_PAUSE", 0.01)
    server.publish(server.package("ar_en"), behaviour=flaky(1, cut_off))
    invoke_models(server, models, targets=["en"])
    assert installed(models) == ["ar_en"] and server.requested("/index.json") == 2


def test_an_index_that_is_not_one_is_refused_by_url(server, models):
    from mirsad.mt.models.packages import PackageError

    server.routes["/index.json"] = (serve, b"<html>captive portal</html>")
    with pytest.raises(PackageError, match=f"{server.index_url} is not a package index.*MIRSAD_MODELS_INDEX"):
        invoke_models(server, models)


def test_the_environment_overrides_the_index_url_setting(monkeypatch):
    from mirsad.common.settings import SettingsError
    from mirsad.mt import config
    from pelican.settings import read_settings

    def loaded(**mt):
        return config.load(read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": mt}))

    assert loaded().index_url == config.DEFAULTS["index_url"]
    assert loaded().download_retries == 3
    monkeypatch.setenv("MIRSAD_MODELS_INDEX", "http://127.0.0.1:1/mirror/index.json")
    assert loaded(index_url="http://127.0.0.1:2/index.json").index_url == "http://127.0.0.1:1/mirror/index.json"
    with pytest.raises(SettingsError, match="download_timeout"):
        loaded(download_timeout=0)
