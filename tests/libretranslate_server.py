"""Real LibreTranslate servers on 127.0.0.1, for the tests and
bench/bench_scale_out.py: libretranslate 1.9.6 from its own virtual
environment (.venv-libretranslate, `make setup`; requirements-libretranslate.lock),
the repo's test packages installed in the server's own data folder, offline.

Offline, and proved so: every server runs with a sitecustomize.py that
installs tests/network_guard.py's audit hook in the server's interpreter,
writing each attempt at a non-loopback address (refused before the
socket call) to `attempts.log`; `guard.log` shows the hook was installed.
libretranslate's boot downloads an index only when fewer than two packages
are installed (libretranslate/init.py, check_and_install_models): every
server here has two or more.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("MIRSAD_LIBRETRANSLATE_VENV") or ROOT / ".venv-libretranslate")
MODELS = ROOT / "tests" / "fixtures" / "models"
PACKAGES = {pair: MODELS / f"translate-{pair}-test-1.0.argosmodel" for pair in ("ar_en", "en_fr", "ar_fr")}

_INSTALL = "import sys, argostranslate.package as p\nfor path in sys.argv[1:]: p.install_from_path(path)\n"
_GUARD = textwrap.dedent("""\
    import os, sys
    sys.path.insert(0, {tests!r})
    import network_guard
    with open(os.path.join({home!r}, "guard.log"), "a") as log:
        log.write(f"guard installed in {{os.getpid()}}\\n")
    def _record(event, args):
        try:
            network_guard.audit(event, args)
        except network_guard.NetworkAttempt as error:
            with open(os.path.join({home!r}, "attempts.log"), "a") as log:
                log.write(f"{{error}}\\n")
            raise
    sys.addaudithook(_record)
    """)


def available() -> bool:
    return (VENV / "bin" / "libretranslate").exists()


def guarded_servers(make, names=("a", "b")):
    """Started servers (`make(name)`) for a fixture to yield, stopped after,
    each checked to have had its network guard and no attempt past it."""
    started = []
    try:
        for name in names:
            started.append(make(name))
        yield started
    finally:
        for server in started:
            server.stop()
    for server in started:
        assert server.guarded() and server.attempts() == [], server.attempts()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(home: Path, threads: int = 1) -> dict[str, str]:
    """The server's own data folders (argostranslate/settings.py reads them
    at import), no network, `threads` CTranslate2 threads."""
    # CTranslate2's and its GEMM libraries' switches (CT2_USE_MKL, which the
    # tests pin in conftest.py; MKL_*, ONEDNN_*): the server must compute as
    # the local engine beside it does. On a CPU without AVX-512 VNNI, oneDNN's
    # int8 kernels (CTranslate2's default off Intel) decode off-corpus
    # sentences differently from MKL's.
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "LANG", "LC_ALL", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TMPDIR")
            or k.startswith(("CT2_", "MKL_", "ONEDNN_", "DNNL_"))}
    return {**keep, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config"), "ARGOS_PACKAGES_DIR": str(home / "packages"),
            "ARGOS_DEVICE_TYPE": "cpu", "ARGOS_INTER_THREADS": "1", "ARGOS_INTRA_THREADS": str(threads),
            "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": "1", "PYTHONPATH": str(home / "guard"),
            "PYTHONWARNINGS": "ignore"}


class Server:
    def __init__(self, home: Path, pairs=("ar_en", "en_fr"), threads: int = 1, waitress_threads: int = 4,
                 cpus: set[int] | None = None):
        """`cpus`: the cores it may run on. The only bound on MiniSBD's
        onnxruntime pool, which argostranslate opens with no thread count
        (sbd.py): onnxruntime then starts one spinning thread per core."""
        self.home = home
        (home / "guard").mkdir(parents=True, exist_ok=True)
        (home / "guard" / "sitecustomize.py").write_text(_GUARD.format(tests=str(ROOT / "tests"), home=str(home)))
        self.env = environment(home, threads)
        python = VENV / "bin" / "python"
        subprocess.run([python, "-c", _INSTALL, *(str(PACKAGES[p]) for p in pairs)], env=self.env, check=True,
                       capture_output=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(home / "server.log", "wb")
        self.process = subprocess.Popen(
            [VENV / "bin" / "libretranslate", "--host", "127.0.0.1", "--port", str(self.port), "--disable-web-ui",
             "--disable-files-translation", "--threads", str(waitress_threads)],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
        self._wait_ready()

    name, ready_path = "LibreTranslate", "/languages"  # what answers once the server is up
    ready_headers: dict[str, str] = {}

    def _wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} ended at start:\n{self.output()}")
            try:
                ready = urllib.request.Request(f"{self.url}{self.ready_path}", headers=self.ready_headers)
                with urllib.request.urlopen(ready, timeout=2) as answer:
                    json.load(answer)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {seconds} s:\n{self.output()}")

    def output(self) -> str:
        return (self.home / "server.log").read_text(errors="replace")

    def attempts(self) -> list[str]:
        log = self.home / "attempts.log"
        return log.read_text().splitlines() if log.exists() else []

    def guarded(self) -> bool:
        log = self.home / "guard.log"
        return log.exists() and f"guard installed in {self.process.pid}" in log.read_text()

    def pause(self) -> None:
        """A hung server: it accepts connections (the kernel does) and never answers."""
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
