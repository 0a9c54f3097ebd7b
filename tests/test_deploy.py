"""`invoke deploy` to a folder (rsync), and what every target holds to:
only a finished build is deployed, a dry run changes nothing, a second run
uploads nothing, deletes come last and only of files a deploy uploaded,
more deletes than the limit stop with the list, an interrupted deploy
converges on the next run. Real `invoke build --publish` builds of a
project in tmp_path, a real rsync. (Over SSH: test_deploy_ssh.py; GitHub
Pages: test_deploy_ghpages.py; S3: test_deploy_s3.py.)"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import missing_tool
from deploy_support import PUBLISHED, deploy, files_under, project, publish_build, published_project, write_briefing

from mirsad.build.api import outcome
from mirsad.deploy.api import MANIFEST, TooManyDeletes
from mirsad.deploy.files import local_files
from mirsad.deploy.rsync import RsyncTarget
from mirsad.tasks import deploy as deploy_task
from mirsad.tasks.site import TaskError


@pytest.fixture(autouse=True)
def _rsync():
    if shutil.which("rsync") is None:
        missing_tool("needs rsync (Debian: rsync)")


@pytest.fixture
def built(tmp_path, monkeypatch):
    return published_project(tmp_path / "project", monkeypatch)


def test_a_folder_gets_the_build_and_a_second_run_uploads_nothing(built, tmp_path):
    www = tmp_path / "www"
    result, _ = deploy(built, str(www))
    site_files = files_under(built.output)
    deployed = files_under(www)
    assert {name: data for name, data in deployed.items() if name != MANIFEST} == site_files
    assert result.uploaded == len(site_files) and result.bytes == sum(map(len, site_files.values()))
    assert (result.deleted, result.unchanged) == (0, 0)
    assert sorted(json.loads(deployed[MANIFEST])["files"]) == sorted(site_files)

    again, lines = deploy(built, str(www))
    assert (again.uploaded, again.bytes, again.deleted, again.unchanged) == (0, 0, 0, len(site_files))
    assert lines == []
    assert again.line() == f"{www}: uploaded 0 files (0 bytes), deleted 0, {len(site_files)} unchanged"


def test_assets_go_before_pages_and_feeds_last(built, tmp_path):
    _, lines = deploy(built, str(tmp_path / "www"))
    assert [line.split()[2] for line in lines] == ["assets", "pages", "feeds"]


def test_a_dry_run_lists_what_it_would_upload_and_delete_and_changes_nothing(built, tmp_path):
    www = tmp_path / "www"
    deploy(built, str(www))
    (built.root / "content" / "briefings" / "b2.md").unlink()
    write_briefing(built.root, "b3", "موجز ثالث")
    publish_build(built)
    before = files_under(www)
    result, lines = deploy(built, str(www), dry_run=True)
    assert "upload ar/briefings/b3.html" in {line.split(" (")[0] for line in lines}
    assert "delete ar/briefings/b2.html" in lines
    assert result.dry_run and result.deleted == 1
    assert result.uploaded == len([line for line in lines if line.startswith("upload")])
    assert result.line().startswith(f"Dry run: {www}: would upload")
    assert files_under(www) == before


def test_deletes_only_what_a_deploy_uploaded(built, tmp_path):
    www = tmp_path / "www"
    (www / "ar").mkdir(parents=True)
    (www / "keep.txt").write_text("put here by hand")
    (www / "ar" / "own.html").write_text("another tool's page")
    deploy(built, str(www))
    (built.root / "content" / "briefings" / "b2.md").unlink()
    publish_build(built)
    result, lines = deploy(built, str(www))
    assert result.deleted == 1 and lines[-1] == f"deleting 1 files from {www}"
    assert not (www / "ar" / "briefings" / "b2.html").exists()
    assert (www / "keep.txt").read_text() == "put here by hand"
    assert (www / "ar" / "own.html").read_text() == "another tool's page"
    assert "b2.html" not in (www / MANIFEST).read_text()


def test_more_deletes_than_the_limit_stop_before_any_change_with_the_list(built, tmp_path):
    www = tmp_path / "www"
    deploy(built, str(www))
    for slug in ("b1", "b2"):
        (built.root / "content" / "briefings" / f"{slug}.md").unlink()
    write_briefing(built.root, "b3", "موجز ثالث")
    publish_build(built)
    before = files_under(www)
    with pytest.raises(TooManyDeletes) as stopped:
        deploy(built, str(www), max_deletes=1)
    message = str(stopped.value)
    assert "would delete 2 files, more than the limit of 1" in message and "--max-deletes 2" in message
    assert "  ar/briefings/b1.html" in message and "  ar/briefings/b2.html" in message
    assert files_under(www) == before  # nothing uploaded either
    result, _ = deploy(built, str(www), max_deletes=2)
    assert result.deleted == 2


def test_an_interrupted_deploy_converges_on_the_next_run(built, tmp_path):
    """Stopped after some uploads: the manifest already names every file the
    deploy was about to upload, so the next run finishes the job, and a
    later deploy can delete any of them."""
    www = tmp_path / "www"
    deploy(built, str(www))
    (built.root / "content" / "briefings" / "b1.md").unlink()
    write_briefing(built.root, "b3", "موجز ثالث")
    write_briefing(built.root, "b4", "موجز رابع")
    publish_build(built)
    target = RsyncTarget(str(www), built.output)
    files = local_files(built.output)
    plan = target.plan(files)
    assert {"ar/briefings/b3.html", "ar/briefings/b4.html"} <= {file.name for file in plan.uploads}
    new = {file.name: file.entry() for file in plan.uploads if file.name not in plan.before}
    target.write_manifest({**plan.before, **new})  # what apply() does first, then it was stopped:
    target.upload(plan.uploads[:1])

    result, _ = deploy(built, str(www))
    assert result.uploaded == len(plan.uploads) - 1 and result.deleted == 1
    assert {name: data for name, data in files_under(www).items() if name != MANIFEST} == files_under(built.output)
    assert sorted(json.loads((www / MANIFEST).read_text())["files"]) == sorted(files)


def test_the_deploy_task_refuses_a_failed_a_killed_and_an_altered_build(built, tmp_path, capsys):
    www = tmp_path / "www"
    deploy_task.deploy(built, str(www))
    assert f"{www}: uploaded" in capsys.readouterr().out

    write_briefing(built.root, "b3", "موجز ثالث")
    (built.root / "content" / "briefings" / "b3.md").write_text("---\ntitle: [unclosed\n---\nنص\n", encoding="utf-8")
    with pytest.raises(TaskError):
        publish_build(built)  # a publish build fails on any error; output/ keeps the previous site
    assert (built.output / "ar" / "briefings" / "b1.html").exists()
    before = files_under(www)
    with pytest.raises(TaskError, match=r"The last build of .*output failed.*nothing is deployed after a failed build"):
        deploy_task.deploy(built, str(www))
    assert files_under(www) == before

    (built.root / "content" / "briefings" / "b3.md").unlink()
    publish_build(built)
    outcome.started(built.cache, built.output)  # what a killed build leaves
    with pytest.raises(TaskError, match="did not finish"):
        deploy_task.deploy(built, str(www))

    publish_build(built)
    page = built.output / "ar" / "briefings" / "b1.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    with pytest.raises(TaskError, match=r"changed after the build that finished at"):
        deploy_task.deploy(built, str(www))

    shutil.rmtree(built.output)
    with pytest.raises(TaskError, match=r"output does not exist: run `invoke build --publish`"):
        deploy_task.deploy(built, str(www))
    assert files_under(www) == before


def test_a_development_build_deploys_with_a_note(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MIRSAD_SITEURL", raising=False)
    site = project(tmp_path / "project", briefings=1)
    from mirsad.tasks.build import build

    build(site)
    capsys.readouterr()
    deploy_task.deploy(site, str(tmp_path / "www"))
    out = capsys.readouterr().out
    assert "is a development build" in out and "`invoke publish`" in out


def test_publish_builds_with_publishconf_then_deploys_to_the_setting(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MIRSAD_SITEURL", PUBLISHED)
    site = project(tmp_path / "project", briefings=1)
    with pytest.raises(TaskError, match=r"set MIRSAD_DEPLOY\['to'\] in publishconf.py"):
        deploy_task.publish(site)
    www = tmp_path / "www"
    with open(site.root / "publishconf.py", "a", encoding="utf-8") as settings:
        settings.write(f"\nMIRSAD_DEPLOY = {{**MIRSAD_DEPLOY, 'to': {str(www)!r}}}  # noqa: F821\n")
    broken = write_briefing(site.root, "b2", "موجز")
    broken.write_text("---\ntitle: [unclosed\n---\nنص\n", encoding="utf-8")
    with pytest.raises(TaskError):
        deploy_task.publish(site)  # the build failed: nothing deployed
    assert not www.exists()
    broken.unlink()
    result = deploy_task.publish(site)
    assert result.uploaded == len(files_under(site.output)) > 0
    assert f"{PUBLISHED}/ar/briefings/b1.html" in (www / "sitemap.xml").read_text()
    assert f"{www}: uploaded {result.uploaded} files" in capsys.readouterr().out


def test_a_deploy_into_the_build_itself_is_refused(built):
    with pytest.raises(TaskError, match="the build's own folder"):
        deploy_task.deploy(built, str(built.output / "sub"))


@pytest.mark.parametrize("settings, message", [
    ({"max_deletes": "many"}, "number of files, or -1"),
    ({"cache_control": {"short": "max-age=1"}}, "two strings, 'short' and 'long'"),
    ({"to": 3}, r"MIRSAD_DEPLOY\['to'\] \(publishconf.py\) must be a string"),
])
def test_bad_deploy_settings_are_named(built, tmp_path, settings, message):
    with open(built.root / "publishconf.py", "a", encoding="utf-8") as handle:
        handle.write(f"\nMIRSAD_DEPLOY = {settings!r}\n")
    with pytest.raises(TaskError, match=message):
        deploy_task.deploy(built, str(tmp_path / "www"))


def test_the_limit_on_the_command_line_is_checked(built, tmp_path):
    with pytest.raises(TaskError, match="number of files, or -1"):
        deploy_task.deploy(built, str(tmp_path / "www"), deletes="-5")
    assert not os.path.exists(tmp_path / "www")


def test_pdfs_added_to_a_finished_build_keep_it_deployable(built, tmp_path):
    from mirsad.tasks.build import pdfs

    made = pdfs(built, {"briefings": True}, publish=True, strict=True, output=built.output)
    assert [path.name for path in made] == ["b1.pdf", "b2.pdf"]
    deploy_task.deploy(built, str(tmp_path / "www"))
    assert (tmp_path / "www" / "ar" / "briefings" / "b1.pdf").read_bytes() == made[0].read_bytes()


def test_a_build_into_another_folder_leaves_the_site_deployable(built, tmp_path):
    """`invoke bundle` builds into a folder of its own: output/'s record stays."""
    from mirsad.tasks.build import build

    build(built, output=tmp_path / "elsewhere")
    result = deploy_task.deploy(built, str(tmp_path / "www"))
    assert result.uploaded == len(files_under(built.output))
