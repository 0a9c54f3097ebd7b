"""Mirsad tasks (invoke). `make build` / `make test` call these after setting
up .venv; run them directly with `.venv/bin/invoke <task>`.

This file only parses arguments: each task's work is in mirsad.tasks
(plugins/mirsad/tasks/), where it can be imported and tested."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from invoke import Exit, task

from mirsad.tasks import build as building, dev, models as model_tasks, review as reviewing
from mirsad.tasks.site import Site, TaskError

SITE = Site(Path(__file__).resolve().parent)


@contextlib.contextmanager
def _exits() -> Iterator[None]:
    """A task that cannot go on ends with its message and exit code, not a traceback."""
    try:
        yield
    except TaskError as error:
        raise Exit(str(error) or None, code=error.code) from None
    except subprocess.CalledProcessError as error:  # the command has said why
        raise Exit(code=error.returncode) from None


@task(help={
    "publish": "use publishconf.py (absolute URLs for the real host); fails on any error, like --strict",
    "strict": "fail (non-zero exit, output untouched) on any error",
    "output": "output folder (default: output/)",
    "content": "content folder (default: content/)",
    "cache": "cache folder: translation memory, PDF cache (default: cache/); the build lock is beside it",
    "jobs": "cores to use: PDF rendering processes and translation threads (default: every core)",
})
def build(c, publish=False, strict=False, output=str(SITE.output), content=str(SITE.content), cache="", jobs=0):
    """Build the site into output/ (atomically: a failed build changes nothing).

    A bad briefing is reported (file and line) and left out, the others
    build; the summary at the end lists every error and warning. Exit code:
    0 unless the build is --strict/--publish and had an error, or the output
    could not be written (no space, read-only)."""
    with _exits():
        building.build(SITE, publish=publish, strict=strict, output=Path(output), content=Path(content),
                       cache=Path(cache) if cache else None, jobs=int(jobs))


@task(help={"port": "HTTP port (default 8000)", "host": "interface (default 127.0.0.1)"})
def serve(c, port=8000, host="127.0.0.1"):
    """Build, serve output/ on localhost and rebuild + reload on every change."""
    with _exits():
        building.serve(SITE, int(port), host)


@task
def clean(c):
    """Remove generated files (output/ and leftovers of interrupted builds)."""
    building.clean(SITE)


@task(help={"k": "only tests matching this expression", "x": "stop at the first failure"})
def test(c, k="", x=False):
    """Run the whole test suite (after the import contracts between the plugins)."""
    with _exits():
        dev.test(SITE, k, x)


@task
def i18n(c):
    """Extract UI strings from the templates and update the ar/en/fr catalogs."""
    with _exits():
        dev.i18n(SITE)


@task
def lock(c):
    """Regenerate requirements.lock (runtime + test) and requirements-bench.lock
    (+ argostranslate, torch, onnx for bench/ and tools/) in clean venvs."""
    with _exits():
        dev.lock(SITE)


@task(name="lock-check", help={"pythons": "Python versions, comma-separated (default 3.11,3.12,3.13)"})
def lock_check(c, pythons="3.11,3.12,3.13"):
    """Check that every pin of the lock files has a wheel for each Python version."""
    with _exits():
        dev.lock_check(SITE, pythons.split(","))


@task(help={"files": "translation files (default: all of content/translations)"}, iterable=["files"])
def stamp(c, files=None):
    """Mark reviewed translations as reviewed against the current originals."""
    reviewing.stamp(SITE, [Path(f) for f in files or []])


@task(help={"slug": "the briefing", "lang": "the target language (default: every one)",
            "all_": "every briefing that has no reviewed translation (or draft) yet"})
def review(c, slug="", lang="", all_=False):
    """Write content/translations/<slug>.<lang>.md, a draft pre-filled from the
    current machine translation, for an editor to correct and sign. An
    existing file is never overwritten."""
    with _exits():
        reviewing.review(SITE, slug, lang, all_)


@task(name="xliff-export", help={"slug": "the briefing", "lang": "the target language",
                                   "output": "the XLIFF file to write (it must not exist)"})
def xliff_export(c, slug="", lang="", output=""):
    """Write a briefing's segments and their machine translation as an XLIFF
    2.1 file for a CAT tool (docs/review.md#xliff)."""
    with _exits():
        reviewing.xliff_export(SITE, slug, lang, output)


@task(name="xliff-import", help={"translator": "sign the reviewed translation with this name (and today's date)",
                                   "replace": "replace an existing reviewed translation (kept in .replaced/)"})
def xliff_import(c, file, translator="", replace=False):
    """Check a translated XLIFF file against its briefing and write
    content/translations/<slug>.<lang>.md from it (docs/review.md#xliff)."""
    with _exits():
        reviewing.xliff_import(SITE, file, translator, replace)


@task(name="mt-report", help={"output": "folder for mt-report.json and mt-report.html"})
def mt_report(c, output=""):
    """Score each model's machine translation against the site's reviewed
    translations (chrF++, TER, post-edit distance; sacrebleu): writes
    OUTPUT/mt-report.json and OUTPUT/mt-report.html."""
    with _exits():
        reviewing.mt_report(SITE, output)


@task(name="review-site", help={"output": "the folder for the review pages (default output.review/)"})
def review_site(c, output=str(SITE.root / "output.review")):
    """Build the side-by-side review pages (not published) into OUTPUT (docs/review.md#review-pages)."""
    with _exits():
        reviewing.review_site(SITE, Path(output))


@task(help={
    "from_": "install from a folder of .argosmodel files and model folders with a mirsad-model.json (offline)",
    "list_": "show the installed models, their pairs and versions, and which one each pair uses",
    "if_missing": "the set-up step of `make build`: install from the index only the pairs that have no model "
                  "yet; an unreachable index is one line, not a failure (MIRSAD_FETCH_MODELS=0: no fetch)",
})
def models(c, from_="", list_=False, if_missing=False):
    """Install the translation models (Argos, OPUS-MT, NLLB, M2M100) the configured language pairs need."""
    with _exits():
        model_tasks.models(SITE, Path(from_) if from_ else None, list_, if_missing)


PDF_HELP = {
    "publish": "use publishconf.py (absolute URLs for the real host)",
    "strict": "fail (non-zero exit) if any PDF fails",
    "output": "output folder (default: output/)",
}


@task(help=PDF_HELP)
def pdf(c, publish=False, strict=False, output=str(SITE.output)):
    """Render the PDF of every briefing in every language (and the digests, if
    MIRSAD_PDF['digest'] is on) into output/, leaving the pages as they are."""
    with _exits():
        building.pdfs(SITE, {"briefings": True}, publish=publish, strict=strict, output=Path(output))


@task(help={
    "latest": "at most this many briefings (default: MIRSAD_PDF['digest_latest'])",
    "since": "only briefings dated on or after YYYY-MM-DD",
    "until": "only briefings dated on or before YYYY-MM-DD",
    **PDF_HELP,
})
def digest(c, latest=0, since="", until="", publish=False, strict=False, output=str(SITE.output)):
    """Make each language's digest PDF: {lang}/digest.pdf (the latest briefings),
    or {lang}/digest-<since>--<until>.pdf for a date range."""
    with _exits():
        building.pdfs(SITE, building.digest_overrides(int(latest), since, until), publish=publish, strict=strict,
                      output=Path(output))


@task(help={
    "verify": "check a received bundle (its .zip, or the folder it was unpacked into) instead",
    "output": "folder for the zip (default: dist/)",
    "strict": "fail (non-zero exit, no zip) on any build error",
})
def bundle(c, verify="", output=str(SITE.root / "dist"), strict=False):
    """Build the site into one zip that works offline from file:// (pages in
    every language, PDFs, search), with a SHA-256 manifest inside; or, with
    --verify FILE, report the files of a bundle that are missing, extra or altered."""
    with _exits():
        if verify:
            building.verify_bundle(Path(verify))
        else:
            building.bundle(SITE, Path(output), strict)


@task(help={"quick": "fewer sentences/briefings and one repeat (a smoke run, not for figures)"})
def bench(c, quick=False):
    """Run every benchmark in bench/ (needs requirements-bench.lock: `make bench`)."""
    with _exits():
        dev.bench(SITE, quick)
