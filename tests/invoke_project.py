"""A copy of the Mirsad project in tmp_path (its content, tasks.py and
settings; the theme and plugins linked), driven the way a user drives it:
the real `invoke` in a subprocess, in the project's folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT

BIN = Path(sys.executable).parent
MODELS = ROOT / "tests" / "fixtures" / "models"
# Root may write anything: for a real "Permission denied", commands run
# without the capabilities that let root past file permissions.
AS_A_USER = (("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner")
             if os.geteuid() == 0 else ())


@dataclass
class Run:
    code: int
    out: str  # stdout + stderr


class InvokeProject:
    def __init__(self, root: Path, briefings: tuple[str, ...] = (), translations: bool = True):
        """Copy the project into `root`: the sample briefings named (all by
        default) and their reviewed translations, glossary and taxonomy."""
        self.root = root
        self.content = root / "content"
        self.output = root / "output"
        self.models = root.parent / "models"
        (self.content / "briefings").mkdir(parents=True)
        for name in ("tasks.py", "pelicanconf.py", "publishconf.py", ".gitignore"):
            shutil.copy(ROOT / name, root / name)
        for name in ("themes", "plugins"):
            (root / name).symlink_to(ROOT / name)
        for name in ("glossary.yml", "taxonomy.yml"):
            shutil.copy(ROOT / "content" / name, self.content / name)
        for source in sorted((ROOT / "content" / "briefings").glob("*.md")):
            if not briefings or source.stem in briefings:
                shutil.copy(source, self.content / "briefings")
                for translation in (ROOT / "content" / "translations").glob(f"{source.stem}.*.md"):
                    if translations:
                        (self.content / "translations").mkdir(exist_ok=True)
                        shutil.copy(translation, self.content / "translations")
        self.env = {**os.environ, "MIRSAD_MODELS_DIR": str(self.models), "PYTHONDONTWRITEBYTECODE": "1"}
        self.env.pop("MIRSAD_STRICT", None)

    def install_models(self, *pairs: str) -> None:
        archives = self.root.parent / "archives"
        archives.mkdir(exist_ok=True)
        for pair in pairs:
            shutil.copy(MODELS / f"translate-{pair}-test-1.0.argosmodel", archives)
        run = self.run("models", "--from", str(archives))
        assert run.code == 0, run.out

    def git_init(self) -> None:
        """Make the project a git repository with everything committed."""
        for command in (["init", "-q"], ["add", "-A"], ["-c", "user.name=t", "-c", "user.email=t@example.org",
                                                        "commit", "-qm", "the project"]):
            subprocess.run(["git", *command], cwd=self.root, check=True, capture_output=True)

    def git_status(self) -> str:
        """Every change, untracked and ignored files included."""
        return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=self.root, check=True,
                              capture_output=True, text=True).stdout

    def command(self, *args: str) -> list[str]:
        return [str(BIN / "invoke"), *args]

    def run(self, *args: str, prefix: tuple[str, ...] = (), timeout: float = 600) -> Run:
        done = subprocess.run([*prefix, *self.command(*args)], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        return Run(done.returncode, done.stdout + done.stderr)

    def start(self, *args: str, log: Path) -> subprocess.Popen:
        """`invoke ARGS` in its own session, its output into `log`."""
        with open(log, "wb") as handle:
            return subprocess.Popen(self.command(*args), cwd=self.root, env=self.env, stdout=handle,
                                    stderr=subprocess.STDOUT, start_new_session=True)
