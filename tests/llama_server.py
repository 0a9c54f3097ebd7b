"""Real llama.cpp servers on 127.0.0.1 for the tests: llama-cpp-python
0.3.36's OpenAI-compatible server (`python -m llama_cpp.server`, its
llama_cpp/server/settings.py for the flags) from its own virtual
environment (.venv-llamacpp, `make setup`; requirements-llamacpp.lock,
compiled for the CPU), serving the tiny test model
tests/fixtures/llm/mirsad-test-llm.gguf (tools/build_test_llm.py).

Offline, and proved so, as the LibreTranslate servers are
(tests/libretranslate_server.py, whose process handling this reuses): a
sitecustomize.py installs tests/network_guard.py's audit hook in the
server's interpreter and writes each refused attempt to `attempts.log`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from libretranslate_server import _GUARD, Server, free_port, guarded_servers

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("MIRSAD_LLAMACPP_VENV") or ROOT / ".venv-llamacpp")
MODEL = ROOT / "tests" / "fixtures" / "llm" / "mirsad-test-llm.gguf"
ALIAS = "mirsad-test-llm"
__all__ = ["ALIAS", "LlamaServer", "available", "free_port", "servers"]


def available() -> bool:
    python = VENV / "bin" / "python"
    return python.exists() and subprocess.run([python, "-c", "import llama_cpp.server"],
                                              capture_output=True).returncode == 0


class LlamaServer(Server):
    name, ready_path = "llama_cpp.server", "/models"

    def __init__(self, home: Path, threads: int = 1, api_key: str = ""):
        """`api_key`: the Bearer key it then wants with every request (app.py, authenticate)."""
        self.home = home
        self.ready_headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        (home / "guard").mkdir(parents=True, exist_ok=True)
        (home / "guard" / "sitecustomize.py").write_text(_GUARD.format(tests=str(ROOT / "tests"), home=str(home)))
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "PYTHONPATH": str(home / "guard"),
               "OMP_NUM_THREADS": str(threads), "PYTHONWARNINGS": "ignore"}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log = open(home / "server.log", "wb")
        self.process = subprocess.Popen(
            [VENV / "bin" / "python", "-m", "llama_cpp.server", "--model", str(MODEL), "--model_alias", ALIAS,
             "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "1024", "--seed", "0",
             "--n_threads", str(threads), "--n_threads_batch", str(threads), "--verbose", "False",
             *(["--api_key", api_key] if api_key else [])],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready(60)

    def entry(self, **options) -> dict:
        """Its MIRSAD_MT["servers"] entry."""
        return {"url": self.url, "api": "openai", "model": ALIAS, **options}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two llama.cpp servers for a test module."""
    from conftest import missing_tool  # here: bench/bench_llm.py loads this module without tests/ on sys.path

    if not available():
        missing_tool(f"llama-cpp-python's venv {VENV} is missing: run `make setup`")
    yield from guarded_servers(lambda name: LlamaServer(tmp_path_factory.mktemp(f"llama-{name}")))
