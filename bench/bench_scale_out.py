"""Scale-out: sentences/second on 1 and 2 LibreTranslate servers against
the local engine, and what the HTTP path costs, in one run.

    .venv/bin/python bench/bench_scale_out.py [--sentences 400] [--repeats 3]

Needs LibreTranslate's own venv (`make setup`: .venv-libretranslate).
Servers: real libretranslate 1.9.6 on 127.0.0.1 (tests/libretranslate_server.py),
offline under its network guard, the repo's test ar→en package installed,
each limited to one thread (ARGOS_INTRA_THREADS=1, OMP_NUM_THREADS=1,
waitress --threads 1) and to one core of its own (sched_setaffinity: the
only bound on the onnxruntime pool of its sentence splitter, which
otherwise spins one thread per core). The model is the tiny test package (d=64, 2+2
layers): decoding is cheap, so the figures show the overheads (HTTP, JSON,
LibreTranslate's one-sentence-at-a-time decoding) at their largest share.

Contenders, each over the same N distinct Arabic sentences, in an order
rotated from one repeat to the next:
  (a) local engine (EngineProcess, 1 intra thread): one call, batched;
  (b) LibreTranslateEngine, 1 server (batches of 32, 1 request in flight);
  (c) LibreTranslateEngine, 2 servers (the batches shared);
  (d) LibreTranslate's own translation code in its process, no HTTP: what
      each server does per sentence (argostranslatefiles translate_html on
      the escaped sentence), timed inside the LibreTranslate venv.
Targets: (c) >= 1.7x (b). (b)/(d) is the cost of the HTTP path; (a)/(b) of
LibreTranslate's per-sentence decoding plus HTTP. Medians of the repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import importlib.util

from mirsad.mt.engines.engine import EngineOptions
from mirsad.mt.engines.engine_process import EngineProcess
from mirsad.mt.engines.libretranslate import LibreTranslateEngine, ServerPool, ServerSettings
from mirsad.mt.models.packages import install_archive

ROOT = Path(__file__).resolve().parent.parent


def _test_module(name: str):
    """A helper module of tests/ (the servers the tests start), loaded from
    its file: tests/ is not a package."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lt = _test_module("libretranslate_server")
DIGITS = "٠١٢٣٤٥٦٧٨٩"
IN_PROCESS = """
import html, json, sys, time
from argostranslate import translate
from argostranslatefiles.translatehtml import translate_html
languages = {l.code: l for l in translate.get_installed_languages()}
translator = languages["ar"].get_translation(languages["en"])
sentences = json.load(sys.stdin)
translate_html(translator, sentences[0])
start = time.perf_counter()
outputs = [str(translate_html(translator, html.escape(s, quote=False))) for s in sentences]
print(json.dumps({"seconds": time.perf_counter() - start, "outputs": outputs}))
"""


def sentences(count: int) -> list[str]:
    """Distinct sentences (argostranslate keeps the last call's paragraphs):
    corpus sentences, each after a number of its own in Arabic-Indic digits
    (before it: after the sentence's end, LibreTranslate's splitter would
    make it a sentence of its own, translated apart and joined)."""
    lines = (ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv").read_text(encoding="utf-8").splitlines()[1:]
    corpus = [line.split("\t")[0] for line in lines if line.strip()]
    return [f"{''.join(DIGITS[int(d)] for d in str(i))} {corpus[i % len(corpus)]}" for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not lt.available():
        sys.exit(f"bench_scale_out: {lt.VENV} is missing: run `make setup`")
    texts = sentences(args.sentences)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-out-"))
    cores = sorted(os.sched_getaffinity(0))
    servers = [lt.Server(work / name, pairs=("ar_en", "en_fr"), threads=1, waitress_threads=1,
                         cpus={cores[i % len(cores)]}) for i, name in enumerate("ab")]
    local = EngineProcess(install_archive(lt.PACKAGES["ar_en"], work / "models"), EngineOptions(intra_threads=1))
    try:
        one = LibreTranslateEngine(ServerPool(ServerSettings((servers[0].url,))), "ar", "en")
        two = LibreTranslateEngine(ServerPool(ServerSettings(tuple(s.url for s in servers))), "ar", "en")
        contenders = {"(a)": lambda: local.translate(texts), "(b)": lambda: one.translate(texts),
                      "(c)": lambda: two.translate(texts), "(d)": lambda: in_process(servers[0], texts)}
        for run in contenders.values():
            run()  # warm: the servers load their translators at the first request
        times, outputs = rotated_runs(contenders, args.repeats, timed_inside={"(d)"})
        for name in outputs:
            differ = [(t, a, o) for t, a, o in zip(texts, outputs["(a)"], outputs[name]) if a != o]
            assert not differ, f"{name} differs from (a) on {len(differ)} sentence(s), e.g. {differ[0]}"
        for server in servers:
            assert server.attempts() == [], server.attempts()
        report(times, len(texts))
    finally:
        local.close()
        for server in servers:
            server.stop()


def rotated_runs(contenders, repeats: int, timed_inside=frozenset()):
    """Each contender's times and last output texts, run in an order
    rotated from one repeat to the next; those `timed_inside` return
    (seconds, outputs) measured in their own process."""
    times = {name: [] for name in contenders}
    outputs = {}
    for repeat in range(repeats):
        shift = repeat % len(contenders)
        for name in list(contenders)[shift:] + list(contenders)[:shift]:
            start = time.perf_counter()
            result = contenders[name]()
            elapsed = time.perf_counter() - start
            if name in timed_inside:
                elapsed, result = result
            times[name].append(elapsed)
            outputs[name] = [getattr(r, "text", r) for r in result]
    return times, outputs


def in_process(server: lt.Server, texts: list[str]) -> tuple[float, list[str]]:
    done = subprocess.run([lt.VENV / "bin" / "python", "-c", IN_PROCESS], input=json.dumps(texts), env=server.env,
                          capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["seconds"], answer["outputs"]


def report(times: dict[str, list[float]], count: int) -> None:
    labels = {"(a)": "local engine, batched, 1 thread", "(b)": "LibreTranslate, 1 server",
              "(c)": "LibreTranslate, 2 servers", "(d)": "LibreTranslate's code in its process, no HTTP"}
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{count} sentences ar→en, medians of {len(times['(a)'])} repeats\n")
    print("| contender | sentences/s | median s | min–max s |\n|---|---:|---:|---:|")
    for name, values in times.items():
        print(f"| {name} {labels[name]} | {count / median[name]:.1f} | {median[name]:.2f} | "
              f"{min(values):.2f}–{max(values):.2f} |")
    print("\n| ratio | measured | per repeat | target | met |\n|---|---:|---|---:|---|")
    for top, bottom, target in (("(b)", "(c)", 1.7), ("(b)", "(d)", None), ("(b)", "(a)", None)):
        per = ", ".join(f"{b / c:.2f}" for b, c in zip(times[top], times[bottom]))
        ratio = median[top] / median[bottom]
        met = "–" if target is None else ("yes" if ratio >= target else "no")
        goal = f"≥ {target}×" if target else "–"
        print(f"| {top} time / {bottom} time | {ratio:.2f}× | {per} | {goal} | {met} |")


if __name__ == "__main__":
    main()
