"""Archive-scale build benchmark (issue 32): `.venv/bin/python bench/bench_build.py`.

    [--sizes 100,1000] [--model tiny|small|base] [--pdf] [--no-reviewed] [--jobs N] [--keep DIR]

For each size N it makes N synthetic Arabic briefings (bench/corpus.py:
recombined sample sentences, 60-1,500 words, tags, categories, dates over ten
years), by default each with a reviewed English and French translation (so
every version is a real page without a model: 3N pages), installs an
ar->en and an en->fr package (French goes through English, as with the
public Argos models: `--model tiny`, the default, the test models of
tests/fixtures/models, 2+2 layers; `small` and `base`, random-weight int8
Transformers of 3+3 layers d=256 and Transformer-base size, made here, which
needs requirements-bench.lock) and runs real builds the way `invoke build`
does (mirsad.build.api: project_lock, build_atomically, run_pelican), into the
project's persistent `output/` with its own cache folder, so each build
starts from what the last one left, PDFs off unless `--pdf`:

  cold                empty caches, no output
  no change           the same content again
  one briefing        one briefing's title and body rewritten (its reviewed
                      translations are then out of date: their pages say so)
  one paragraph       one sentence added to a paragraph of another briefing
  new briefing        one more briefing (the newest), with its reviewed translations
  tag renamed         one tag renamed in every briefing that has it
  no change, again    the same content again
  no change, --rebuild  the same content, `invoke build --rebuild`: the
                      whole build runs (read, summarise, every page's key
                      checked) and keeps every page

Then, on the same (edited) content, two pairs measured side by side: the
site without translation and PDFs (mirsad.build, markdown, i18n, summary,
search; three languages) from empty caches and no output, then rebuilt with
nothing changed; and plain Pelican 4.12 on the same three-language content
(the originals and the reviewed translations as Pelican articles with `Lang:`
and the briefing's `Slug:`: Pelican's own translation links, its default
theme, no plugins, 10 articles per page, its content cache on; it reads
Markdown with Python-Markdown, of requirements-bench.lock), cold and rebuilt. At
N >= 10,000 each is run once (a build takes minutes); below, medians of 3
interleaved runs. The scenarios above are run once each (an edit is made once).

Each build runs in a child process of the benchmark, so the wall time and
the peak memory (PSS of the whole process tree: the build, Pelican and its
workers, sampled every 50 ms) cover all of it. Per build it prints the
build's own stage times (`cache/last-build.json`: read, translate, summarise,
pdf, html, search; `rest` is the wall time outside them: start-up, plugins
loading, the swap, the record of the build's outcome), segments translated/reused, PDFs rendered/reused, the output's
files and how many of them changed (written anew, added or removed: size,
mtime and inode compared with the previous build's). Then the ratios with
the issue's targets. The plugins are byte-compiled first, as pip does Pelican.

`--keep DIR` keeps the projects (DIR/n<size>) and a later run reuses them
(content put back as made). At N=10,000 a cold build with PDFs (30,000 of
them) takes hours: `--pdf` is measured there on a PDF cache warmed once, by
the first `--keep DIR --pdf` run's cold build (kept as hard links in
DIR/n<size>/pdf-cache.warm); a later run's cold build starts from that
cache, and its row says so. The other builds of a run keep their caches
as `invoke build` does.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from corpus import (Corpus, add_briefing, build_package, make_corpus, sample_sentences,  # noqa: E402
                    write_plain_content, zip_package)

BIN = Path(sys.executable).parent
MODELS = {"base": {}, "small": {"layers": 3, "d_model": 256, "ffn": 1024, "heads": 4, "vocab": 8000},
          "tiny": None}  # the test models (tests/fixtures/models)
STAGES = ("read", "translate", "summarise", "pdf", "html", "search")
SITE_ONLY = ["mirsad.build", "mirsad.markdown", "mirsad.i18n", "mirsad.summary", "mirsad.search"]
LANGUAGES = {"languages": ["ar", "en", "fr"], "site_names": {"ar": "مرصد", "en": "Mirsad", "fr": "Mirsad"}}
RENAMED_TAG = ("الكهرباء", "الطاقة")  # not in taxonomy.yml: the rename is an edit of the briefings alone
LARGE = 10_000  # from this size on, one run of each comparison build
PLAIN_PELICAN = """\
PATH = {content!r}
PLUGINS = []  # none: else Pelican loads every namespace plugin installed (pelican.plugins.*)
ARTICLE_PATHS = ["briefings"]
PAGE_PATHS = []
DEFAULT_LANG = "ar"
TIMEZONE = "Africa/Tripoli"
SITENAME = "Mirsad"
RELATIVE_URLS = True
DEFAULT_PAGINATION = 10
CACHE_PATH = {cache!r}
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
"""
# One build as `invoke build --content --cache --output` runs it (mirsad/tasks/build.py),
# with the benchmark's settings: the child process the benchmark times.
CHILD = """\
import json, sys
from pathlib import Path
from mirsad.tasks.build import build
from mirsad.tasks.site import Site
spec = json.loads(sys.argv[1])
build(Site(Path(spec["root"])), output=Path(spec["target"]), content=Path(spec["content"]), cache=Path(spec["cache"]),
      jobs=spec["jobs"] or 0, settings=spec["overrides"], rebuild=spec["rebuild"])
"""


@dataclass
class Run:
    name: str
    wall: float
    rss: int
    files: int = 0
    changed: int = 0
    report: dict = field(default_factory=dict)

    def stage(self, name: str) -> float:
        return self.report.get("stages", {}).get(name, 0.0)

    def count(self, name: str) -> int:
        return self.report.get("counts", {}).get(name, 0)

    @property
    def rest(self) -> float:
        return self.wall - sum(self.stage(name) for name in STAGES) if self.report else 0.0


def timed(command: list[str], env: dict | None = None) -> tuple[float, int]:
    """Run `command`; its wall time and the peak memory (PSS, bytes) of its process tree."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _group_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"build failed ({process.returncode}): {' '.join(command)[:500]}\n{errors[-3000:]}")
    return wall, peak[0]


def _group_rss(group: int) -> int:
    """Memory of every process in the process group `group`, as PSS: the
    PDF workers are forked from the build and share most of its pages, which
    a sum of RSS would count once per process."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group:  # pgrp
                continue
            rollup = (stat.parent / "smaps_rollup").read_text()
        except (OSError, IndexError, ValueError):
            continue
        pss = next((line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")), "0")
        total += int(pss) * 1024
    return total


def listing(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under `folder`: (size, mtime_ns, inode), to see what a build wrote anew."""
    found = {}
    for parent, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            status = os.lstat(path)
            found[path[len(str(folder)):]] = (status.st_size, status.st_mtime_ns, status.st_ino)
    return found


def changed(before: dict, after: dict) -> int:
    """Files written anew, added or removed."""
    return sum(1 for path, seen in after.items() if before.get(path) != seen) + len(before.keys() - after.keys())


class Project:
    """One synthetic project: content, models, caches, output. A folder made
    by an earlier run with the same size and translations (`--keep`) is
    reused: its content is put back as it was made (the edits undone), and
    with --pdf the PDF cache of its first cold build (see `clear`)."""

    def __init__(self, folder: Path, size: int, reviewed: bool, pdf: bool, packages: list[Path], jobs: int):
        self.folder, self.size, self.reviewed, self.pdf, self.jobs = folder, size, reviewed, pdf, jobs
        self.warm_pdfs = folder / "pdf-cache.warm"
        made = {"size": size, "reviewed": reviewed}
        marker, pristine = folder / "bench.json", folder / "content.made"
        self.reused = marker.exists() and json.loads(marker.read_text())["made"] == made
        if self.reused:
            shutil.rmtree(folder / "content")
            shutil.copytree(pristine, folder / "content")  # copy2: the files' times as made
            self.spare = json.loads(marker.read_text())["spare"]
        else:
            if folder.exists():
                print(f"{folder}: made for other options; making it again", flush=True)
                shutil.rmtree(folder)
            _, spare = make_corpus(folder, size, reviewed=reviewed)
            shutil.copytree(folder / "content", pristine)
            self.spare = spare[:100]
            marker.write_text(json.dumps({"made": made, "spare": self.spare}, ensure_ascii=False))
        content = folder / "content"
        self.corpus = Corpus(content, sorted((content / "briefings").glob("*.md")))
        from mirsad.mt.models.packages import install_archive

        for package in packages:  # the pair installed replaces the one there (another --model)
            install_archive(package, folder / "models")

    def clear(self, target: Path, cache: Path) -> bool:
        """No output, empty caches; with --pdf, the PDF cache the first cold
        build of this folder left, if any (a cold build with 3N PDFs takes
        hours at N=10,000): whether it was put back (see `keep_pdfs`)."""
        from mirsad.build.api import preview_of

        for path in (target, preview_of(target), cache):
            shutil.rmtree(path, ignore_errors=True)
        if self.pdf and self.warm_pdfs.is_dir() and cache == self.folder / "cache":
            shutil.copytree(self.warm_pdfs, cache / "pdf", copy_function=os.link)
            return True
        return False

    def keep_pdfs(self) -> None:
        """Keep the PDF cache of a cold build of the content as made, once:
        hard links (a cached PDF is a file of its own, named by its hash, never rewritten)."""
        if self.pdf and not self.warm_pdfs.is_dir() and (self.folder / "cache" / "pdf").is_dir():
            shutil.copytree(self.folder / "cache" / "pdf", self.warm_pdfs, copy_function=os.link)

    def build(self, name: str, cold: bool = False, site_only: bool = False, rebuild: bool = False) -> Run:
        target = self.folder / ("site-output" if site_only else "output")
        cache = self.folder / ("site-cache" if site_only else "cache")
        if cold and self.clear(target, cache):
            name += ", PDF cache warmed once (--keep)"
        mt = {"models_dir": str(self.folder / "models"), "memory": str(cache / "translation-memory.sqlite")}
        overrides = {"MIRSAD_PROJECT_ROOT": str(self.folder), "MIRSAD_MT": mt, "CACHE_PATH": str(cache)}
        if not self.pdf:
            overrides["MIRSAD_PDF"] = {"briefings": False, "digest": False}
        if site_only:
            overrides.update(PLUGINS=SITE_ONLY, MIRSAD_I18N=LANGUAGES)
        spec = {"target": str(target), "cache": str(cache), "root": str(ROOT), "content": str(self.corpus.content),
                "overrides": overrides, "jobs": self.jobs, "rebuild": rebuild}
        before = listing(target)
        (cache / "last-build.json").unlink(missing_ok=True)
        wall, rss = timed([sys.executable, "-c", CHILD, json.dumps(spec)], env=child_env())
        after = listing(target)
        report = cache / "last-build.json"
        return Run(name, wall, rss, len(after), changed(before, after),
                   json.loads(report.read_text()) if report.exists() else {})

    def write_plain_content(self) -> None:
        write_plain_content(self.corpus, self.folder / "plain-content")
        (self.folder / "plainconf.py").write_text(PLAIN_PELICAN.format(
            content=str(self.folder / "plain-content"), cache=str(self.folder / "plain-cache")))

    def plain_pelican(self, name: str, cold: bool) -> Run:
        output = self.folder / "plain-output"
        if cold:
            for path in (output, self.folder / "plain-cache"):
                shutil.rmtree(path, ignore_errors=True)
        before = listing(output)
        wall, rss = timed([str(BIN / "pelican"), str(self.folder / "plain-content"), "-s",
                           str(self.folder / "plainconf.py"), "-o", str(output), "-q"])
        after = listing(output)
        pages = sum(1 for path in after if os.path.basename(path).startswith("briefing-"))
        expected = len(self.corpus.briefings) * (3 if self.reviewed else 1)
        if pages < expected:  # a reader missing is only a warning to Pelican, hidden by -q
            raise SystemExit(f"plain Pelican wrote {pages} briefing pages of {expected} into {output}: run "
                             f"`{BIN / 'pelican'} {self.folder / 'plain-content'} -s {self.folder / 'plainconf.py'}` "
                             "to see why")
        return Run(name, wall, rss, len(after), changed(before, after))


def child_env() -> dict[str, str]:
    """The plugins on the child's path, whatever the benchmark's own PYTHONPATH."""
    paths = [str(ROOT / "plugins"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {"PYTHONPATH": os.pathsep.join(paths)}


def measure(project: Project) -> list[Run]:
    corpus, spare = project.corpus, project.spare
    runs = [project.build("cold", cold=True)]
    project.keep_pdfs()
    runs.append(project.build("no change"))
    corpus.edit_briefing(len(corpus.briefings) // 2, spare[:12])
    runs.append(project.build("one briefing"))
    corpus.edit_paragraph(len(corpus.briefings) // 3, spare[12])
    runs.append(project.build("one paragraph"))
    add_briefing(corpus, spare[13:25], reviewed=project.reviewed)
    runs.append(project.build("new briefing"))
    renamed = corpus.rename_tag(*RENAMED_TAG)
    runs.append(project.build(f"tag renamed ({renamed} briefings)"))
    runs.append(project.build("no change, again"))
    runs.append(project.build("no change, --rebuild", rebuild=True))
    project.write_plain_content()
    repeats: dict[str, list[Run]] = {}
    for _ in range(1 if project.size >= LARGE else 3):
        for run in (project.build("site without MT/PDF, cold", cold=True, site_only=True),
                    project.build("site without MT/PDF, rebuilt", site_only=True),
                    project.build("site without MT/PDF, --rebuild", site_only=True, rebuild=True),
                    project.plain_pelican("plain Pelican, cold", cold=True),
                    project.plain_pelican("plain Pelican, rebuild", cold=False)):
            repeats.setdefault(run.name, []).append(run)
    return runs + [median(found) for found in repeats.values()]


def median(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.wall)[len(runs) // 2]


def table(size: int, runs: list[Run]) -> str:
    head = (f"{'N=' + str(size):<38}{'wall s':>8}" + "".join(f"{s:>10}" for s in (*STAGES, "rest"))
            + f"{'seg new':>9}{'seg reused':>11}{'pdf new':>8}{'pdf reused':>11}{'files':>8}{'changed':>8}"
            + f"{'PSS MiB':>9}")
    lines = [head, "-" * len(head)]
    for run in runs:
        lines.append(f"{run.name:<38}{run.wall:8.1f}" + "".join(f"{run.stage(s):10.1f}" for s in STAGES)
                     + f"{run.rest:10.1f}{run.count('segments_translated'):9d}{run.count('segments_reused'):11d}"
                     + f"{run.count('pdfs_rendered'):8d}{run.count('pdfs_reused'):11d}{run.files:8d}"
                     + f"{run.changed:8d}{run.rss / 2**20:9.0f}")
    return "\n".join(lines)


def ratios(results: dict[int, list[Run]]) -> list[str]:
    out = []
    for size, runs in results.items():
        by = {run.name.split(" (")[0]: run for run in runs}
        scenarios = runs[:8]
        out.append(f"N={size}: one briefing {by['one briefing'].wall:.1f} s (target <= 20 s at N=10,000); "
                   f"no change {by['no change'].wall:.1f} s (<= 10 s); "
                   f"new briefing {by['new briefing'].wall:.1f} s (<= 30 s); "
                   f"tag renamed {by['tag renamed'].wall:.1f} s; one paragraph {by['one paragraph'].wall:.1f} s")
        for name, label, target in (("cold", "cold", 1.2), ("rebuilt", "rebuild", 0.5), ("--rebuild", "rebuild", 0.5)):
            site, plain = by[f"site without MT/PDF, {name}"].wall, by[f"plain Pelican, {label}"].wall
            out.append(f"N={size}: site without MT/PDF {name} / plain Pelican {label} = {site:.1f} / {plain:.1f} s "
                       f"= {site / plain:.2f}x (target <= {target}x at N=10,000)")
        out.append(f"N={size}: peak memory (PSS) of the builds = {max(r.rss for r in scenarios) / 2**30:.2f} GiB "
                   "(target < 4 GiB at N=10,000)")
    if len(results) > 1:
        small, large = min(results), max(results)
        # the better of the two no-change builds: one machine hiccup is not the archive's cost
        per = {n: min(run.wall for run in results[n] if run.name.startswith("no change")) / n for n in (small, large)}
        out.append(f"per-briefing cost of a no-change build N={large} / N={small} = {per[large] / per[small]:.2f}x "
                   f"({per[large] * 1000:.2f} ms vs {per[small] * 1000:.2f} ms a briefing, the better of the two "
                   "no-change builds; target <= 1.0x)")
        whole = {n: next(run.wall for run in results[n] if run.name == "no change, --rebuild") / n
                 for n in (small, large)}
        out.append(f"per-briefing cost of a whole no-change build (--rebuild) N={large} / N={small} = "
                   f"{whole[large] / whole[small]:.2f}x ({whole[large] * 1000:.2f} ms vs {whole[small] * 1000:.2f} ms)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="briefings per project, e.g. 1000,10000 (the issue's)")
    parser.add_argument("--model", choices=sorted(MODELS), default="tiny",
                        help="translation models: tiny, the test models (default); small or base, random weights")
    parser.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=False,
                        help="render the briefing PDFs and digests too (default: off, as issue 32's table). At "
                             "N=10,000 a cold build with PDFs takes hours: measure PDFs with a cache warmed once, "
                             "by a first run with --keep DIR --pdf; later runs with the same --keep DIR start "
                             "their cold build from that PDF cache (the row says so)")
    parser.add_argument("--reviewed", action=argparse.BooleanOptionalAction, default=True,
                        help="a reviewed English and French translation per briefing, so every version is a page "
                             "without a model (default); --no-reviewed: every version is machine translated")
    parser.add_argument("--jobs", type=int, default=0, help="MIRSAD_JOBS for the builds (default: all cores)")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="work in this folder and keep it; DIR/n<size> made by an earlier run (same size and "
                             "--reviewed) is reused, not made again: its content is put back as made and, with "
                             "--pdf, its cold build starts from the PDF cache of its first one")
    args = parser.parse_args()
    if importlib.util.find_spec("markdown") is None:
        raise SystemExit("Plain Pelican reads the briefings with Python-Markdown, not installed here: `make bench` "
                         "(requirements-bench.lock), or `.venv/bin/python -m pip install Markdown`.")
    sizes = [int(size) for size in args.sizes.split(",")]
    work = (args.keep or Path(tempfile.mkdtemp(prefix="mirsad-bench-build-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    # Pelican is byte-compiled, as pip installed it; the plugins are run from
    # source, and a shell with PYTHONDONTWRITEBYTECODE (CI's, this one) would
    # compile them again in every build that is timed.
    compileall.compile_dir(ROOT / "plugins", quiet=1)
    try:
        packages = make_packages(work / f"packages-{args.model}", args.model)
        results = {}
        for size in sizes:
            print(f"N={size}: making the project...", flush=True)
            project = Project(work / f"n{size}", size, args.reviewed, args.pdf, packages, args.jobs)
            print(f"N={size}: {'reused' if project.reused else 'made'} {project.folder}; building...", flush=True)
            results[size] = measure(project)
            print(table(size, results[size]), flush=True)
        print(f"\nmodel: {args.model}; PDFs: {'on' if args.pdf else 'off'}; reviewed translations: "
              f"{'yes' if args.reviewed else 'no'}; jobs: {args.jobs or os.cpu_count()}; stage times are the "
              "build's own (cache/last-build.json); changed: output files written anew, added or removed since "
              "the previous build; PSS MiB: peak memory of the whole process tree")
        for size in sizes:
            print("\n" + table(size, results[size]))
        print()
        print("\n".join(ratios(results)))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def make_packages(folder: Path, model: str) -> list[Path]:
    """The ar->en and en->fr .argosmodel files: tiny, the test models; else
    random-weight ones, made once per work folder and model."""
    if model == "tiny":
        return [ROOT / "tests" / "fixtures" / "models" / f"translate-{pair}-test-1.0.argosmodel"
                for pair in ("ar_en", "en_fr")]
    made = sorted(folder.glob("*.argosmodel"))
    if len(made) == 2:
        return made
    print(f"building random {model} ar->en and en->fr packages...", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sentences = sample_sentences(3000)
    return [zip_package(build_package(folder / "build", sentences, source, target, **MODELS[model]), folder)
            for source, target in (("ar", "en"), ("en", "fr"))]


if __name__ == "__main__":
    main()
