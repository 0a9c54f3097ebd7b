"""Every error a user can cause is a message, not a traceback (issue 33,
part A): unwritable folders and missing permissions, for every command,
through the real `invoke` in a copy of the project. Root passes file
permissions: there the commands run without the capabilities that let it
(invoke_project.AS_A_USER), so that "Permission denied" is real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from invoke_project import AS_A_USER, InvokeProject, Run

SLUG = "libya-oil-output"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> InvokeProject:
    if AS_A_USER and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): permissions cannot be denied")
    made = InvokeProject(tmp_path_factory.mktemp("errors") / "project", briefings=(SLUG,), translations=False)
    made.install_models("ar_en", "en_fr")
    return made


def denied(project: InvokeProject, folder: Path, *arguments: str) -> Run:
    """`invoke ARGUMENTS` with `folder` read-only to it."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    try:
        return project.run(*arguments, prefix=AS_A_USER)
    finally:
        folder.chmod(0o755)


def assert_message(run: Run, path: Path) -> None:
    assert run.code == 1, run.out[-3000:]
    assert "Traceback" not in run.out, run.out[-6000:]
    last = run.out.strip().splitlines()[-1]
    assert "Permission denied" in last and str(path) in last, run.out[-3000:]


def test_review_and_xliff_import_into_an_unwritable_translations_folder(project, tmp_path):
    translations = project.content / "translations"
    assert_message(denied(project, translations, "review", "--slug", SLUG, "--lang", "en"), translations)
    exported = project.run("xliff-export", "--slug", SLUG, "--lang", "en", "--output", str(tmp_path / "x.xlf"))
    assert exported.code == 0, exported.out[-3000:]
    assert_message(denied(project, translations, "xliff-import", str(tmp_path / "x.xlf")), translations)
    assert list(translations.iterdir()) == []


def test_stamp_with_an_unwritable_translations_folder(project):
    translations = project.content / "translations"
    translations.mkdir(exist_ok=True)
    shutil.copy(Path(__file__).parents[1] / "content" / "translations" / f"{SLUG}.en.md", translations)
    try:
        assert_message(denied(project, translations, "stamp"), translations)
    finally:
        (translations / f"{SLUG}.en.md").unlink()


@pytest.mark.parametrize("arguments", [
    ["build"], ["pdf"], ["digest"], ["bundle"], ["review-site"], ["mt-report"],
    ["xliff-export", "--slug", SLUG, "--lang", "en"],
], ids=lambda arguments: arguments[0])
def test_an_output_in_an_unwritable_folder(project, tmp_path, arguments):
    locked = tmp_path / "locked"
    target = locked / ("x.xlf" if arguments[0] == "xliff-export" else "out")
    assert_message(denied(project, locked, *arguments, "--output", str(target)), locked)
    assert list(locked.iterdir()) == []


def test_a_project_folder_where_the_build_lock_cannot_be_made(project):
    (project.root / ".build.lock").unlink(missing_ok=True)
    assert_message(denied(project, project.root, "build"), project.root / ".build.lock")
