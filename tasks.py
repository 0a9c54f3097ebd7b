"""Mirsad tasks (invoke). `make build` / `make test` call these after setting
up .venv; run them directly with `.venv/bin/invoke <task>`."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
OUTPUT = ROOT / "output"
CONTENT = ROOT / "content"
THEME = ROOT / "themes" / "mirsad"
CATALOGS = THEME / "translations"
BIN = Path(sys.executable).parent
BUILD_LOCK = ROOT / ".build.lock"


def _settings(publish: bool) -> Path:
    return ROOT / ("publishconf.py" if publish else "pelicanconf.py")


def _read_settings(publish: bool = False) -> dict:
    """The project's Pelican settings; reading them also makes the plugins
    importable (pelicanconf.py puts plugins/ on sys.path)."""
    from pelican.settings import read_settings

    return read_settings(str(_settings(publish)))


@contextlib.contextmanager
def project_lock() -> Iterator[None]:
    """One build at a time per project: builds share output/, the translation
    memory and the PDF cache. The lock goes with the process holding it."""
    with open(BUILD_LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            raise Exit(f"Another build of this project is running (pid {owner}); wait for it "
                       "to finish (nothing to clean up: the lock ends with that process).", code=1) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def _pelican(c, settings: Path, output: Path, strict: bool, extra: str = "") -> None:
    fatal = " --fatal errors" if strict else ""
    env = {"MIRSAD_STRICT": "1"} if strict else {}
    with project_lock():
        c.run(f"{BIN}/pelican {CONTENT} -s {settings} -o {output}{extra}{fatal}", pty=False, env=env)


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
    for path in [OUTPUT, *ROOT.glob(".output-*"), ROOT / "output.old", ROOT / ".pytest_cache", ROOT / "dist"]:
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
    """Regenerate requirements.lock (runtime + test) and requirements-bench.lock
    (+ argostranslate, torch, onnx for bench/ and tools/) in clean venvs."""
    for extras, lock_file in (("test", "requirements.lock"), ("test,bench", "requirements-bench.lock")):
        with tempfile.TemporaryDirectory() as tmp:
            c.run(f"{sys.executable} -m venv {tmp}/venv")
            c.run(f"{tmp}/venv/bin/pip install --quiet '{ROOT}[{extras}]'")
            frozen = c.run(f"{tmp}/venv/bin/pip freeze --exclude mirsad", hide=True).stdout
        header = f"# Pinned dependency set ({extras}). Regenerate: `invoke lock`.\n"
        (ROOT / lock_file).write_text(header + frozen)


@task(help={"files": "translation files (default: all of content/translations)"}, iterable=["files"])
def stamp(c, files=None):
    """Mark reviewed translations as reviewed against the current originals."""
    settings = _read_settings()
    from mirsad_i18n.reviewed import stamp as stamp_file

    for path in files or sorted((CONTENT / "translations").glob("*.md")):
        print(f"{path}: source_hash {stamp_file(str(path), settings)}")


@task(help={
    "from_": "install from a folder of .argosmodel files (air-gapped machines)",
    "list_": "show the installed pairs and versions",
})
def models(c, from_="", list_=False):
    """Install the Argos model packages the configured language pairs need."""
    settings = _read_settings()
    from mirsad_mt.install import install_for_site, list_installed

    if list_:
        list_installed(settings)
    else:
        install_for_site(settings, Path(from_) if from_ else None)


def _pdf_run(c, overrides: dict, publish: bool, strict: bool, output: str) -> None:
    """Run a build with MIRSAD_PDF overridden into a staging folder and move only
    its PDFs into `output` (pages stay as they are). The PDF cache (cache/pdf)
    is shared with `invoke build`, so unchanged PDFs are not rendered again."""
    import json
    import shlex

    settings = _read_settings(publish)
    options = {**(settings.get("MIRSAD_PDF") or {}), **overrides}
    target = Path(output).resolve()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-pdf-", dir=target.parent))
    try:
        extra = shlex.quote(f"MIRSAD_PDF={json.dumps(options, default=str)}")
        _pelican(c, _settings(publish), staging, strict, f" -e {extra}")
        for pdf_file in sorted(staging.rglob("*.pdf")):
            destination = target / pdf_file.relative_to(staging)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(pdf_file, destination)
            print(destination.relative_to(target.parent))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


PDF_HELP = {
    "publish": "use publishconf.py (absolute URLs for the real host)",
    "strict": "fail (non-zero exit) if any PDF fails",
    "output": "output folder (default: output/)",
}


@task(help=PDF_HELP)
def pdf(c, publish=False, strict=False, output=str(OUTPUT)):
    """Render the PDF of every briefing in every language (and the digests, if
    MIRSAD_PDF['digest'] is on) into output/, leaving the pages as they are."""
    _pdf_run(c, {"briefings": True}, publish, strict, output)


@task(help={
    "latest": "at most this many briefings (default: MIRSAD_PDF['digest_latest'])",
    "since": "only briefings dated on or after YYYY-MM-DD",
    "until": "only briefings dated on or before YYYY-MM-DD",
    **PDF_HELP,
})
def digest(c, latest=0, since="", until="", publish=False, strict=False, output=str(OUTPUT)):
    """Make each language's digest PDF: {lang}/digest.pdf (the latest briefings),
    or {lang}/digest-<since>--<until>.pdf for a date range."""
    overrides = {"briefings": False, "digest": True}
    if latest:
        overrides["digest_latest"] = int(latest)
    if since or until:
        overrides.update(digest_since=since or None, digest_until=until or None,
                         digest_save_as="{lang}/digest-{since}--{until}.pdf")
        if not latest:
            overrides["digest_latest"] = None
    _pdf_run(c, overrides, publish, strict, output)


@task(help={
    "verify": "check a received bundle (its .zip, or the folder it was unpacked into) instead",
    "output": "folder for the zip (default: dist/)",
    "strict": "fail (non-zero exit, no zip) on any build error",
})
def bundle(c, verify="", output=str(ROOT / "dist"), strict=False):
    """Build the site into one zip that works offline from file:// (pages in
    every language, PDFs, search), with a SHA-256 manifest inside; or, with
    --verify FILE, report the files of a bundle that are missing, extra or altered."""
    settings = _read_settings()  # relative URLs, as `build` uses
    from mirsad_bundle.archive import BundleError, verify as verify_bundle

    if verify:
        try:
            result = verify_bundle(Path(verify))
        except BundleError as error:
            raise Exit(str(error), code=2) from None
        print("\n".join(result.lines()))
        if not result.ok:
            raise Exit(code=1)
        return
    from mirsad_bundle.bundle import make_bundle

    target = Path(output).resolve()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".bundle-build-", dir=target) as tmp:
        site = Path(tmp) / "site"
        build(c, strict=strict, output=str(site))
        made = make_bundle(site, target, settings)
    print(f"{made.path}: {made.files} files, {made.size / 1e6:.1f} MB, updated {made.updated}")
    print(f"SHA-256 {made.sha256} (also in {made.path.name}.sha256: publish it with the bundle)")
    for suffix, count in sorted(made.absolute.items()):
        print(f"note: {count} {suffix} file(s) link to {settings['SITEURL']} (SITEURL); set "
              "MIRSAD_SITEURL to the published address so that these links lead to the site once online")


@task(help={"quick": "fewer sentences/briefings and one repeat (a smoke run, not for figures)"})
def bench(c, quick=False):
    """Run every benchmark in bench/ (needs requirements-bench.lock: `make bench`)."""
    runs = {
        "bench_translate.py": "--sentences 60 --repeats 1" if quick else "",
        "bench_pdf.py": "",
        "bench_bundle.py": "",
    }
    for script, args in runs.items():
        print(f"\n== {script} ==")
        c.run(f"{BIN}/python {ROOT / 'bench' / script} {args}", pty=False)
