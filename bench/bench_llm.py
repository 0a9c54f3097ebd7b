"""LLM servers: sentences/second through 1 and 2 llama.cpp servers
(llama-cpp-python 0.3.36's server, tests/llama_server.py) with the tiny
test model (tests/fixtures/llm/), against the local CTranslate2 engine with
the tiny test Argos package, in one run.

    .venv/bin/python bench/bench_llm.py [--sentences 192] [--repeats 3]

Needs .venv-llamacpp (`make setup`). Each server runs one thread. The
sentences are the corpus' Arabic lines, repeated (both test models
reproduce them; an off-corpus sentence would make the tiny LLM run to
max_tokens and measure that instead). No memory: every sentence is
translated each time. The tiny models make decoding cheap, so the figures
show the per-request overheads (HTTP, JSON, the chat template, one
segment per request) at their largest share; a real LLM's decoding
dominates them.

Contenders, in an order rotated from one repeat to the next:
  (a) local engine (EngineProcess, 1 intra thread): one call, batched;
  (b) OpenAIEngine, 1 server (4 requests in flight);
  (c) OpenAIEngine, 2 servers (the requests shared).
Medians of the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench_scale_out import ROOT, _test_module, lt, rotated_runs
from mirsad.mt.engines.engine import EngineOptions
from mirsad.mt.engines.engine_process import EngineProcess
from mirsad.mt.engines.llm_prompt import PromptContext
from mirsad.mt.engines.openai import LLMSettings, OpenAIEngine, OpenAIPool
from mirsad.mt.models.packages import install_archive

sys.modules.setdefault("libretranslate_server", lt)  # what llama_server imports by name
llama_server = _test_module("llama_server")


def sentences(count: int) -> list[str]:
    lines = (ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv").read_text(encoding="utf-8").splitlines()[1:]
    corpus = [line.split("\t")[0] for line in lines if line.strip()]
    return [corpus[i % len(corpus)] for i in range(count)]


def engine(*servers) -> OpenAIEngine:
    pool = OpenAIPool(LLMSettings(tuple(s.url for s in servers), llama_server.ALIAS))
    return OpenAIEngine(pool, "ar", "en", lambda text: PromptContext())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=192)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not llama_server.available():
        sys.exit(f"bench_llm: {llama_server.VENV} is missing: run `make setup`")
    texts = sentences(args.sentences)
    work = Path(tempfile.mkdtemp(prefix="bench-llm-"))
    servers = [llama_server.LlamaServer(work / name) for name in "ab"]
    local = EngineProcess(install_archive(lt.PACKAGES["ar_en"], work / "models"), EngineOptions(intra_threads=1))
    try:
        one, two = engine(servers[0]), engine(*servers)
        contenders = {"(a)": lambda: local.translate(texts), "(b)": lambda: one.translate(texts),
                      "(c)": lambda: two.translate(texts)}
        times, outputs = rotated_runs(contenders, args.repeats)
        for name in outputs:
            assert outputs[name] == outputs["(a)"], f"{name} differs from (a)"  # both reproduce the corpus
        for server in servers:
            assert server.attempts() == [], server.attempts()
        report(times, len(texts))
    finally:
        local.close()
        for server in servers:
            server.stop()


def report(times: dict[str, list[float]], count: int) -> None:
    labels = {"(a)": "local CTranslate2 engine, batched, 1 thread", "(b)": "llama.cpp, 1 server",
              "(c)": "llama.cpp, 2 servers"}
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{count} sentences ar→en, medians of {len(times['(a)'])} repeats\n")
    print("| contender | sentences/s | median s | min–max s |\n|---|---:|---:|---:|")
    for name, values in times.items():
        print(f"| {name} {labels[name]} | {count / median[name]:.1f} | {median[name]:.2f} | "
              f"{min(values):.2f}–{max(values):.2f} |")
    print(f"\n(b)/(c): {median['(b)'] / median['(c)']:.2f}×; (b)/(a): {median['(b)'] / median['(a)']:.2f}×")


if __name__ == "__main__":
    main()
