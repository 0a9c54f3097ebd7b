"""`invoke build`, `serve`, `clean`, `pdf`, `digest` and `bundle`."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mirsad.build.api import (BuildFailed, build_atomically, holds_until, inputs_fingerprint, leftover_staging, outcome,
                              preview_of, project_lock, run_pelican, staging_folder)
from mirsad.common.output_folders import MARKER, made_by_mirsad, mark

from .site import Site, TaskError, failing_as


def cache_overrides(site: Site, cache: Path | None, strict: bool) -> dict[str, Any]:
    """Settings for a build with its own cache folder: the PDF cache follows
    CACHE_PATH; the translation memory is a MIRSAD_MT key."""
    if cache is None:
        return {}
    options = {**(site.settings().get("MIRSAD_MT") or {}),
               "memory": str(cache / "translation-memory.sqlite"), "strict": strict}
    return {"CACHE_PATH": str(cache), "MIRSAD_MT": options}


def build(site: Site, *, publish: bool = False, strict: bool = False, output: Path | None = None,
          content: Path | None = None, cache: Path | None = None, jobs: int = 0, force: bool = False,
          rebuild: bool = False, settings: dict[str, Any] | None = None) -> Path:
    """Build the site into `output` atomically; returns the folder built.
    When nothing it is built from changed since the last build of `output`
    finished (and that build holds: no error, nothing waiting for a model,
    no scheduled briefing due since), `output` is left as it is, unless
    `rebuild`. `settings`: settings of this build over the project's (tools, benchmarks)."""
    if publish:
        check_publication_address(site)
    cache_dir = cache.resolve() if cache else None
    strict = strict or publish
    lock_file = site.build_lock if cache_dir is None else cache_dir.parent / ".build.lock"
    with failing_as("build"):
        target = site.output_folder(output or site.output, force=force, content=content, cache=cache_dir)
    record = cache_dir or site.cache  # where `invoke deploy` reads whether this build finished
    overrides = {**cache_overrides(site, cache_dir, strict), **(settings or {})}
    from mirsad.i18n.api import build_clock

    with failing_as(), project_lock(lock_file):
        settings_now = site.settings(publish)  # the files as this build reads them
        inputs = build_inputs(site, settings_now, content, publish, strict, overrides)
        if not rebuild and outcome.up_to_date(record, target, inputs, publish, build_clock(settings_now)):
            print(f"Nothing changed since the last build: {target} is up to date (`invoke build --rebuild` "
                  "builds it anyway)")
            return target
        outcome.started(record, target)
        try:
            build_atomically(target, lambda staging: run_pelican(
                site.pelican, (content or site.content).resolve(), site.settings_file(publish), staging,
                strict=strict, overrides=overrides, jobs=jobs, target=target))
        except BuildFailed:
            outcome.failed(record, target)
            raise
        cache_path = cache_dir or Path(settings_now.get("CACHE_PATH") or site.cache)
        outcome.succeeded(record, target, publish, inputs, holds_until(last_build(cache_path)))
    print(f"Site built in {target}")
    return target


def build_inputs(site: Site, settings: dict[str, Any], content: Path | None, publish: bool, strict: bool,
                 overrides: dict[str, Any]) -> str:
    """The fingerprint of what a build of `site` with `settings` reads (mirsad.build inputs)."""
    models = (overrides.get("MIRSAD_MT") or settings.get("MIRSAD_MT") or {}).get("models_dir") or ""
    models = os.environ.get("MIRSAD_MODELS_DIR") or models
    folders = [content or site.content, site.root / settings.get("THEME", "themes/mirsad"),
               *(site.root / folder for folder in settings.get("PLUGIN_PATHS", []))]
    if models:
        folders.append(Path(os.path.expanduser(models)))
    files = [site.settings_file(), site.settings_file(publish)]
    return inputs_fingerprint(folders, files, {"publish": publish, "strict": strict, "overrides": overrides})


def last_build(cache: Path) -> dict[str, Any]:
    """What the build just finished recorded of itself (CACHE_PATH/last-build.json)."""
    try:
        return json.loads((cache / "last-build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"counts": {"errors": 1}}  # unknown: the next build runs


def check_publication_address(site: Site) -> None:
    """Before a publish build: the address it publishes at is a real one."""
    from mirsad.common.siteurl import VARIABLE, publication_problem

    problem = publication_problem(site.settings(publish=True)["SITEURL"], os.environ.get(VARIABLE))
    if problem:
        raise TaskError(f"Not built: {problem}", code=2)


def serve(site: Site, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Build, serve the output on `host:port`, rebuild on every change and
    reload the browser when a rebuild is in. The server keeps answering with
    the last good site while a rebuild runs, and after one that failed.
    Drafts and scheduled briefings are served from the preview folder
    (output.drafts/) at the addresses they will be published at."""
    from livereload import Server

    from .preview import overlay_handler

    try:
        build(site)
    except TaskError as failure:
        if not site.output.is_dir():
            raise
        print(f"serve: {failure} Serving the last good site.", flush=True)
    rebuilder = Rebuilder(lambda: build(site))
    server = Server()
    server.SFH = overlay_handler(preview_of(site.output))
    for source in (site.content, site.theme, site.root / "plugins", site.settings_file()):
        # 'forever': no reload for the edit itself, the new output brings it.
        server.watch(str(source), rebuilder.request, delay="forever")
    server.watch(str(site.output))
    server.serve(root=str(site.output), host=host, port=port, open_url_delay=None)


class Rebuilder:
    """Runs builds in a thread of their own, one at a time: the server's
    loop stays free to answer. Changes during a build make one more build."""

    def __init__(self, build: Callable[[], object]):
        self._build = build
        self._lock = threading.Lock()
        self._running = self._again = False

    def request(self) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        threading.Thread(target=self._run, name="mirsad-rebuild", daemon=True).start()

    def _run(self) -> None:
        while True:
            print("serve: a file changed, rebuilding (the last good site is served meanwhile)", flush=True)
            try:
                self._build()
            except TaskError as failure:
                print(f"serve: rebuild failed. {failure} Still serving the last good site; "
                      "fix the file and save it again.", flush=True)
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False


def clean(site: Site) -> None:
    """Remove generated files: the output and leftovers of interrupted builds;
    output/ and dist/ only if Mirsad made them (nothing of anyone else's is deleted)."""
    for path, kind in ((site.output, "site"), (site.root / "dist", "bundle")):
        if path.is_dir() and any(path.iterdir()) and not made_by_mirsad(path, kind):
            print(f"{path} kept: it holds files Mirsad did not make (no {MARKER} in it); remove it yourself")
            continue
        shutil.rmtree(path, ignore_errors=True)
    for path in [preview_of(site.output), *leftover_staging(site.output), site.root / "output.old",
                 site.root / ".pytest_cache"]:
        shutil.rmtree(path, ignore_errors=True)


def pdfs(site: Site, overrides: dict[str, Any], *, publish: bool, strict: bool, output: Path,
         force: bool = False) -> list[Path]:
    """Run a build with MIRSAD_PDF overridden into a staging folder and move only
    its PDFs into `output` (pages stay as they are). The PDF cache (cache/pdf)
    is shared with `invoke build`, so unchanged PDFs are not rendered again."""
    command = "pdf" if overrides.get("briefings") else "digest"
    with failing_as(command):
        target = site.output_folder(output, "pdf", force)
    options = {**(site.settings(publish).get("MIRSAD_PDF") or {}), **overrides}
    moved = []
    with failing_as(command), project_lock(site.build_lock):
        target.mkdir(parents=True, exist_ok=True)
        deployable = outcome.intact(site.cache, target)
        mark(target)
        staging = staging_folder(target, "pdf-")
        try:
            extra = ["-e", f"MIRSAD_PDF={json.dumps(options, default=str)}"]
            run_pelican(site.pelican, site.content, site.settings_file(publish), staging, strict=strict,
                        extra=extra)
            for pdf_file in sorted(staging.rglob("*.pdf")):
                destination = target / pdf_file.relative_to(staging)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(pdf_file, destination)
                print(destination.relative_to(target.parent))
                moved.append(destination)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(preview_of(staging), ignore_errors=True)
        if deployable:  # PDFs added to a finished build: still deployable
            outcome.refresh(site.cache, target)
    return moved


def digest_overrides(latest: int = 0, since: str = "", until: str = "") -> dict[str, Any]:
    """MIRSAD_PDF for `invoke digest`: the latest briefings, or a date range."""
    overrides: dict[str, Any] = {"briefings": False, "digest": True}
    if latest:
        overrides["digest_latest"] = latest
    if since or until:
        overrides.update(digest_since=since or None, digest_until=until or None,
                         digest_save_as="{lang}/digest-{since}--{until}.pdf")
        if not latest:
            overrides["digest_latest"] = None
    return overrides


def bundle(site: Site, output: Path, strict: bool = False, force: bool = False) -> None:
    """Build the site into a temporary folder and zip it for reading offline."""
    with failing_as("bundle"):
        target = site.output_folder(output, "bundle", force)
    settings = site.settings()  # relative URLs, as `build` uses
    from mirsad.bundle.api import make_bundle

    with failing_as("bundle"):
        target.mkdir(parents=True, exist_ok=True)
        mark(target)
        with tempfile.TemporaryDirectory(prefix=".bundle-build-", dir=target) as tmp:
            built = build(site, strict=strict, output=Path(tmp) / "site")
            made = make_bundle(built, target, settings)
    print(f"{made.path}: {made.files} files, {made.size / 1e6:.1f} MB, updated {made.updated}")
    print(f"SHA-256 {made.sha256} (also in {made.path.name}.sha256: publish it with the bundle)")
    for suffix, count in sorted(made.absolute.items()):
        print(f"note: {count} {suffix} file(s) link to {settings['SITEURL']} (SITEURL); set "
              "MIRSAD_SITEURL to the published address so that these links lead to the site once online")


def verify_bundle(path: Path) -> None:
    """Report the files of a received bundle that are missing, extra or altered."""
    from mirsad.bundle.api import BundleError, verify

    try:
        result = verify(path)
    except BundleError as error:
        raise TaskError(str(error), code=2) from None
    print("\n".join(result.lines()))
    if not result.ok:
        raise TaskError(code=1)
