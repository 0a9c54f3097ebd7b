"""End-to-end build benchmark: `.venv/bin/python bench/bench_build.py`.

    [--sizes 100,1000] [--model base|small] [--jobs N] [--keep DIR]

For each size N it makes N synthetic Arabic briefings (bench/corpus.py:
recombined sample sentences, 60-1,500 words, tags, categories, dates over ten
years), installs two random-weight int8 Transformer packages (ar->en and
en->fr: French goes through English, as with the public Argos models;
`--model base` is Transformer-base size (6+6 layers, d=512, 32k vocabulary),
`small` 3+3 layers d=256, `tiny` the test models' size, 2+2 layers d=64: with
translation nearly free, everything else a build does shows) and runs real builds, each a fresh `pelican` process into a fresh
output folder (what `invoke build` does into its staging folder), with the
translation memory, the PDF cache and Pelican's content cache kept between
them:

  cold           empty caches
  no change      the same content again
  one briefing   one briefing's title and body rewritten
  one paragraph  one sentence added to one paragraph of another briefing

then, on the same content, the site without translation and PDFs (Arabic
only: mirsad.markdown, mirsad.i18n, mirsad.summary, mirsad.search), with
empty caches and rebuilt with nothing changed, against plain Pelican 4.12
(Python-Markdown, its default theme, the same 10 articles per page): medians
of 11 interleaved runs, the plugins byte-compiled first as pip does Pelican.
Per build it prints the wall time, the stage times the build itself records
(`cache/last-build.json`: read, translate, summarise, pdf, html, search),
segments translated/reused, PDFs rendered/reused and the peak memory of the
whole process tree (the build and its PDF workers, as PSS, sampled every
50 ms). Then the ratios the issue sets targets for.
"""

from __future__ import annotations

import argparse
import compileall
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

from corpus import build_package, make_corpus, sample_sentences, zip_package  # noqa: E402

BIN = Path(sys.executable).parent
MODELS = {"base": {}, "small": {"layers": 3, "d_model": 256, "ffn": 1024, "heads": 4, "vocab": 8000},
          "tiny": {"layers": 2, "d_model": 64, "ffn": 256, "heads": 4, "vocab": 4096}}
STAGES = ("read", "translate", "summarise", "pdf", "html", "search")
PLAIN_PELICAN = """\
PATH = {content!r}
ARTICLE_PATHS = ["briefings"]
PAGE_PATHS = []
DEFAULT_LANG = "ar"
TIMEZONE = "Africa/Tripoli"
SITENAME = "Mirsad"
RELATIVE_URLS = True
DEFAULT_PAGINATION = 10
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""


@dataclass
class Run:
    name: str
    wall: float
    rss: int
    report: dict = field(default_factory=dict)

    def stage(self, name: str) -> float:
        return self.report.get("stages", {}).get(name, 0.0)

    def count(self, name: str) -> int:
        return self.report.get("counts", {}).get(name, 0)


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
        raise SystemExit(f"build failed ({process.returncode}): {' '.join(command)}\n{errors[-3000:]}")
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


class Project:
    """One synthetic project: content, models, caches."""

    def __init__(self, folder: Path, size: int, packages: list[Path], jobs: int | None):
        self.folder, self.jobs = folder, jobs
        self.corpus, self.spare = make_corpus(folder, size)
        self.cache = folder / "cache"
        from mirsad.mt.models.packages import install_archive

        for package in packages:
            install_archive(package, folder / "models")

    def build(self, name: str, plugins: list[str] | None = None, languages: list[str] | None = None,
              cache: Path | None = None) -> Run:
        output = self.folder / "output"
        shutil.rmtree(output, ignore_errors=True)
        cache = cache or self.cache
        mt = {"models_dir": str(self.folder / "models"), "memory": str(cache / "translation-memory.sqlite")}
        extra = {"MIRSAD_PROJECT_ROOT": str(self.folder), "MIRSAD_MT": mt}
        if self.jobs:
            extra["MIRSAD_JOBS"] = self.jobs
        if plugins is not None:
            extra["PLUGINS"] = plugins
            extra["MIRSAD_I18N"] = {"languages": languages, "site_names": {"ar": "مرصد"}}
        command = [str(BIN / "pelican"), str(self.corpus.content), "-s", str(ROOT / "pelicanconf.py"),
                   "-o", str(output), "--cache-path", str(cache), "-q",
                   "-e", *[f"{key}={json.dumps(value)}" for key, value in extra.items()]]
        wall, rss = timed(command)
        report = cache / "last-build.json"
        return Run(name, wall, rss, json.loads(report.read_text()) if report.exists() else {})

    def plain_pelican(self) -> Run:
        """Plain Pelican on the same articles (front matter in Pelican's own format)."""
        content = self.folder / "plain-content"
        shutil.rmtree(content, ignore_errors=True)
        (content / "briefings").mkdir(parents=True)
        for path in self.corpus.briefings:
            head, _, body = path.read_text(encoding="utf-8").partition("\n---\n\n")
            fields = dict(line.split(": ", 1) for line in head.splitlines()[1:])
            tags = ", ".join(tag.strip() for tag in fields["tags"].strip("[]").split(","))
            meta = [f"Title: {json.loads(fields['title'])}", f"Date: {fields['date']}", f"Slug: {fields['slug']}",
                    f"Tags: {tags}", f"Category: {fields['category']}"]
            (content / "briefings" / path.name).write_text("\n".join(meta) + "\n\n" + body, encoding="utf-8")
        settings = self.folder / "plainconf.py"
        settings.write_text(PLAIN_PELICAN.format(content=str(content)))
        output = self.folder / "plain-output"
        shutil.rmtree(output, ignore_errors=True)
        wall, rss = timed([str(BIN / "pelican"), str(content), "-s", str(settings), "-o", str(output), "-q"])
        return Run("plain Pelican", wall, rss)


SITE_ONLY = ["mirsad.build", "mirsad.markdown", "mirsad.i18n", "mirsad.summary", "mirsad.search"]
REPEATS = 11  # the site-only and plain Pelican builds take seconds on a noisy machine: medians of 11, interleaved


def measure(project: Project) -> list[Run]:
    runs = [project.build("cold"), project.build("no change")]
    project.corpus.edit_briefing(len(project.corpus.briefings) // 2, project.spare[:12])
    runs.append(project.build("one briefing"))
    project.corpus.edit_paragraph(len(project.corpus.briefings) // 3, project.spare[12])
    runs.append(project.build("one paragraph"))
    repeats: dict[str, list[Run]] = {}
    own_cache = project.folder / "site-only-cache"
    for _ in range(REPEATS):
        shutil.rmtree(own_cache, ignore_errors=True)
        for name in ("site only, cold (ar, no MT/PDF)", "site only, no change"):
            repeats.setdefault(name, []).append(
                project.build(name, plugins=SITE_ONLY, languages=["ar"], cache=own_cache))
        repeats.setdefault("plain Pelican", []).append(project.plain_pelican())
    return runs + [median(found) for found in repeats.values()]


def median(runs: list[Run]) -> Run:
    return sorted(runs, key=lambda run: run.wall)[len(runs) // 2]


def table(size: int, runs: list[Run]) -> str:
    head = (f"{'N=' + str(size):<32}{'wall s':>8}" + "".join(f"{s:>10}" for s in STAGES)
            + f"{'seg new':>9}{'seg reused':>11}{'pdf new':>8}{'pdf reused':>11}{'PSS MiB':>9}")
    lines = [head, "-" * len(head)]
    for run in runs:
        lines.append(f"{run.name:<32}{run.wall:8.1f}" + "".join(f"{run.stage(s):10.1f}" for s in STAGES)
                     + f"{run.count('segments_translated'):9d}{run.count('segments_reused'):11d}"
                     + f"{run.count('pdfs_rendered'):8d}{run.count('pdfs_reused'):11d}{run.rss / 2**20:9.0f}")
    return "\n".join(lines)


def ratios(results: dict[int, list[Run]]) -> list[str]:
    out = []
    for size, runs in results.items():
        by = {run.name: run for run in runs}
        cold = by["cold"].wall
        out.append(f"N={size}: cold / no change = {cold / by['no change'].wall:.1f}x (target >= 10x)")
        out.append(f"N={size}: cold / one briefing = {cold / by['one briefing'].wall:.1f}x (target >= 5x at N=100)")
        out.append(f"N={size}: cold / one paragraph = {cold / by['one paragraph'].wall:.1f}x")
        plain = by["plain Pelican"].wall
        for name, label in (("site only, cold (ar, no MT/PDF)", "cold"), ("site only, no change", "rebuild")):
            out.append(f"N={size}: site without MT/PDF ({label}) / plain Pelican = "
                       f"{by[name].wall / plain:.2f}x (target <= 1.5x)")
        out.append(f"N={size}: peak memory (PSS) = {max(r.rss for r in runs) / 2**30:.2f} GiB (target < 2 GiB at N=1000)")
    if len(results) > 1:
        small, large = min(results), max(results)
        per = {n: next(r for r in results[n] if r.name == "cold").wall / n for n in (small, large)}
        out.append(f"per-briefing cold cost N={large} / N={small} = {per[large] / per[small]:.2f}x "
                   f"({per[large]:.2f} s vs {per[small]:.2f} s; target <= 1.2x)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--model", choices=sorted(MODELS), default="base")
    parser.add_argument("--jobs", type=int, default=None, help="MIRSAD_JOBS for the builds (default: all cores)")
    parser.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    work = args.keep or Path(tempfile.mkdtemp(prefix="mirsad-bench-build-"))
    work.mkdir(parents=True, exist_ok=True)
    # Pelican is byte-compiled, as pip installed it; the plugins are run from
    # source, and a shell with PYTHONDONTWRITEBYTECODE (CI's, this one) would
    # compile them again in every build that is timed.
    compileall.compile_dir(ROOT / "plugins", quiet=1)
    try:
        print(f"building random {args.model} ar->en and en->fr packages...", flush=True)
        sentences = sample_sentences(3000)
        packages = [zip_package(build_package(work / "packages", sentences, source, target, **MODELS[args.model]),
                                work) for source, target in (("ar", "en"), ("en", "fr"))]
        results = {}
        for size in sizes:
            print(f"N={size}: building...", flush=True)
            results[size] = measure(Project(work / f"n{size}", size, packages, args.jobs))
            print(table(size, results[size]), flush=True)
        print(f"\nmodel: {args.model}; jobs: {args.jobs or os.cpu_count()}; stage times are the build's own "
              "(cache/last-build.json); PSS MiB: peak memory of the whole process tree")
        for size in sizes:
            print("\n" + table(size, results[size]))
        print()
        print("\n".join(ratios(results)))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
