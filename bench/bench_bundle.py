"""Offline bundle and search index sizes: `.venv/bin/python bench/bench_bundle.py`.

Builds, in a temporary folder, (1) the sample site and (2) 1,000 synthetic
briefings x 3 languages (the sample briefings and their reviewed
translations copied under new slugs and dates, as bench_pdf.py makes them),
makes the offline bundle of each (mirsad.bundle.make_bundle, as `invoke
bundle` does) and prints a table:

- the bundle's zip size and unpacked size;
- per language: the search index script, raw and gzipped (what a web
  server sends), and how long the search page takes in headless Chromium
  opened from file:// until the index is ready to answer (performance mark
  "mirsad-search-ready": HTML, lunr.js, the index script parsed, the lunr
  index loaded), median of 5 fresh page loads, without and with 4x CPU
  throttling (CDP Emulation.setCPUThrottlingRate, the usual stand-in for a
  mid-range phone), and one query's time with 4x throttling.

PDFs are in the sample's bundle; the synthetic site is built without PDFs
unless --pdf (rendering 3,000 PDFs takes long; the table then says so).
The synthetic briefings repeat the sample's vocabulary: a real site of
1,000 briefings has more distinct words, so its index is somewhat larger
(postings dominate: see docs/search.md).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUNS = 5
THROTTLE = 4
QUERIES = {"ar": "سرت", "en": "Sirte", "fr": "Syrte"}


def build(content: Path, output: Path, cache: Path, pdf: bool) -> None:
    overrides = [] if pdf else ["-e", 'MIRSAD_PDF={"briefings": false, "digest": false}']
    subprocess.run([str(BIN / "pelican"), str(content), "-s", str(ROOT / "pelicanconf.py"),
                    "-o", str(output), "--cache-path", str(cache), "-q", *overrides],
                   check=True, env={**os.environ, "MIRSAD_MODELS_DIR": str(cache / "no-models")})


def bundle(site: Path, folder: Path) -> tuple[Path, Path]:
    """The bundle zip, and the folder it is unpacked into."""
    from pelican.settings import read_settings

    from mirsad.bundle.bundle import make_bundle

    made = make_bundle(site, folder / "dist", read_settings(str(ROOT / "pelicanconf.py")))
    unpacked = folder / "unpacked"
    with zipfile.ZipFile(made.path) as archive:
        archive.extractall(unpacked)
    return made.path, unpacked


def browser_times(unpacked: Path, langs: list[str]) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("MIRSAD_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        return {}
    times: dict[str, dict[str, float]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        for lang in langs:
            url = (unpacked / lang / "search.html").as_uri()
            times[lang] = {
                "ready": _median_ready(browser, url, 1),
                "ready_slow": _median_ready(browser, url, THROTTLE),
                "query_slow": _median_query(browser, url, QUERIES.get(lang, "a")),
            }
        browser.close()
    return times


def _page(browser, url: str, rate: float):
    context = browser.new_context()
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})
    page.goto(url)
    page.wait_for_function("performance.getEntriesByName('mirsad-search-ready').length > 0")
    return context, page


def _median_ready(browser, url: str, rate: float) -> float:
    samples = []
    context, _ = _page(browser, url, rate)  # warm-up: the browser's first load is slower
    context.close()
    for _ in range(RUNS):
        context, page = _page(browser, url, rate)
        samples.append(page.evaluate("performance.getEntriesByName('mirsad-search-ready')[0].startTime"))
        context.close()
    return statistics.median(samples)


def _median_query(browser, url: str, query: str) -> float:
    context, page = _page(browser, url, THROTTLE)
    page.fill("#search-query", query)
    samples = [page.evaluate("""() => { const t = performance.now();
        document.querySelector('#search form').requestSubmit(); return performance.now() - t; }""")
               for _ in range(RUNS)]
    context.close()
    return statistics.median(samples)


def measure(name: str, content: Path, folder: Path, cache: Path, pdf: bool) -> list[dict]:
    build(content, folder / "site", cache, pdf)
    zip_path, unpacked = bundle(folder / "site", folder)
    langs = sorted(p.parent.name for p in unpacked.glob("*/search-index.js"))
    times = browser_times(unpacked, langs)
    unpacked_size = sum(p.stat().st_size for p in unpacked.rglob("*") if p.is_file())
    briefings = len(list((content / "briefings").glob("*.md")))
    rows = []
    for lang in langs:
        index = (unpacked / lang / "search-index.js").read_bytes()
        rows.append({
            "site": name, "briefings": briefings, "pdfs": len(list(unpacked.rglob("*.pdf"))),
            "zip": zip_path.stat().st_size, "unpacked": unpacked_size, "lang": lang,
            "index": len(index), "index_gz": len(gzip.compress(index, 9)), **times.get(lang, {}),
        })
    return rows


def table(rows: list[dict]) -> str:
    head = ("| site | briefings | PDFs | bundle zip | unpacked | lang | index | index gzip "
            f"| ready 1x | ready {THROTTLE}x CPU | query {THROTTLE}x CPU |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        ms = lambda key: f"{r[key]:.0f} ms" if key in r else "n/a"  # noqa: E731
        lines.append(f"| {r['site']} | {r['briefings']} | {r['pdfs']} | {r['zip'] / 1e6:.2f} MB "
                     f"| {r['unpacked'] / 1e6:.2f} MB | {r['lang']} | {r['index'] / 1e3:.0f} kB "
                     f"| {r['index_gz'] / 1e3:.0f} kB | {ms('ready')} | {ms('ready_slow')} | {ms('query_slow')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="synthetic briefings (default 1000)")
    parser.add_argument("--pdf", action="store_true", help="render the synthetic site's PDFs too (slow)")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    from bench_pdf import make_content

    rows = []
    with tempfile.TemporaryDirectory(prefix="mirsad-bench-bundle-") as tmp:
        folder = Path(tmp)
        sample = folder / "sample"
        shutil.copytree(ROOT / "content", sample / "content")
        rows += measure("sample", sample / "content", sample, ROOT / "cache", pdf=True)
        synthetic = folder / "synthetic"
        content = make_content(synthetic, args.count)
        rows += measure(f"synthetic{' + PDFs' if args.pdf else ''}", content, synthetic,
                        synthetic / "cache", pdf=args.pdf)
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
