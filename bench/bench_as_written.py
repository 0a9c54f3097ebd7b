"""What the engine reads: the sample site built with the test models and no
reviewed translations, against the test corpus.

    PYTHONPATH=$PWD/plugins .venv/bin/python bench/bench_as_written.py

content/ is copied to a temporary folder without content/translations/, the
repo's test packages (tests/fixtures/models) are installed there, and the
site is built once from an empty memory with `invoke build`. Printed: the
build report's lines on fragments and flagged sentences, and, for every
paragraph of a sample briefing that is a line of
tools/test_models_corpus/ar_en_fr.tsv, whether its English and French
paragraphs are that line's translations, glossary renderings aside (the
glossary writes hashtags of its terms its own way).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import html

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv"
# The glossary's rendering of a hashtag's words against the corpus' own.
GLOSSARY_ASIDE = {"#Al-Bunyan_al-Marsous": "#AlBunyanAlMarsous"}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mirsad-as-written-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "content", work / "content", ignore=shutil.ignore_patterns("translations"))
        env = {"MIRSAD_MODELS_DIR": str(work / "models")}
        invoke = [sys.executable, "-m", "invoke"]
        _run(invoke + ["models", "--from", str(ROOT / "tests" / "fixtures" / "models")], env)
        report = _run(invoke + ["build", "--content", str(work / "content"), "--output", str(work / "output"),
                                "--cache", str(work / "cache")], env)
        for line in report.splitlines():
            if re.match(r"\s*(\S+→\S+: \d+ segments translated|\[\w+\] \d+ of \d+ segments|\d+ machine-translated)",
                        line):
                print(line.strip())
        same, total = compare(work / "content", work / "output")
        print(f"corpus paragraphs as their corpus translation (glossary renderings aside): {same} of {total}")


def compare(content: Path, output: Path) -> tuple[int, int]:
    rows = [line.split("\t") for line in CORPUS.read_text(encoding="utf-8").splitlines()[1:]]
    corpus = {ar: {"en": en, "fr": fr} for ar, en, fr in rows}
    same = total = 0
    for source in sorted((content / "briefings").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        slug = re.search(r"^slug: (\S+)", text, re.M).group(1)
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.split("---", 2)[2]) if p.strip()]
        for lang in ("en", "fr"):
            page = html.fromstring((output / lang / "briefings" / f"{slug}.html").read_bytes())
            got = {_aside(" ".join(p.text_content().split()))
                   for p in page.findall(".//div[@class='briefing__body']/*")}
            for number, paragraph in enumerate(paragraphs, 1):
                if paragraph in corpus:
                    total += 1
                    same += corpus[paragraph][lang] in got
                    if corpus[paragraph][lang] not in got:
                        print(f"differs: {slug} [{lang}] paragraph {number}")
    return same, total


def _aside(text: str) -> str:
    for ours, corpus in GLOSSARY_ASIDE.items():
        text = text.replace(ours, corpus)
    return text


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout + done.stderr


if __name__ == "__main__":
    main()
