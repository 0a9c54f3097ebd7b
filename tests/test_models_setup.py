"""The set-up step of `make build` (`invoke models --if-missing`): it
installs the models the site lacks from the package index, once, with a
progress bar and the sizes; where the index cannot be reached it says so in
one line and the build goes on. Run as a user runs them (make, invoke) in
subprocesses, against an index in argospm's format on 127.0.0.1
(tests/package_server.py); the build report says what happened to
translation, per language."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, briefing
from package_server import PackageServer, corrupted, hang_before_answering, server  # noqa: F401 (fixture)

BIN = Path(sys.executable).parent
ACTIVE = "داعش لا يزال نشطا في سرت."  # in the test models' corpus: translated word for word
FRAGILE = "الوضع الأمني في ليبيا لا يزال هشا."
MISSING_LINE_PARTS = ("mirsad models: ar→en, en→fr not installed", "invoke models` (from the package index)",
                      "invoke models --from DIR` (a folder of .argosmodel files)")


@pytest.fixture
def project(tmp_path) -> dict[str, Path]:
    """Two briefings, one with a reviewed French translation; a fresh models folder."""
    content = tmp_path / "content"
    (content / "briefings").mkdir(parents=True)
    (content / "translations").mkdir()
    (content / "briefings" / "active.md").write_text(
        briefing(ACTIVE, ACTIVE, date="2017-01-25 10:00", slug="active", tags="[ليبيا]"), encoding="utf-8")
    (content / "briefings" / "fragile.md").write_text(
        briefing(FRAGILE, FRAGILE, date="2017-01-26 10:00", slug="fragile"), encoding="utf-8")
    (content / "translations" / "fragile.fr.md").write_text(
        briefing("Une situation fragile", "La situation reste fragile.", lang="fr",
                 source_hash="eb5a812e2b5c18d2"), encoding="utf-8")
    return {"content": content, "output": tmp_path / "output", "cache": tmp_path / "cache",
            "models": tmp_path / "models"}


def environment(project: dict[str, Path], index_url: str, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name != "MIRSAD_FETCH_MODELS"}
    return {**env, "MIRSAD_MODELS_INDEX": index_url, "MIRSAD_MODELS_DIR": str(project["models"]),
            "MIRSAD_JOBS": "1", **extra}


def make_build(project: dict[str, Path], index_url: str, *options: str) -> subprocess.CompletedProcess:
    """`make build`, with the test's interpreter (STAMP= leaves .venv as it
    is) and the project's folders instead of content/ and output/."""
    flags = " ".join([f"--content {project['content']} --output {project['output']} --cache {project['cache']}",
                      *options])
    return subprocess.run(["make", "-s", "build", "STAMP=", f"BIN={BIN}", f"BUILD_FLAGS={flags}"], cwd=ROOT,
                          env=environment(project, index_url), capture_output=True, text=True, timeout=300)


def set_up(project: dict[str, Path], index_url: str, **extra: str) -> subprocess.CompletedProcess:
    """The set-up step alone, as the Makefile runs it."""
    return subprocess.run([str(BIN / "invoke"), "models", "--if-missing"], cwd=ROOT,
                          env=environment(project, index_url, **extra), capture_output=True, text=True, timeout=60)


def installed(models: Path) -> list[str]:
    from mirsad.mt.models.packages import installed_packages

    return sorted(f"{p.from_code}_{p.to_code}" for p in installed_packages(models))


def published_text(output: Path) -> str:
    """Every published file that holds text, and the text of every PDF."""
    texts = []
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        if path.suffix == ".pdf":
            texts.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout)
        elif path.suffix in {".html", ".xml", ".js", ".json", ".txt", ".atom"}:
            texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def closed_port_url() -> str:
    """An index URL on 127.0.0.1 where nothing listens: refused at once, as offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/index.json"


def test_make_build_fetches_the_missing_models_once_and_translates_with_them(server, project):
    server.publish(server.package("ar_en"), server.package("en_fr"))  # like the public index: no ar→fr
    first = make_build(project, server.index_url)
    assert first.returncode == 0, first.stderr[-3000:]
    out = first.stdout + first.stderr
    assert "Installing the translation models this site needs (ar→en, en→fr)" in out
    assert "MIRSAD_FETCH_MODELS=0 turns this off" in out
    for pair in ("ar→en", "en→fr"):  # the progress bar, ended, with the size received of the size announced
        size = (ROOT / f"tests/fixtures/models/translate-{pair.replace('→', '_')}-test-1.0.argosmodel").stat().st_size
        bar = next(line for line in out.splitlines() if line.startswith(f"{pair} 1.0 "))
        assert f"downloading the {pair} package 1.0" in out and f"{size / 1000:.1f}/{size / 1000:.1f} kB" in bar
        assert f"installed Argos {pair} 1.0 ({size / 1000:.1f} kB)" in out
    assert installed(project["models"]) == ["ar_en", "en_fr"]
    assert server.requested("/index.json") == 1 and server.requested(".argosmodel") == 2
    # The build that follows translates with them, and its report says so per language.
    page = (project["output"] / "en/briefings/active.html").read_text(encoding="utf-8")
    assert "ISIS is still active in Sirte." in page
    assert "en: 2 briefing(s) machine-translated, 0 reviewed, 0 waiting for a model" in first.stderr
    assert "fr: 1 briefing(s) machine-translated, 1 reviewed, 0 waiting for a model" in first.stderr
    assert "provenance--missing" not in published_text(project["output"])

    requests = len(server.requests)
    # --rebuild: with nothing changed the build would leave the output as it is, and print no report.
    second = make_build(project, server.index_url, "--rebuild")
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(server.requests) == requests  # not even the index: every pair has its model
    assert "mirsad models" not in second.stdout + second.stderr and "downloading" not in second.stdout
    assert "en: 2 briefing(s) machine-translated, 0 reviewed, 0 waiting for a model" in second.stderr


def test_an_unreachable_index_is_one_line_and_make_build_goes_on(project):
    index = closed_port_url()
    started = time.monotonic()
    setup = set_up(project, index)
    assert setup.returncode == 0 and time.monotonic() - started < 10
    lines = (setup.stdout + setup.stderr).splitlines()
    assert len(lines) == 1, lines
    assert all(part in lines[0] for part in MISSING_LINE_PARTS) and index in lines[0]
    assert "cannot be reached ([Errno 111] Connection refused)" in lines[0]

    built = make_build(project, index)
    assert built.returncode == 0, built.stderr[-3000:]
    assert sum(line.startswith("mirsad models:") for line in (built.stdout + built.stderr).splitlines()) == 1
    assert "en: 0 briefing(s) machine-translated, 0 reviewed, 2 waiting for a model" in built.stderr
    assert "fr: 0 briefing(s) machine-translated, 1 reviewed, 1 waiting for a model" in built.stderr
    assert (project["output"] / "en/briefings/active.html").is_file()
    assert installed(project["models"]) == []


def test_an_index_that_never_answers_is_given_up_within_seconds(server, project):
    from mirsad.mt.models.missing import INDEX_DEADLINE

    server.publish(server.package("ar_en"), behaviour=hang_before_answering)
    started = time.monotonic()
    setup = set_up(project, server.index_url)
    assert setup.returncode == 0 and time.monotonic() - started < INDEX_DEADLINE + 5
    lines = (setup.stdout + setup.stderr).splitlines()
    assert len(lines) == 1 and MISSING_LINE_PARTS[0] in lines[0]
    assert f"no answer from the server within {INDEX_DEADLINE:g} s" in lines[0]
    assert server.requested("/index.json") == 1  # asked once: a set-up check is not retried


def test_fetching_turned_off_asks_nothing_and_names_the_pairs(server, project):
    server.publish(server.package("ar_en"), server.package("en_fr"))
    setup = set_up(project, server.index_url, MIRSAD_FETCH_MODELS="0")
    assert setup.returncode == 0
    lines = (setup.stdout + setup.stderr).splitlines()
    assert len(lines) == 1 and all(part in lines[0] for part in MISSING_LINE_PARTS)
    assert "MIRSAD_FETCH_MODELS=0" in lines[0]
    assert server.requests == [] and installed(project["models"]) == []


def test_a_failed_download_is_one_line_keeps_what_was_installed_and_exits_zero(server, project):
    server.publish(server.package("ar_en"), server.package("en_fr", corrupted))
    setup = set_up(project, server.index_url)
    assert setup.returncode == 0, setup.stderr
    failures = [line for line in (setup.stdout + setup.stderr).splitlines() if line.startswith("mirsad models:")]
    assert len(failures) == 1 and "translate-en_fr-test-1.0.argosmodel: corrupt" in failures[0]
    assert "the build goes on without it" in failures[0]
    assert installed(project["models"]) == ["ar_en"]
    # The next set-up fetches only what is still missing.
    server.publish(server.package("ar_en"), server.package("en_fr"))
    again = set_up(project, server.index_url)
    assert again.returncode == 0 and "installed Argos en→fr 1.0" in again.stderr
    assert "installed Argos ar→en" not in again.stderr
    assert installed(project["models"]) == ["ar_en", "en_fr"]


def test_a_bad_fetch_setting_is_named():
    run = subprocess.run([str(BIN / "invoke"), "models", "--if-missing"], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "MIRSAD_FETCH_MODELS": "maybe", "MIRSAD_MODELS_INDEX": closed_port_url()},
                         timeout=60)
    assert run.returncode != 0 and "MIRSAD_FETCH_MODELS='maybe': write 0" in run.stderr
