"""Incremental builds equal cold builds. A project (the sample briefings, one
of them machine-translated by the test models, the others with reviewed
translations) is built the way `invoke build` builds it: Pelican in a
process of its own, into a staging folder swapped in at the end, with the
project's caches. After each kind of edit the incremental build is compared,
file by file and byte by byte, with a cold build of the same content (empty
caches, no earlier output); pages nothing changed are kept from the last
build, not rendered again."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_machine_translation import install

from mirsad.build.api import build_atomically, project_lock, run_pelican

PELICAN = Path(sys.executable).parent / "pelican"
MARKER = ".mirsad-output"


class Project:
    def __init__(self, root: Path, models: Path, pdfs: bool = False):
        self.root, self.models = root, models
        self.content = root / "content"
        shutil.copytree(ROOT / "content", self.content, ignore=shutil.ignore_patterns("images"))
        shutil.copytree(ROOT / "themes" / "mirsad", root / "theme")
        self.pdfs = pdfs

    def build(self, output: Path, cache: Path) -> dict:
        """Build into `output` as `invoke build` does; the build's record."""
        overrides = {"MIRSAD_PROJECT_ROOT": str(self.root), "CACHE_PATH": str(cache),
                     "THEME": str(self.root / "theme"),
                     "MIRSAD_MT": {"models_dir": str(self.models), "memory": str(cache / "tm.sqlite")},
                     "MIRSAD_PDF": {"briefings": self.pdfs, "digest": self.pdfs}}
        cache.mkdir(parents=True, exist_ok=True)
        with project_lock(cache / "build.lock"):
            build_atomically(output, lambda staging: run_pelican(
                PELICAN, self.content, ROOT / "pelicanconf.py", staging, strict=True, overrides=overrides,
                target=output, log=cache / "build.log"))
        return json.loads((cache / "last-build.json").read_text())

    def incremental(self) -> dict:
        return self.build(self.root / "output", self.root / "cache")

    def cold(self, name: str) -> Path:
        folder = self.root / "cold" / name
        self.build(folder / "output", folder / "cache")
        return folder / "output"

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.content / relative if not relative.startswith("theme/") else self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def tree(folder: Path) -> dict[str, bytes]:
    """Every file a reader or a deploy gets (not Mirsad's own records)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_file() and relative != MARKER:
            found[relative] = path.read_bytes()
    return found


def assert_same_site(built: Path, cold: Path) -> None:
    ours, theirs = tree(built), tree(cold)
    assert sorted(ours) == sorted(theirs), (set(ours) ^ set(theirs))
    differing = [name for name in ours if ours[name] != theirs[name]]
    assert not differing, f"differ from a cold build: {differing[:10]}"


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    return install(tmp_path_factory.mktemp("models"))


@pytest.fixture
def project(tmp_path, models) -> Project:
    built = Project(tmp_path, models)
    first = built.incremental()
    assert first["counts"]["pages_reused"] == 0
    return built


def pages(record: dict) -> tuple[int, int]:
    return record["counts"]["pages_rendered"], record["counts"]["pages_reused"]


def test_a_build_with_nothing_changed_renders_no_page(project):
    record = project.incremental()
    rendered, reused = pages(record)
    assert rendered == 0 and reused > 50
    assert_same_site(project.root / "output", project.cold("same"))


EDITS = {
    "body": ("briefings/isis-sirte.md", "كشفت مصادر مطلعة", "كشفت مصادر مطلعة جدا"),
    "machine-translated body": ("briefings/man-made-river-water.md", "في جنوب ليبيا", "في الجنوب"),
    "title": ("briefings/libya-oil-output.md", 'title: "', 'title: "عاجل: '),
    "tags": ("briefings/un-action-plan.md", "tags: [", "tags: [النفط, "),
    "date": ("briefings/g5-sahel-migration.md", "date: 2017", "date: 2018"),
    "status to draft": ("briefings/libya-oil-output.md", "\n---\n", "\nstatus: draft\n---\n"),
    "reviewed translation": ("translations/isis-sirte.en.md", "Informed sources", "Well-informed sources"),
    "taxonomy entry": ("taxonomy.yml", "en: Oil, fr: Pétrole", "en: Crude oil, fr: Pétrole brut"),
    "glossary": ("glossary.yml", "سرت: {en: Sirte, fr: Syrte}", "سرت: {en: Sirt, fr: Syrte}"),
    "theme": ("theme/templates/base.html", "<footer class=\"site-footer\">", "<footer class=\"site-footer\" data-x=\"1\">"),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_an_edit_gives_the_site_a_cold_build_gives(project, kind):
    project.edit(*EDITS[kind])
    record = project.incremental()
    assert_same_site(project.root / "output", project.cold(kind))
    rendered, reused = pages(record)
    if kind == "theme":
        assert reused == 0  # every page is rendered with the new template
    else:
        assert rendered > 0 and reused > 0


def test_edits_in_a_row_and_a_new_and_a_removed_briefing(project):
    project.edit(*EDITS["body"])
    project.incremental()
    shutil.copy(project.content / "briefings" / "isis-sirte.md", project.content / "briefings" / "isis-sirte-2.md")
    project.edit("briefings/isis-sirte-2.md", "slug: isis-sirte", "slug: isis-sirte-2")
    project.incremental()
    (project.content / "briefings" / "g5-sahel-migration.md").unlink()
    for lang in ("en", "fr"):
        (project.content / "translations" / f"g5-sahel-migration.{lang}.md").unlink()
    project.incremental()
    assert_same_site(project.root / "output", project.cold("in a row"))


def test_a_page_changed_by_hand_in_the_output_is_rendered_again(project):
    page = project.root / "output" / "en" / "briefings" / "isis-sirte.html"
    original = page.read_bytes()
    page.write_bytes(original.replace(b"Sirte", b"Syrte"))
    project.incremental()
    assert page.read_bytes() == original


def test_a_failed_build_leaves_the_last_site_whole(project):
    before = tree(project.root / "output")
    project.edit("briefings/isis-sirte.md", "\n---\n", "\nkey_points: [unclosed\n---\n")
    with pytest.raises(Exception):
        project.incremental()
    assert tree(project.root / "output") == before
    project.edit("briefings/isis-sirte.md", "\nkey_points: [unclosed\n---\n", "\n---\n")
    project.edit(*EDITS["body"])
    project.incremental()
    assert_same_site(project.root / "output", project.cold("after failure"))


def test_kept_pages_are_links_to_the_last_build_that_no_later_build_writes_through(project):
    page = project.root / "output" / "ar" / "briefings" / "isis-sirte.html"
    first = page.stat()
    project.incremental()
    assert page.stat().st_ino == first.st_ino  # the same file, linked, not rendered
    old = project.root / "output-kept"
    os.link(page, old)  # someone keeps the last build's page
    project.edit(*EDITS["body"])
    project.incremental()
    assert page.stat().st_ino != first.st_ino
    assert old.read_bytes() != page.read_bytes()  # the new page is a new file


# `invoke build` with nothing changed: the last build's output stays as it is.

from invoke_project import InvokeProject  # noqa: E402

UP_TO_DATE = "Nothing changed since the last build"


@pytest.fixture
def invoke_project(tmp_path) -> InvokeProject:
    made = InvokeProject(tmp_path / "project", briefings=("libya-oil-output",))
    first = made.run("build")
    assert first.code == 0 and "Site built in" in first.out, first.out
    return made


def page_of(project: InvokeProject) -> Path:
    return project.output / "ar" / "briefings" / "libya-oil-output.html"


def test_a_build_with_nothing_changed_leaves_the_output_as_it_is(invoke_project):
    before = page_of(invoke_project).stat()
    again = invoke_project.run("build")
    assert again.code == 0 and UP_TO_DATE in again.out, again.out
    assert page_of(invoke_project).stat().st_ino == before.st_ino
    assert "Site built in" in invoke_project.run("build", "--rebuild").out


@pytest.mark.parametrize("change", ["briefing", "output", "settings", "environment"])
def test_any_change_builds_again(invoke_project, change):
    if change == "briefing":
        path = invoke_project.content / "briefings" / "libya-oil-output.md"
        path.write_text(path.read_text(encoding="utf-8").replace("النفط", "الخام", 1), encoding="utf-8")
    elif change == "output":
        page_of(invoke_project).unlink()
    elif change == "settings":
        settings = invoke_project.root / "pelicanconf.py"
        settings.write_text(settings.read_text(encoding="utf-8") + "\nDEFAULT_PAGINATION = 7\n", encoding="utf-8")
    else:
        invoke_project.env["MIRSAD_SITEURL"] = "https://briefings.example.org"
    again = invoke_project.run("build")
    assert again.code == 0 and "Site built in" in again.out, again.out
    assert page_of(invoke_project).is_file()


def test_a_build_waiting_for_a_model_is_not_taken_as_up_to_date(tmp_path):
    project = InvokeProject(tmp_path / "project", briefings=("man-made-river-water",), translations=False)
    for _ in range(2):
        run = project.run("build")
        assert run.code == 0 and "Site built in" in run.out and UP_TO_DATE not in run.out, run.out


def test_a_scheduled_briefing_goes_out_with_the_first_build_after_its_time(invoke_project):
    from zoneinfo import ZoneInfo
    import datetime as dt
    import time

    due = dt.datetime.now(ZoneInfo("Africa/Tripoli")) + dt.timedelta(seconds=30)
    path = invoke_project.content / "briefings" / "libya-oil-output.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^date: .*$", f"date: {due:%Y-%m-%d %H:%M:%S}", text), encoding="utf-8")
    held = invoke_project.run("build")
    assert "Site built in" in held.out and not page_of(invoke_project).exists(), held.out
    assert UP_TO_DATE in invoke_project.run("build").out  # nothing changed, nothing due yet
    time.sleep(max(0.0, (due - dt.datetime.now(due.tzinfo)).total_seconds()) + 0.5)
    out = invoke_project.run("build")
    assert "Site built in" in out.out and page_of(invoke_project).is_file(), out.out


@pytest.mark.parametrize("when", ["reading", "writing pages"])
def test_a_build_killed_leaves_the_last_site_and_caches_the_next_build_can_use(tmp_path, when):
    import signal
    import time

    project = InvokeProject(tmp_path / "project")
    assert project.run("build").code == 0
    before = tree(project.output)
    path = project.content / "briefings" / "isis-sirte.md"
    path.write_text(path.read_text(encoding="utf-8").replace("كشفت مصادر", "أفادت مصادر", 1), encoding="utf-8")
    started = project.start("build", log=tmp_path / "killed.log")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and started.poll() is None:
        staging = [p for p in project.root.glob(".output-*") if p.is_dir()]
        if when == "reading" and (project.root / "cache" / "briefings-read.sqlite-wal").exists():
            break
        if when == "writing pages" and staging and any(staging[0].rglob("*.html")):
            break
        time.sleep(0.01)
    assert started.poll() is None, "the build ended before it could be killed"
    os.killpg(started.pid, signal.SIGKILL)
    started.wait()
    assert tree(project.output) == before  # the last good site, whole
    again = project.run("build")
    assert again.code == 0 and "Site built in" in again.out, again.out
    cold = InvokeProject(tmp_path / "cold")
    shutil.rmtree(cold.content)
    shutil.copytree(project.content, cold.content)
    assert cold.run("build").code == 0
    assert_same_site(project.output, cold.output)
