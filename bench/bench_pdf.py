"""PDF rendering benchmark: `.venv/bin/python bench/bench_pdf.py`.

Makes 50 briefings x 3 languages (copies of the sample briefings and their
reviewed translations, in a temporary folder), turns them into print HTML with
the project's own templates, then renders the 150 PDFs, side by side in one
run:

- the `weasyprint` command line, once per file (a fresh process per PDF);
- mirsad.pdf's pool with 1 worker, and with 2 workers;
- mirsad.pdf with 1 worker without PDF/UA tagging (the cost of tagging).

Each mirsad.pdf run is a fresh process timed from its start, so it pays what a
build pays: importing WeasyPrint, parsing the stylesheet, loading the fonts.
Prints a table of PDFs/s and the ratios the PDF issue sets targets for.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
VARIANT = "pdf/ua-1"


def make_content(folder: Path, count: int) -> Path:
    """`count` briefings, each with its en and fr reviewed translations."""
    content = folder / "content"
    shutil.copytree(ROOT / "content", content)
    originals = sorted((content / "briefings").glob("*.md"))
    for path in originals + sorted((content / "translations").glob("*.md")):
        path.unlink()
    for number in range(count):
        source = sorted((ROOT / "content" / "briefings").glob("*.md"))[number % len(originals)]
        slug = f"bench-{number:03d}"
        text = source.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^slug: .*$", f"slug: {slug}", text)
        text = re.sub(r"(?m)^date: .*$", f"date: 2017-{1 + number % 12:02d}-{1 + number % 28:02d} 09:00", text)
        (content / "briefings" / f"{slug}.md").write_text(text, encoding="utf-8")
        for lang in ("en", "fr"):
            translation = ROOT / "content" / "translations" / f"{source.stem}.{lang}.md"
            shutil.copy(translation, content / "translations" / f"{slug}.{lang}.md")
    return content


def print_html(content: Path, folder: Path) -> list[dict]:
    """The print HTML of every briefing version, as the plugin makes it."""
    from pelican import Pelican, signals
    from pelican.generators import ArticlesGenerator
    from pelican.settings import read_settings

    from mirsad.pdf import config as pdf_config
    from mirsad.pdf.build import PdfBuild, plan

    planned = []

    def capture(generators):
        articles = next(g for g in generators if isinstance(g, ArticlesGenerator))
        settings = dict(articles.settings, MIRSAD_PDF={"briefings": True, "digest": False,
                                                         "pdf_variant": VARIANT})
        build = PdfBuild(pdf_config.load(settings), settings, articles.env, articles.context)
        planned.extend(plan(build, articles.context["mirsad_site"], {}))

    signals.all_generators_finalized.connect(capture)
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={
        "PATH": str(content), "OUTPUT_PATH": str(folder / "site"), "CACHE_PATH": str(folder / "cache"),
        "MIRSAD_PDF": {"briefings": False, "digest": False},
    })
    Pelican(settings).run()
    signals.all_generators_finalized.disconnect(capture)
    return [{"label": p.label, "html": p.html, "base_url": p.base_url} for p in planned]


def time_cli(documents: list[dict], folder: Path, stylesheet: str) -> float:
    html_dir, out = folder / "cli-html", folder / "cli-pdf"
    html_dir.mkdir()
    out.mkdir()
    files = []
    for number, document in enumerate(documents):
        path = html_dir / f"{number:03d}.html"
        path.write_text(document["html"], encoding="utf-8")
        files.append(path)
    started = time.perf_counter()
    for path in files:
        subprocess.run([str(BIN / "weasyprint"), "--quiet", "--pdf-variant", VARIANT,
                        "-s", stylesheet, str(path), str(out / f"{path.stem}.pdf")], check=True)
    return time.perf_counter() - started


def time_pool(jobs_file: Path, workers: int, variant: str | None) -> float:
    """A fresh process renders every document with mirsad.pdf's pool."""
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--render", str(jobs_file), str(workers), variant or "none"],
                   check=True)
    return time.perf_counter() - started


def render(jobs_file: str, workers: str, variant: str) -> None:
    """Child process of time_pool()."""
    from mirsad.pdf.cache import stylesheet_fingerprint
    from mirsad.pdf.worker import Job, Resources, render_all

    spec = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    out = Path(spec["out"]) / f"{workers}-{variant.replace('/', '')}"
    jobs = [Job(d["label"], d["html"], d["base_url"], str(out / f"{n:03d}.pdf"))
            for n, d in enumerate(spec["documents"])]
    resources = Resources(spec["stylesheet"], stylesheet_fingerprint(spec["stylesheet"]),
                          "http://localhost:8000", (("", spec["content"]),),
                          None if variant == "none" else variant)
    failed = [r.job.label for r in render_all(jobs, resources, int(workers)) if r.error]
    if failed:
        sys.exit(f"bench: failed: {failed}")


def tagging_cost(jobs_file: Path) -> float:
    """CPU seconds of PDF/UA-1 over plain, same documents, one process, interleaved
    (CPU time, unlike wall time, hardly moves with other work on the machine)."""
    out = subprocess.run([sys.executable, __file__, "--tagging", str(jobs_file)], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def tagging(jobs_file: str) -> None:
    """Child process of tagging_cost()."""
    from mirsad.pdf.cache import stylesheet_fingerprint
    from mirsad.pdf.worker import Job, Resources, _Worker

    spec = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    fingerprint = stylesheet_fingerprint(spec["stylesheet"])
    workers = {variant: _Worker(Resources(spec["stylesheet"], fingerprint, "http://localhost:8000",
                                          (("", spec["content"]),), variant))
               for variant in (None, VARIANT)}
    spent = {None: 0.0, VARIANT: 0.0}
    out = Path(spec["out"]) / "tagging.pdf"
    for number, document in enumerate(spec["documents"]):
        for variant in ((None, VARIANT) if number % 2 else (VARIANT, None)):
            started = time.process_time()
            workers[variant].render(Job(document["label"], document["html"], document["base_url"], str(out)))
            spent[variant] += time.process_time() - started
    print(spent[VARIANT] / spent[None])


def _spin(_: int) -> float:
    started = time.perf_counter()
    sum(i * i for i in range(6_000_000))
    return time.perf_counter() - started


def parallel_ceiling() -> float:
    """What 2 processes of plain Python gain over 1 on this machine right now
    (2.0 on two idle cores): the most 2 workers can gain over 1."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, range(2)))  # start both workers first
        started = time.perf_counter()
        list(pool.map(_spin, range(4)))
        two = time.perf_counter() - started
    with ProcessPoolExecutor(1) as pool:
        list(pool.map(_spin, range(1)))
        started = time.perf_counter()
        list(pool.map(_spin, range(4)))
        one = time.perf_counter() - started
    return one / two


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefings", type=int, default=50, help="briefings (x 3 languages)")
    parser.add_argument("--render", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--tagging", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.render:
        return render(*args.render)
    if args.tagging:
        return tagging(args.tagging)
    stylesheet = str(ROOT / "themes" / "mirsad" / "static" / "css" / "pdf.css")
    with tempfile.TemporaryDirectory(prefix="mirsad-bench-") as tmp:
        folder = Path(tmp)
        content = make_content(folder, args.briefings)
        documents = print_html(content, folder)
        jobs_file = folder / "jobs.json"
        jobs_file.write_text(json.dumps({"documents": documents, "stylesheet": stylesheet,
                                         "content": str(content), "out": str(folder / "pool")}))
        count = len(documents)
        ceiling = parallel_ceiling()
        print(f"{count} PDFs ({args.briefings} briefings x 3 languages), {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f}, 2 plain processes gain {ceiling:.2f}x over 1 "
              "right now", flush=True)
        # The short runs first, back to back, so that they see the same machine.
        rows = [("mirsad.pdf, 1 worker", time_pool(jobs_file, 1, VARIANT)),
                ("mirsad.pdf, 2 workers", time_pool(jobs_file, 2, VARIANT)),
                ("mirsad.pdf, 1 worker, no PDF/UA", time_pool(jobs_file, 1, None))]
        cpu_ratio = tagging_cost(jobs_file)
        rows.insert(0, ("weasyprint CLI, once per file", time_cli(documents, folder, stylesheet)))
    seconds = dict(rows)
    cli, one, two = rows[0][1], rows[1][1], rows[2][1]
    print("\n| renderer (PDF/UA-1 unless said) | seconds | PDFs/s | vs CLI |\n|---|---:|---:|---:|")
    for name, value in rows:
        print(f"| {name} | {value:.1f} | {count / value:.1f} | {cli / value:.1f}x |")
    print("\n| ratio | measured | target |\n|---|---:|---:|")
    print(f"| mirsad.pdf (2 workers) vs CLI | {cli / two:.1f}x | >= 5x |")
    print(f"| mirsad.pdf (1 worker) vs CLI | {cli / one:.1f}x | |")
    print(f"| 2 workers vs 1 | {one / two:.2f}x | >= 1.6x |")
    print(f"| PDF/UA-1 cost, wall time (1 worker) | "
          f"{(one / seconds['mirsad.pdf, 1 worker, no PDF/UA'] - 1) * 100:+.0f}% | |")
    print(f"| PDF/UA-1 cost, CPU time (same process, interleaved) | {(cpu_ratio - 1) * 100:+.0f}% | |")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end; 2 plain processes gained {ceiling:.2f}x "
          "over 1 at the start (2.0 = two idle cores; other work on the machine lowers every ratio)")


if __name__ == "__main__":
    main()
