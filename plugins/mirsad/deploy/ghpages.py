"""Deploy to GitHub Pages (`gh-pages:REMOTE`): ghp-import commits the build
onto the `gh-pages` branch of REMOTE (a URL or a path, anything `git push`
takes) with `.nojekyll` and a `CNAME`, in one commit pushed without force.
Files on the branch that Mirsad did not put there are carried over into the
new commit; a deploy with nothing to change makes no commit. Git's own
credentials (SSH keys, credential helpers) are used."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .files import MANIFEST, LocalFile, manifest_bytes, parse_manifest
from .plan import DeployError, Plan, Target

NOJEKYLL = ".nojekyll"  # GitHub Pages then serves the files as they are (no Jekyll run)
CNAME = "CNAME"


def redacted(remote: str) -> str:
    """The remote without the user part of an http(s) URL (where a token goes), for messages."""
    parts = urlsplit(remote)
    if parts.scheme not in ("http", "https") or "@" not in parts.netloc:
        return remote
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def cname_for(site_url: str, setting: str | None) -> str:
    """The CNAME file's host: the setting, else SITEURL's host unless GitHub's own (github.io) or local."""
    if setting is not None:
        return setting
    host = urlsplit(site_url or "").hostname or ""
    if host in ("", "localhost", "127.0.0.1") or host.endswith(".github.io"):
        return ""
    return host


def blob_id(data: bytes) -> str:
    """The id git gives a file's contents."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class GhPagesTarget(Target):
    def __init__(self, remote: str, branch: str, cname: str):
        if shutil.which("git") is None:
            raise DeployError("git is not installed: install it to deploy to GitHub Pages.")
        self.remote, self.branch, self.cname = remote, branch, cname
        self.where = f"gh-pages:{redacted(remote)} (branch {branch})"
        self.repo = Path(tempfile.mkdtemp(prefix="mirsad-gh-pages-"))
        self.git("init", "--quiet")
        self.git("remote", "add", "origin", remote)
        # ghp-import signs with git's user.name and user.email; where git has none (CI), as Mirsad
        for key, value in (("user.name", "Mirsad"), ("user.email", "mirsad@localhost")):
            if not self.git("config", key, check=False).stdout.strip():
                self.git("config", key, value)
        self.tree: dict[str, str] = {}  # the branch's files: name -> blob id
        self.extras_changed: set[str] = set()

    def close(self) -> None:
        shutil.rmtree(self.repo, ignore_errors=True)

    def git(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(["git", *arguments], cwd=self.repo, capture_output=True)
        if check and done.returncode:
            message = done.stderr.decode("utf-8", "replace").replace(self.remote, redacted(self.remote)).strip()
            raise DeployError(f"git {arguments[0]} for {self.where} failed: {message}")
        return done

    def fetch(self) -> bool:
        """Fetch the branch's last commit; False when the remote has no such branch yet."""
        found = self.git("ls-remote", "--exit-code", "--heads", "origin", self.branch, check=False)
        if found.returncode == 2:
            return False
        if found.returncode:
            message = found.stderr.decode("utf-8", "replace").replace(self.remote, redacted(self.remote)).strip()
            raise DeployError(f"cannot reach {self.where}: {message}")
        self.git("fetch", "--quiet", "--depth=1", "origin",
                 f"+refs/heads/{self.branch}:refs/remotes/origin/{self.branch}")
        listing = self.git("ls-tree", "-r", "-z", f"origin/{self.branch}").stdout.decode("utf-8")
        for line in filter(None, listing.split("\0")):
            meta, name = line.split("\t", 1)
            self.tree[name] = meta.split()[2]
        return True

    def extra_files(self) -> dict[str, bytes]:
        """What Mirsad writes beside the build."""
        extra = {NOJEKYLL: b""}
        if self.cname:
            extra[CNAME] = self.cname.encode()  # as ghp-import writes it: no newline
        return extra

    def plan(self, files: dict[str, LocalFile]) -> Plan:
        before = parse_manifest(self.show(MANIFEST) if self.fetch() else None, f"{self.where}: {MANIFEST}")
        wanted = {**{name: blob_id(file.path.read_bytes()) for name, file in files.items()},
                  **{name: blob_id(data) for name, data in self.extra_files().items()}}
        changed = {name for name, blob in wanted.items() if self.tree.get(name) != blob}
        self.extras_changed = changed & set(self.extra_files())
        return Plan(uploads=[file for name, file in files.items() if name in changed],
                    unchanged=[name for name in files if name not in changed],
                    deletes=sorted(name for name in before if name not in wanted and name in self.tree),
                    before=before)

    def show(self, name: str) -> bytes | None:
        if name not in self.tree:
            return None
        return self.git("cat-file", "blob", self.tree[name]).stdout

    def apply(self, plan: Plan, files: dict[str, LocalFile], say: Callable[[str], None]) -> int:
        if not (plan.uploads or plan.deletes or self.extras_changed):
            return 0
        import ghp_import

        say(f"committing {len(plan.uploads)} changed files and {len(plan.deletes)} deletions to {self.where}")

        with tempfile.TemporaryDirectory(prefix="mirsad-gh-pages-tree-") as staging:
            tree = Path(staging)
            self.stage(tree, files, plan.before)
            head = self.git("rev-parse", "--verify", "--quiet", self.branch, check=False).stdout
            with contextlib.chdir(self.repo):
                try:
                    ghp_import.ghp_import(str(tree), mesg=f"Deploy the site ({len(plan.uploads)} files uploaded, "
                                          f"{len(plan.deletes)} deleted) with Mirsad", branch=self.branch,
                                          nojekyll=True, cname=self.cname or None, push=False)
                except ghp_import.GhpError as error:
                    raise DeployError(f"ghp-import for {self.where} failed: {error}") from None
            if self.git("rev-parse", "--verify", "--quiet", self.branch, check=False).stdout == head:
                raise DeployError(f"ghp-import made no commit for {self.where}: git's message is above.")
        self.git("push", "--quiet", "origin", f"refs/heads/{self.branch}:refs/heads/{self.branch}")
        return len(plan.deletes)

    def stage(self, tree: Path, files: dict[str, LocalFile], before: dict[str, dict[str, Any]]) -> None:
        """The branch's next contents: the build, the files Mirsad did not put
        there (kept as they are) and the manifest. ghp-import adds .nojekyll and CNAME."""
        for name, file in files.items():
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(file.path, target)
            except OSError:  # another file system
                shutil.copyfile(file.path, target)
        ours = set(before) | set(files) | set(self.extra_files()) | {MANIFEST}
        for name in self.tree:
            if name not in ours:
                (tree / name).parent.mkdir(parents=True, exist_ok=True)
                (tree / name).write_bytes(self.show(name) or b"")
        entries = {name: file.entry() for name, file in files.items()}
        entries.update({name: {"md5": hashlib.md5(data).hexdigest(), "size": len(data)}
                        for name, data in self.extra_files().items()})
        (tree / MANIFEST).write_bytes(manifest_bytes(entries))
