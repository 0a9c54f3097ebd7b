"""Mirsad tasks (invoke). `make build` / `make test` call these after setting
up .venv; run them directly with `.venv/bin/invoke <task>`."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from invoke import task

ROOT = Path(__file__).resolve().parent
OUTPUT = ROOT / "output"
CONTENT = ROOT / "content"
THEME = ROOT / "themes" / "mirsad"
CATALOGS = THEME / "translations"
BIN = Path(sys.executable).parent


def _settings(publish: bool) -> Path:
    return ROOT / ("publishconf.py" if publish else "pelicanconf.py")


def _pelican(c, settings: Path, output: Path, strict: bool) -> None:
    fatal = " --fatal errors" if strict else ""
    env = {"MIRSAD_STRICT": "1"} if strict else {}
    c.run(f"{BIN}/pelican {CONTENT} -s {settings} -o {output}{fatal}", pty=False, env=env)


def _replace_dir(new: Path, target: Path) -> None:
    """Swap a finished build in, so `output/` is never half-written."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


@task(help={
    "publish": "use publishconf.py (absolute URLs for the real host)",
    "strict": "fail (non-zero exit, output untouched) on any error",
    "output": "output folder (default: output/)",
})
def build(c, publish=False, strict=False, output=str(OUTPUT)):
    """Build the site into output/ (atomically: a failed build changes nothing)."""
    target = Path(output).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _pelican(c, _settings(publish), staging, strict)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _replace_dir(staging, target)
    print(f"Site built in {target}")


@task(help={"port": "HTTP port (default 8000)", "host": "interface (default 127.0.0.1)"})
def serve(c, port=8000, host="127.0.0.1"):
    """Build, serve output/ on localhost and rebuild + reload on every change."""
    from livereload import Server

    build(c)
    server = Server()
    for folder in ("content", "themes", "plugins"):
        server.watch(str(ROOT / folder), lambda: build(c))
    server.watch(str(ROOT / "pelicanconf.py"), lambda: build(c))
    server.serve(root=str(OUTPUT), host=host, port=int(port), open_url_delay=None)


@task
def clean(c):
    """Remove generated files (output/ and leftovers of interrupted builds)."""
    for path in [OUTPUT, *ROOT.glob(".output-*"), ROOT / "output.old", ROOT / ".pytest_cache"]:
        shutil.rmtree(path, ignore_errors=True)


@task(help={"k": "only tests matching this expression", "x": "stop at the first failure"})
def test(c, k="", x=False):
    """Run the whole test suite."""
    args = [f"-k '{k}'" if k else "", "-x" if x else ""]
    c.run(f"{BIN}/python -m pytest {' '.join(a for a in args if a)}", pty=False)


@task
def i18n(c):
    """Extract UI strings from the templates and update the ar/en/fr catalogs."""
    pot = ROOT / ".build" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    c.run(f"{BIN}/pybabel extract -F {ROOT / 'babel.cfg'} -o {pot} --no-location "
          f"--omit-header {THEME / 'templates'}")
    for lang in ("ar", "en", "fr"):
        command = "update" if (CATALOGS / lang).exists() else "init"
        c.run(f"{BIN}/pybabel {command} -i {pot} -d {CATALOGS} -l {lang}"
              + (" --no-fuzzy-matching" if command == "update" else ""))


@task
def lock(c):
    """Regenerate requirements.lock from pyproject.toml in a clean venv."""
    with tempfile.TemporaryDirectory() as tmp:
        c.run(f"{sys.executable} -m venv {tmp}/venv")
        c.run(f"{tmp}/venv/bin/pip install --quiet '{ROOT}[test]'")
        frozen = c.run(f"{tmp}/venv/bin/pip freeze --exclude mirsad", hide=True).stdout
    header = "# Full pinned dependency set (runtime + test). Regenerate: `invoke lock`.\n"
    (ROOT / "requirements.lock").write_text(header + frozen)


@task(help={"files": "translation files (default: all of content/translations)"}, iterable=["files"])
def stamp(c, files=None):
    """Mark reviewed translations as reviewed against the current originals."""
    sys.path.insert(0, str(ROOT / "plugins"))
    from pelican.settings import read_settings

    from mirsad_i18n.reviewed import stamp as stamp_file

    settings = read_settings(str(_settings(False)))
    for path in files or sorted((CONTENT / "translations").glob("*.md")):
        print(f"{path}: source_hash {stamp_file(str(path), settings)}")


@task(help={
    "from_": "install from a folder of .argosmodel files (air-gapped machines)",
    "list_": "show the installed pairs and versions",
})
def models(c, from_="", list_=False):
    """Install the Argos model packages the configured language pairs need."""
    sys.path.insert(0, str(ROOT / "plugins"))
    from pelican.settings import read_settings

    from mirsad_mt.install import install_for_site, list_installed

    settings = read_settings(str(_settings(False)))
    if list_:
        list_installed(settings)
    else:
        install_for_site(settings, Path(from_) if from_ else None)
