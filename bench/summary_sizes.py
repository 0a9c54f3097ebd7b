"""How long the summary box is, against the body, per language:
`.venv/bin/python bench/summary_sizes.py`.

    [--corpus N] [--keep DIR] [--phone]

Builds the sample site (content/, its reviewed translations) and N briefings
of bench/corpus.py (machine translated with the repository's test models,
tests/fixtures/models: every version is machine output) with real `pelican`
runs (PDFs off), then reads every briefing page: words in the box's points,
words in the body (whitespace-separated, as a reader counts them), and the
box's limit, max(MIRSAD_SUMMARY max_words, max_body_share x body words).
With --phone, a headless Chromium (Debian `chromium`, through Playwright)
opens each sample page 390 px wide and says where the article text starts.
The figures are in docs/summaries.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import html

ROOT = Path(__file__).resolve().parent.parent

from corpus import make_corpus  # noqa: E402
from mirsad.summary.config import DEFAULTS  # noqa: E402

BIN = Path(sys.executable).parent
LANGS = ("ar", "en", "fr")
NO_PDF = {"briefings": False, "digest": False}


def build(content: Path, folder: Path, models: Path | None = None) -> Path:
    output = folder / "output"
    extra = {"MIRSAD_PROJECT_ROOT": str(folder), "MIRSAD_PDF": NO_PDF}
    if models is not None:
        extra["MIRSAD_MT"] = {"models_dir": str(models), "memory": str(folder / "cache" / "tm.sqlite")}
    subprocess.run([str(BIN / "pelican"), str(content), "-s", str(ROOT / "pelicanconf.py"), "-o", str(output),
                    "--cache-path", str(folder / "cache"), "-q",
                    "-e", *[f"{key}={json.dumps(value)}" for key, value in extra.items()]], check=True)
    return output


def limit(body_words: int) -> int:
    return max(DEFAULTS["max_words"], int(DEFAULTS["max_body_share"] * body_words))


def measure(output: Path) -> dict[str, list[dict]]:
    """Per language, per briefing page: slug, points, box words, body words."""
    found: dict[str, list[dict]] = {lang: [] for lang in LANGS}
    for lang in LANGS:
        for path in sorted((output / lang / "briefings").glob("*.html")):
            page = html.fromstring(path.read_bytes())
            points = [li.text_content() for li in page.findall(".//aside[@class='summary-box']/ul/li")]
            body = page.find(".//div[@class='briefing__body']").text_content()
            found[lang].append({"slug": path.stem, "points": len(points),
                                "box": sum(len(p.split()) for p in points), "body": len(body.split()),
                                "cut": sum(p.endswith("…") for p in points)})
    return found


def report_each(found: dict[str, list[dict]]) -> None:
    print("| briefing | " + " | ".join(f"{lang}: box / body (share)" for lang in LANGS) + " |")
    print("|---|" + "---|" * len(LANGS))
    for number, row in enumerate(found["ar"]):
        cells = []
        for lang in LANGS:
            item = found[lang][number]
            cells.append(f"{item['box']} / {item['body']} ({item['box'] / item['body']:.0%}), {item['points']} points")
        print(f"| {row['slug']} | " + " | ".join(cells) + " |")


def report_totals(found: dict[str, list[dict]]) -> None:
    print("| language | briefings | box words, median (max) | share of the body, median (max) | "
          "points, max | over the limit | cut points |")
    print("|---|---|---|---|---|---|---|")
    for lang in LANGS:
        items = [item for item in found[lang] if item["body"]]
        shares = [item["box"] / item["body"] for item in items]
        boxes = [item["box"] for item in items]
        over = sum(item["box"] > limit(item["body"]) for item in items)
        print(f"| {lang} | {len(items)} | {statistics.median(boxes):.0f} ({max(boxes)}) | "
              f"{statistics.median(shares):.1%} ({max(shares):.1%}) | {max(item['points'] for item in items)} | "
              f"{over} | {sum(item['cut'] for item in items)} |")


def phone(output: Path) -> None:
    """Where the text of each sample briefing starts on a 390 px wide screen."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("MIRSAD_CHROMIUM") or shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=3)
        for lang in LANGS:
            for path in sorted((output / lang / "briefings").glob("*.html")):
                page.goto(path.as_uri())
                top = page.evaluate("""() => {
                    const at = selector => document.querySelector(selector)?.getBoundingClientRect();
                    const box = at('.summary-box'), text = at('.briefing__body');
                    return [Math.round(box ? box.height : 0), Math.round(text.top + window.scrollY)];
                }""")
                print(f"{lang}/{path.stem}: box {top[0]} px high, text starts at {top[1]} px")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=int, default=200, help="bench/corpus.py briefings (0: none)")
    parser.add_argument("--keep", type=Path, help="build here and keep it")
    parser.add_argument("--phone", action="store_true", help="measure the sample pages 390 px wide")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="summary-sizes-"))
    try:
        sample = build(ROOT / "content", folder / "sample")
        print("## sample site\n")
        found = measure(sample)
        report_each(found)
        print()
        report_totals(found)
        if args.phone:
            print()
            phone(sample)
        if args.corpus:
            from mirsad.mt.models.packages import install_archive

            corpus, _ = make_corpus(folder / "corpus", args.corpus)
            models = folder / "corpus" / "models"
            for package in sorted((ROOT / "tests" / "fixtures" / "models").glob("translate-*.argosmodel")):
                if package.name.startswith(("translate-ar_en", "translate-en_fr")):
                    install_archive(package, models)
            print(f"\n## bench/corpus.py, {args.corpus} briefings, test models\n")
            report_totals(measure(build(corpus.content, folder / "corpus", models)))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
