"""`invoke deploy --to gh-pages:REMOTE`: ghp-import commits the build onto
the gh-pages branch of a local bare repository (`git init --bare`), which
the test clones to read what GitHub Pages would serve: the build, a
.nojekyll, a CNAME with the publication host (publishconf.py's SITEURL),
and the files another tool committed there, kept."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from deploy_support import deploy, files_under, publish_build, published_project

from mirsad.deploy.api import MANIFEST, DeployError, TooManyDeletes
from mirsad.deploy.ghpages import cname_for, redacted

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@localhost"]


def git(*arguments: str, cwd: Path) -> str:
    return subprocess.run(["git", *IDENTITY, *arguments], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def branch_files(remote: Path, tmp_path: Path) -> dict[str, bytes]:
    clone = tmp_path / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", "--branch", "gh-pages", str(remote), str(clone)], check=True)
    shutil.rmtree(clone / ".git")
    return files_under(clone)


def commits(remote: Path) -> int:
    return int(git("rev-list", "--count", "gh-pages", cwd=remote))


@pytest.fixture
def remote(tmp_path) -> Path:
    bare = tmp_path / "site.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    return bare


@pytest.fixture
def built(tmp_path, monkeypatch):
    return published_project(tmp_path / "project", monkeypatch)


def test_the_branch_gets_the_build_nojekyll_and_the_cname(built, remote, tmp_path):
    dry, _ = deploy(built, f"gh-pages:{remote}", dry_run=True)
    assert git("branch", "--list", cwd=remote) == ""  # a dry run pushes nothing
    result, _ = deploy(built, f"gh-pages:{remote}")
    branch = branch_files(remote, tmp_path)
    assert branch.pop(".nojekyll") == b""
    assert branch.pop("CNAME") == b"briefings.mirsad.news"
    manifest = json.loads(branch.pop(MANIFEST))["files"]
    assert branch == files_under(built.output)
    assert sorted(manifest) == sorted([*branch, ".nojekyll", "CNAME"])
    assert result.uploaded == dry.uploaded == len(branch) and result.bytes == sum(map(len, branch.values()))

    again, _ = deploy(built, f"gh-pages:{remote}")
    assert (again.uploaded, again.deleted, again.unchanged) == (0, 0, len(branch))
    assert commits(remote) == 1  # nothing changed: no commit


def test_files_another_tool_committed_are_kept_and_only_mirsads_are_deleted(built, remote, tmp_path):
    deploy(built, f"gh-pages:{remote}")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "--quiet", "--branch", "gh-pages", str(remote), str(work)], check=True)
    (work / "google1234.html").write_text("verification")
    git("add", "google1234.html", cwd=work)
    git("commit", "--quiet", "-m", "search console", cwd=work)
    git("push", "--quiet", "origin", "gh-pages", cwd=work)

    (built.root / "content" / "briefings" / "b2.md").unlink()
    publish_build(built)
    with pytest.raises(TooManyDeletes, match="  ar/briefings/b2.html"):
        deploy(built, f"gh-pages:{remote}", max_deletes=0)
    assert commits(remote) == 2
    result, _ = deploy(built, f"gh-pages:{remote}")
    assert result.deleted == 1
    branch = branch_files(remote, tmp_path)
    assert branch["google1234.html"] == b"verification"
    assert "ar/briefings/b2.html" not in branch and "ar/briefings/b1.html" in branch
    assert commits(remote) == 3  # on top of the other tool's commit: no force push


def test_cname_follows_the_publication_host():
    assert cname_for("https://briefings.example.org/", None) == "briefings.example.org"
    assert cname_for("https://newsroom.github.io/briefings", None) == ""  # GitHub's own host needs none
    assert cname_for("http://localhost:8000", None) == ""
    assert cname_for("https://a.example.org", "b.example.org") == "b.example.org"
    assert cname_for("https://a.example.org", "") == ""


def test_a_token_in_the_remote_is_never_printed(built, tmp_path):
    secret = "https://x-access-token:s3cr3t@127.0.0.1:9/site.git"
    assert "s3cr3t" not in redacted(secret) and redacted(secret) == "https://***@127.0.0.1:9/site.git"
    with pytest.raises(DeployError) as refused:
        deploy(built, f"gh-pages:{secret}")
    assert "s3cr3t" not in str(refused.value) and "***@127.0.0.1:9" in str(refused.value)
