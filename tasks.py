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

from mirsad.tasks import build as building, deploy as deploying, dev, models as model_tasks, newsroom, \
    review as reviewing
from mirsad.tasks.site import Site, TaskError, os_error_message

SITE = Site(Path(__file__).resolve().parent)
FORCE_HELP = ("replace the --output folder even though it holds files and Mirsad did not make it "
              "(never content/, the theme, plugins/, cache/ or the project)")


@contextlib.contextmanager
def _exits() -> Iterator[None]:
    """A task that cannot go on ends with its message and exit code, not a traceback."""
    try:
        yield
    except TaskError as error:
        raise Exit(str(error) or None, code=error.code) from None
    except subprocess.CalledProcessError as error:  # the command has said why
        raise Exit(code=error.returncode) from None
    except OSError as error:  # a path the system will not let us read or write (permissions, space)
        raise Exit(os_error_message(error), code=1) from None


@task(help={
    "publish": "use publishconf.py (absolute URLs for the real host); fails on any error, like --strict",
    "strict": "fail (non-zero exit, output untouched) on any error",
    "output": "output folder (default: output/)",
    "content": "content folder (default: content/)",
    "cache": "cache folder: translation memory, PDF cache (default: cache/); the build lock is beside it",
    "jobs": "cores to use: PDF rendering processes and translation threads (default: every core)",
    "force_output": FORCE_HELP,
    "rebuild": "build even if nothing changed since the last build (which then leaves the output as it is)",
})
def build(c, publish=False, strict=False, output=str(SITE.output), content=str(SITE.content), cache="", jobs=0,
          force_output=False, rebuild=False):
    """Build the site into output/ (atomically: a failed build changes nothing).

    A bad briefing is reported (file and line) and left out, the others
    build; the summary at the end lists every error and warning. Exit code:
    0 unless the build is --strict/--publish and had an error, or the output
    could not be written (no space, read-only)."""
    with _exits():
        building.build(SITE, publish=publish, strict=strict, output=Path(output), content=Path(content),
                       cache=Path(cache) if cache else None, jobs=int(jobs), force=force_output, rebuild=rebuild)


DEPLOY_HELP = {
    "dry_run": "list what would be uploaded and deleted, change nothing",
    "max_deletes": "stop (and list them) if more files would be deleted (default MIRSAD_DEPLOY['max_deletes'], "
                   "256; -1: no limit)",
    "endpoint_url": "an S3-compatible store's address (s3:// targets)",
}


@task(help={
    "to": "a folder, user@host:path (rsync), gh-pages:REMOTE or s3://BUCKET/PREFIX "
          "(default MIRSAD_DEPLOY['to'] of publishconf.py)",
    "output": "the built folder to deploy (default: output/)",
    "cache": "the cache folder of its build (default: cache/)",
    **DEPLOY_HELP,
})
def deploy(c, to="", dry_run=False, max_deletes="", endpoint_url="", output=str(SITE.output), cache=""):
    """Deploy the last finished build (never a failed or half-built one) and
    say what was uploaded, deleted and unchanged. Deletes only files an
    earlier deploy uploaded, and those last (docs/deploy.md)."""
    with _exits():
        deploying.deploy(SITE, to, dry_run=dry_run, deletes=max_deletes, endpoint_url=endpoint_url,
                         output=Path(output), cache=Path(cache) if cache else None)


@task(help=DEPLOY_HELP)
def publish(c, dry_run=False, max_deletes="", endpoint_url=""):
    """`invoke build --publish`, then deploy to MIRSAD_DEPLOY['to'] (publishconf.py)."""
    with _exits():
        deploying.publish(SITE, dry_run=dry_run, deletes=max_deletes, endpoint_url=endpoint_url)


@task(help={"port": "HTTP port (default 8000)", "host": "interface (default 127.0.0.1)"})
def serve(c, port=8000, host="127.0.0.1"):
    """Build, serve output/ on localhost and rebuild + reload on every change."""
    with _exits():
        building.serve(SITE, int(port), host)


@task(help={"title": "the briefing's title", "slug": "its URL name (default: made from the title)",
            "tags": "tags, comma-separated", "category": "its category"})
def new(c, title="", slug="", tags="", category=""):
    """Start a briefing: content/briefings/<slug>.md with its front matter, a
    draft dated now (never over an existing file); prints its path."""
    with _exits():
        newsroom.new_briefing(SITE, title, slug, [t.strip() for t in tags.split(",") if t.strip()], category)


@task(help={"name": "the site's name", "languages": "site languages, comma-separated, the briefings' language first"})
def init(c, folder, name="", languages="ar,en,fr"):
    """Make a new newsroom's project in FOLDER: settings, the theme, empty
    content with taxonomy and glossary files; `make build` builds it."""
    with _exits():
        newsroom.init_project(SITE, Path(folder), name, languages.split(","))


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
    with _exits():
        reviewing.stamp(SITE, [Path(f) for f in files or []])


VERBOSE = {"verbose": "print the messages of the build it runs (default: into cache/review-build.log)"}


@task(help={"slug": "the briefing", "lang": "the target language (default: every one)",
            "all_": "every briefing that has no reviewed translation (or draft) yet", **VERBOSE})
def review(c, slug="", lang="", all_=False, verbose=False):
    """Write content/translations/<slug>.<lang>.md, a draft pre-filled from the
    current machine translation, for an editor to correct and sign. An
    existing file is never overwritten."""
    with _exits():
        reviewing.review(SITE, slug, lang, all_, verbose)


@task(name="xliff-export", help={"slug": "the briefing", "lang": "the target language",
                                   "output": "the XLIFF file to write (it must not exist)", **VERBOSE})
def xliff_export(c, slug="", lang="", output="", verbose=False):
    """Write a briefing's segments and their machine translation as an XLIFF
    2.1 file for a CAT tool (docs/review.md#xliff)."""
    with _exits():
        reviewing.xliff_export(SITE, slug, lang, output, verbose)


@task(name="xliff-import", help={"translator": "sign the reviewed translation with this name (and today's date)",
                                   "replace": "replace an existing reviewed translation (kept in .replaced/)",
                                   **VERBOSE})
def xliff_import(c, file, translator="", replace=False, verbose=False):
    """Check a translated XLIFF file against its briefing and write
    content/translations/<slug>.<lang>.md from it (docs/review.md#xliff)."""
    with _exits():
        reviewing.xliff_import(SITE, file, translator, replace, verbose)


@task(name="mt-report", help={"output": "folder for mt-report.json and mt-report.html",
                              "force_output": FORCE_HELP, **VERBOSE})
def mt_report(c, output="", force_output=False, verbose=False):
    """Score each model's machine translation against the site's reviewed
    translations (chrF++, TER, post-edit distance; sacrebleu): writes
    OUTPUT/mt-report.json and OUTPUT/mt-report.html."""
    with _exits():
        reviewing.mt_report(SITE, output, force_output, verbose)


@task(name="review-site", help={"output": "the folder for the review pages (default output.review/)",
                                "force_output": FORCE_HELP, **VERBOSE})
def review_site(c, output=str(SITE.root / "output.review"), force_output=False, verbose=False):
    """Build the side-by-side review pages (not published) into OUTPUT (docs/review.md#review-pages)."""
    with _exits():
        reviewing.review_site(SITE, Path(output), force_output, verbose)


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
    "force_output": FORCE_HELP,
}


@task(help=PDF_HELP)
def pdf(c, publish=False, strict=False, output=str(SITE.output), force_output=False):
    """Render the PDF of every briefing in every language (and the digests, if
    MIRSAD_PDF['digest'] is on) into output/, leaving the pages as they are."""
    with _exits():
        building.pdfs(SITE, {"briefings": True}, publish=publish, strict=strict, output=Path(output),
                      force=force_output)


@task(help={
    "latest": "at most this many briefings (default: MIRSAD_PDF['digest_latest'])",
    "since": "only briefings dated on or after YYYY-MM-DD",
    "until": "only briefings dated on or before YYYY-MM-DD",
    **PDF_HELP,
})
def digest(c, latest=0, since="", until="", publish=False, strict=False, output=str(SITE.output),
           force_output=False):
    """Make each language's digest PDF: {lang}/digest.pdf (the latest briefings),
    or {lang}/digest-<since>--<until>.pdf for a date range."""
    with _exits():
        building.pdfs(SITE, building.digest_overrides(int(latest), since, until), publish=publish, strict=strict,
                      output=Path(output), force=force_output)


@task(help={
    "verify": "check a received bundle (its .zip, or the folder it was unpacked into) instead",
    "output": "folder for the zip (default: dist/)",
    "strict": "fail (non-zero exit, no zip) on any build error",
    "force_output": FORCE_HELP,
})
def bundle(c, verify="", output=str(SITE.root / "dist"), strict=False, force_output=False):
    """Build the site into one zip that works offline from file:// (pages in
    every language, PDFs, search), with a SHA-256 manifest inside; or, with
    --verify FILE, report the files of a bundle that are missing, extra or altered."""
    with _exits():
        if verify:
            building.verify_bundle(Path(verify))
        else:
            building.bundle(SITE, Path(output), strict, force_output)


@task(help={"quick": "fewer sentences/briefings and one repeat (a smoke run, not for figures)"})
def bench(c, quick=False):
    """Run every benchmark in bench/ (needs requirements-bench.lock: `make bench`)."""
    with _exits():
        dev.bench(SITE, quick)
