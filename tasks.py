"""Mirsad tasks (invoke). `make build` / `make test` call these after setting
up .venv; run them directly with `.venv/bin/invoke <task>`."""

from __future__ import annotations

import contextlib
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
    """The project's Pelican settings."""
    from pelican.settings import read_settings

    return read_settings(str(_settings(publish)))


@contextlib.contextmanager
def _failing_as_exit() -> Iterator[None]:
    """A build that failed ends the task with its message and exit code."""
    from mirsad.build.run import BuildFailed

    try:
        yield
    except BuildFailed as failure:
        raise Exit(str(failure), code=failure.code) from None


def _overrides(cache: Path | None, strict: bool) -> dict:
    """Settings for a build with its own cache folder: the PDF cache follows
    CACHE_PATH; the translation memory is a MIRSAD_MT key."""
    if cache is None:
        return {}
    options = {**(_read_settings().get("MIRSAD_MT") or {}),
               "memory": str(cache / "translation-memory.sqlite"), "strict": strict}
    return {"CACHE_PATH": str(cache), "MIRSAD_MT": options}


@task(help={
    "publish": "use publishconf.py (absolute URLs for the real host); fails on any error, like --strict",
    "strict": "fail (non-zero exit, output untouched) on any error",
    "output": "output folder (default: output/)",
    "content": "content folder (default: content/)",
    "cache": "cache folder: translation memory, PDF cache (default: cache/); the build lock is beside it",
    "jobs": "cores to use: PDF rendering processes and translation threads (default: every core)",
})
def build(c, publish=False, strict=False, output=str(OUTPUT), content=str(CONTENT), cache="", jobs=0):
    """Build the site into output/ (atomically: a failed build changes nothing).

    A bad briefing is reported (file and line) and left out, the others
    build; the summary at the end lists every error and warning. Exit code:
    0 unless the build is --strict/--publish and had an error, or the output
    could not be written (no space, read-only)."""
    from mirsad.build.run import build_atomically, project_lock, run_pelican

    target = Path(output).resolve()
    cache_dir = Path(cache).resolve() if cache else None
    strict = strict or publish
    lock_file = BUILD_LOCK if cache_dir is None else cache_dir.parent / ".build.lock"
    with _failing_as_exit(), project_lock(lock_file) as lock:
        build_atomically(target, lambda staging: run_pelican(
            BIN / "pelican", Path(content).resolve(), _settings(publish), staging, lock, strict=strict,
            overrides=_overrides(cache_dir, strict), jobs=int(jobs), target=target))
    print(f"Site built in {target}")


@task(help={"port": "HTTP port (default 8000)", "host": "interface (default 127.0.0.1)"})
def serve(c, port=8000, host="127.0.0.1"):
    """Build, serve output/ on localhost and rebuild + reload on every change."""
    from livereload import Server

    build(c)
    server = Server()
    for folder in ("content", "themes", "src"):
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
    # How the plugins depend on each other (pyproject.toml, [tool.importlinter]): no cycles.
    c.run(f"{BIN}/lint-imports --no-cache", pty=False)
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


@task(name="lock-check", help={"pythons": "Python versions, comma-separated (default 3.11,3.12,3.13)"})
def lock_check(c, pythons="3.11,3.12,3.13"):
    """Check that every pin of the lock files has a wheel for each Python
    version (pip's dry run for that version, against the registry). torch's
    CPU build (+cpu) comes from the PyTorch CPU index or this machine's
    disk, not from PyPI: it is left out of the check, and named."""
    for lock_file in ("requirements.lock", "requirements-bench.lock"):
        pins = (ROOT / lock_file).read_text(encoding="utf-8").splitlines()
        local = [pin for pin in pins if "+" in pin.split("==")[-1]]
        with tempfile.TemporaryDirectory() as tmp:
            checked = Path(tmp) / "pins.txt"
            checked.write_text("\n".join(pin for pin in pins if pin not in local) + "\n", encoding="utf-8")
            for version in pythons.split(","):
                c.run(f"{BIN}/python -m pip install --quiet --disable-pip-version-check --dry-run "
                      f"--ignore-installed --no-deps --only-binary=:all: --python-version {version} "
                      f"--target {tmp}/target -r {checked}")
                print(f"{lock_file}: every pin has a wheel for Python {version}"
                      + (f" (not checked: {', '.join(local)}, from the PyTorch CPU index)" if local else ""))


@task(help={"files": "translation files (default: all of content/translations)"}, iterable=["files"])
def stamp(c, files=None):
    """Mark reviewed translations as reviewed against the current originals."""
    settings = _read_settings()
    from mirsad.i18n.reviewed import stamp as stamp_file

    from mirsad.review.sources import keep_source

    for path in files or sorted((CONTENT / "translations").glob("*.md")):
        digest, original = stamp_file(str(path), settings)
        keep_source(original, Path(path).name.rsplit(".", 2)[0], digest, Path(path).parent)
        print(f"{path}: source_hash {digest}")


def _review_project(publish: bool = False):
    from mirsad.review.commands import Project

    return Project(BIN / "pelican", CONTENT, _settings(publish), _read_settings(publish), BUILD_LOCK)


@contextlib.contextmanager
def _review_errors(command: str) -> Iterator[None]:
    """A review command that cannot go on ends with its message (nothing written)."""
    from mirsad.review.commands import ReviewError
    from mirsad.review.markdown_file import TranslationFileExists

    with _failing_as_exit():
        try:
            yield
        except (ReviewError, TranslationFileExists) as error:
            raise Exit(f"invoke {command}: {error}", code=1) from None


@task(help={"slug": "the briefing", "lang": "the target language (default: every one)",
            "all_": "every briefing that has no reviewed translation (or draft) yet"})
def review(c, slug="", lang="", all_=False):
    """Write content/translations/<slug>.<lang>.md, a draft pre-filled from the
    current machine translation, for an editor to correct and sign. An
    existing file is never overwritten."""
    from mirsad.review.commands import machine_drafts, select, write_draft

    if bool(slug) == all_:
        raise Exit("invoke review: give --slug S (and --lang L), or --all", code=2)
    project = _review_project()
    with _review_errors("review"):
        drafts = select(machine_drafts(project), slug, lang)
        for draft in drafts:
            path = project.translations / f"{draft.slug}.{draft.lang}.md"
            if all_ and (path.exists() or draft.reviewed):
                continue
            print(f"{write_draft(draft, project.translations)}: draft from {draft.engine}; "
                  "correct it, then sign it (translator, reviewed)")


@task(name="xliff-export", help={"slug": "the briefing", "lang": "the target language",
                                   "output": "the XLIFF file to write (it must not exist)"})
def xliff_export(c, slug="", lang="", output=""):
    """Write a briefing's segments and their machine translation as an XLIFF
    2.1 file for a CAT tool (docs/review.md#xliff)."""
    from mirsad.review.commands import machine_drafts, select_one
    from mirsad.review.xliff import write_xliff

    if not (slug and lang and output):
        raise Exit("invoke xliff-export: give --slug S --lang L --output FILE", code=2)
    project = _review_project()
    with _review_errors("xliff-export"):
        draft = select_one(machine_drafts(project), slug, lang)
        path = write_xliff(draft, Path(output).resolve(), project.content)
    print(f"{path}: {len(draft.units)} units, {slug} {draft.source_lang}→{lang}, from {draft.engine}")


@task(name="xliff-import", help={"translator": "sign the reviewed translation with this name (and today's date)",
                                   "replace": "replace an existing reviewed translation (kept in .replaced/)"})
def xliff_import(c, file, translator="", replace=False):
    """Check a translated XLIFF file against its briefing and write
    content/translations/<slug>.<lang>.md from it (docs/review.md#xliff)."""
    from mirsad.review.xliff import import_xliff

    project = _review_project()
    with _review_errors("xliff-import"):
        result = import_xliff(Path(file).resolve(), project, translator=translator, replace=replace)
    print(f"{result.path}: " + (f"signed by {translator}" if result.signed else "a draft (status: draft)"))
    if result.replaced:
        print(f"previous file kept as {result.replaced}")
    if result.untranslated:
        print(f"untranslated (machine translation kept): {', '.join(result.untranslated)}"
              + ("; not signed until they are translated" if translator else ""))
    if result.unconfirmed:
        print(f"still in state 'initial' (the machine translation, not confirmed): {', '.join(result.unconfirmed)}")


@task(name="mt-report", help={"output": "folder for mt-report.json and mt-report.html"})
def mt_report(c, output=""):
    """Score each model's machine translation against the site's reviewed
    translations (chrF++, TER, post-edit distance; sacrebleu): writes
    OUTPUT/mt-report.json and OUTPUT/mt-report.html."""
    from mirsad.review.commands import machine_drafts
    from mirsad.review.quality import report
    from mirsad.review.quality_page import write_report

    if not output:
        raise Exit("invoke mt-report: give --output DIR (the folder for mt-report.json and mt-report.html)", code=2)
    project = _review_project()
    with _review_errors("mt-report"):
        result = report(machine_drafts(project), ROOT)
        json_path, html_path = write_report(result, Path(output).resolve())
    for model in result["models"]:
        overall = model["overall"]
        print(f"{model['pair']} {model['engine']}: {model['briefings']} briefings, {model['segments']} segments, "
              f"chrF++ {overall['chrf_pp']:.2f}, TER {overall['ter']:.2f}, "
              f"character edit ratio {overall['char_edit_ratio']:.3f}")
    for entry in result["skipped"]:
        print(f"skipped {entry['path']}: {entry['reason']}")
    print(f"{json_path}\n{html_path}")


@task(name="review-site", help={"output": "the folder for the review pages (default output.review/)"})
def review_site(c, output=str(ROOT / "output.review")):
    """Build the side-by-side review pages (not published) into OUTPUT (docs/review.md#review-pages)."""
    from mirsad.review.review_site import build_review_site

    with _review_errors("review-site"):
        pages = build_review_site(_review_project(), Path(output).resolve())
    print(f"{Path(output).resolve() / 'index.html'}: {len(pages)} review pages")


@task(help={
    "from_": "install from a folder of .argosmodel files and model folders with a mirsad-model.json (offline)",
    "list_": "show the installed models, their pairs and versions, and which one each pair uses",
})
def models(c, from_="", list_=False):
    """Install the translation models (Argos, OPUS-MT, NLLB, M2M100) the configured language pairs need."""
    settings = _read_settings()
    from mirsad.mt.install import install_for_site, list_installed
    from mirsad.mt.packages import PackageError

    try:
        if list_:
            list_installed(settings)
        else:
            install_for_site(settings, Path(from_) if from_ else None)
    except PackageError as error:  # names the file and the fix; nothing was installed
        raise Exit(f"invoke models: {error}", code=1) from None


def _pdf_run(c, overrides: dict, publish: bool, strict: bool, output: str) -> None:
    """Run a build with MIRSAD_PDF overridden into a staging folder and move only
    its PDFs into `output` (pages stay as they are). The PDF cache (cache/pdf)
    is shared with `invoke build`, so unchanged PDFs are not rendered again."""
    import json

    from mirsad.build.run import project_lock, run_pelican, staging_folder

    settings = _read_settings(publish)
    options = {**(settings.get("MIRSAD_PDF") or {}), **overrides}
    target = Path(output).resolve()
    target.mkdir(parents=True, exist_ok=True)
    with _failing_as_exit(), project_lock(BUILD_LOCK) as lock:
        staging = staging_folder(target, "pdf-")
        try:
            extra = ["-e", f"MIRSAD_PDF={json.dumps(options, default=str)}"]
            run_pelican(BIN / "pelican", CONTENT, _settings(publish), staging, lock, strict=strict, extra=extra)
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
    from mirsad.bundle.archive import BundleError, verify as verify_bundle

    if verify:
        try:
            result = verify_bundle(Path(verify))
        except BundleError as error:
            raise Exit(str(error), code=2) from None
        print("\n".join(result.lines()))
        if not result.ok:
            raise Exit(code=1)
        return
    from mirsad.bundle.bundle import make_bundle

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
        "bench_build.py": "--sizes 100 --model tiny" if quick else "",
        "bench_scale_out.py": "--sentences 200 --repeats 1" if quick else "",
    }
    for script, args in runs.items():
        print(f"\n== {script} ==")
        c.run(f"{BIN}/python {ROOT / 'bench' / script} {args}", pty=False)
