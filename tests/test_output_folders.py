"""Output folders are Mirsad's alone (issue 33, part A): every command that
writes a folder refuses the project's own folders, the project itself, a
git work tree's root and a non-empty folder it did not make, before it
writes anything; the folders it makes carry a `.mirsad-output` marker.
Through the real `invoke`, in a copy of the project that is a git repository."""

from __future__ import annotations

import zipfile

import pytest

from conftest import ROOT
from invoke_project import InvokeProject

# Every command that takes an output folder, with the arguments it needs besides --output.
FOLDER_COMMANDS = {
    "build": ["build"],
    "pdf": ["pdf"],
    "digest": ["digest"],
    "bundle": ["bundle"],
    "review-site": ["review-site"],
    "mt-report": ["mt-report"],
    "xliff-export": ["xliff-export", "--slug", "isis-sirte", "--lang", "en"],
}


@pytest.fixture
def project(tmp_path) -> InvokeProject:
    made = InvokeProject(tmp_path / "project", briefings=("libya-oil-output",))
    made.git_init()
    assert made.git_status() == ""
    return made


def test_no_command_writes_into_content_or_the_project(project):
    root = project.root
    runs = [(name, target, [*arguments, "--output", str(target)])
            for name, arguments in FOLDER_COMMANDS.items() for target in (project.content, root)]
    # The other folders of the project, and what contains it, through `invoke build`.
    (root.parent / "repository" / ".git").mkdir(parents=True)
    runs += [("build", target, ["build", "--output", str(target)])
             for target in (project.content / "briefings", root / "themes" / "mirsad", root / "plugins",
                            root / "cache", root.parent, root.parent / "repository")]
    # --content and --output of `invoke build` together: the output inside the content given.
    elsewhere = root.parent / "other-content"
    elsewhere.mkdir()
    runs.append(("build --content", elsewhere / "site", ["build", "--content", str(elsewhere), "--output",
                                                         str(elsewhere / "site")]))
    # --force-output never opens the project's own folders.
    runs += [("build --force-output", target, ["build", "--force-output", "--output", str(target)])
             for target in (project.content, root)]
    for name, target, arguments in runs:
        run = project.run(*arguments)
        assert run.code == 2, f"{name} into {target}: exit {run.code}\n{run.out[-3000:]}"
        assert "Traceback" not in run.out, run.out
        assert f"--output {target.resolve()}" in run.out and "Nothing was written" in run.out, run.out
        assert project.git_status() == "", f"{name} into {target} changed the project"
    assert list(elsewhere.iterdir()) == []


def test_a_file_of_xliff_export_stays_out_of_the_folders_mirsad_reads_or_replaces(project):
    for target in (project.content / "briefings" / "x.xlf", project.output / "x.xlf", project.root / "cache" / "x.xlf"):
        run = project.run(*FOLDER_COMMANDS["xliff-export"], "--output", str(target))
        assert run.code == 2 and f"--output {target} is inside" in run.out and "Traceback" not in run.out, run.out
    assert project.git_status() == ""


def test_a_folder_mirsad_did_not_make_is_kept_unless_forced(project, tmp_path):
    theirs = tmp_path / "theirs"
    (theirs / "notes").mkdir(parents=True)
    (theirs / "notes" / "plan.txt").write_text("an editor's file")
    refused = project.run("build", "--output", str(theirs))
    assert refused.code == 2, refused.out
    assert f"--output {theirs}: the folder holds files and was not made by Mirsad" in refused.out
    assert "--force-output" in refused.out and "Traceback" not in refused.out
    assert [p.name for p in theirs.rglob("*")] == ["notes", "plan.txt"]

    # A folder Mirsad made (marked) is replaced by the next build ...
    built = project.run("build", "--output", str(tmp_path / "site"))
    assert built.code == 0, built.out[-3000:]
    assert (tmp_path / "site" / ".mirsad-output").is_file() and (tmp_path / "site" / "index.html").is_file()
    # ... and so is one a build made before the marker existed (a Mirsad site).
    (tmp_path / "site" / ".mirsad-output").unlink()
    again = project.run("build", "--output", str(tmp_path / "site"))
    assert again.code == 0, again.out[-3000:]
    assert (tmp_path / "site" / ".mirsad-output").is_file()

    forced = project.run("build", "--force-output", "--output", str(theirs))
    assert forced.code == 0, forced.out[-3000:]
    assert not (theirs / "notes").exists() and (theirs / ".mirsad-output").is_file()
    assert project.git_status() == "!! .build.lock\n!! cache/\n"  # ignored: the lock and the build's cache


@pytest.mark.parametrize(("kind", "files", "made"), [
    ("site", ["index.html", "sitemap.xml", "theme/css/site.css", "ar/search-index.js"], True),
    ("site", ["index.html", "notes.txt"], False),
    ("pdf", ["ar/briefings/a.pdf", "en/digest.pdf"], True),
    ("pdf", ["ar/briefings/a.pdf", "thesis.docx"], False),
    ("bundle", ["mirsad-2017-01-25.zip", "mirsad-2017-01-25.zip.sha256"], True),
    ("bundle", ["mirsad.zip", "photos/a.jpg"], False),
    ("review", ["index.html", "isis-sirte.en.html"], True),
    ("report", ["mt-report.json", "mt-report.html"], True),
    ("report", ["mt-report.json", "draft.md"], False),
    ("report", [".mirsad-output", "draft.md"], True),
])
def test_folders_made_before_the_marker_are_recognised_by_what_the_command_writes(tmp_path, kind, files, made):
    from mirsad.common.output_folders import made_by_mirsad

    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert made_by_mirsad(tmp_path, kind) is made


def test_the_marker_is_not_in_the_bundle(tmp_path):
    from pelican.settings import read_settings

    from mirsad.bundle.api import make_bundle
    from mirsad.common.output_folders import MARKER, mark

    site = tmp_path / "site"
    (site / "ar").mkdir(parents=True)
    (site / "ar" / "index.html").write_text("<html lang=ar><title>x</title></html>")
    mark(site)
    made = make_bundle(site, tmp_path / "dist", read_settings(str(ROOT / "pelicanconf.py")))
    with zipfile.ZipFile(made.path) as archive:
        assert MARKER not in archive.namelist() and "ar/index.html" in archive.namelist()


def test_clean_removes_only_the_folders_mirsad_made(project):
    (project.output / "notes").mkdir(parents=True)
    (project.output / "notes" / "plan.txt").write_text("an editor's file")
    (project.root / "dist").mkdir()
    (project.root / "dist" / "mirsad-2017-01-25.zip").write_bytes(b"PK")
    run = project.run("clean")
    assert run.code == 0 and f"{project.output} kept: it holds files Mirsad did not make" in run.out, run.out
    assert (project.output / "notes" / "plan.txt").is_file() and not (project.root / "dist").exists()
    (project.output / ".mirsad-output").write_text("made by a build")
    assert project.run("clean").code == 0 and not project.output.exists()
