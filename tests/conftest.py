"""Shared fixtures: real Pelican builds of tiny sites (and of the sample site)
into tmp_path, with helpers to read what a visitor would get."""

from __future__ import annotations

import logging
import os
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree, html

import network_guard

ROOT = Path(__file__).resolve().parent.parent
# CI sets MIRSAD_REQUIRE_TOOLS=1: a missing browser, java or Nu checker is
# then a failure instead of a skip.
REQUIRE_TOOLS = os.environ.get("MIRSAD_REQUIRE_TOOLS") == "1"
# Builds run in this process, and their worker pool forks only while no
# other thread runs (mirsad.common.workers): numpy (test models, fixtures)
# must not start OpenBLAS's thread pool here. Read when numpy is imported.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
# The test models are trained until their int8 CTranslate2 model reproduces
# the corpus, checked with Intel MKL's GEMM. Off Intel, CTranslate2 picks
# oneDNN instead, whose int8 kernels round differently on a CPU without
# AVX-512 VNNI and turn a word of 1 in 64 long sentences (docs/translation.md,
# "Test models"). Same backend on every machine: read when
# ctranslate2 is first imported, and inherited by the builds' workers and the
# LibreTranslate servers the tests start.
os.environ.setdefault("CT2_USE_MKL", "1")


FRESH = "MIRSAD_TEST_IN_FRESH_PROCESS"


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """A test marked fresh_process runs in a new interpreter: the worker pool
    forks only while its process runs one thread, and tests that run
    CTranslate2 or onnxruntime here leave their libraries' threads behind."""
    if pyfuncitem.get_closest_marker("fresh_process") is None or os.environ.get(FRESH):
        return None
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", pyfuncitem.nodeid],
                          cwd=ROOT, env={**os.environ, FRESH: "1"}, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"in a fresh process:\n{done.stdout[-6000:]}{done.stderr[-2000:]}", pytrace=False)
    return True


def pytest_configure(config):
    network_guard.install()
    # Tests choose their own models folder, strictness and cores.
    for name in ("MIRSAD_MODELS_DIR", "MIRSAD_MODELS_INDEX", "MIRSAD_STRICT", "MIRSAD_JOBS"):
        os.environ.pop(name, None)


def missing_tool(reason: str):
    """Skip locally, fail in CI, when a system tool a test needs is absent."""
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason} (MIRSAD_REQUIRE_TOOLS=1)")
    pytest.skip(reason)


@dataclass
class Built:
    """A built site: its output folder and the errors/warnings logged."""

    output: Path
    errors: list[str]
    warnings: list[str]
    settings: dict

    def page(self, path: str) -> html.HtmlElement:
        return html.fromstring((self.output / path).read_bytes())

    def text(self, path: str) -> str:
        return (self.output / path).read_text(encoding="utf-8")

    def xml(self, path: str) -> etree._Element:
        return etree.fromstring((self.output / path).read_bytes())

    def html_files(self) -> list[Path]:
        return sorted(self.output.rglob("*.html"))


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def build(content: Path, output: Path, **overrides) -> Built:
    """Run a real Pelican build of `content` with the project's settings."""
    from pelican import Pelican
    from pelican.settings import read_settings

    # No build in a test sees the developer's installed models or memory.
    overrides.setdefault("MIRSAD_MT", {"models_dir": str(output.parent / "no-models"),
                                       "memory": str(output.parent / "cache" / "tm.sqlite")})

    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={"PATH": str(content), "OUTPUT_PATH": str(output),
                  "CACHE_PATH": str(output.parent / "cache"),
                  "MIRSAD_PROJECT_ROOT": str(output.parent), **overrides},
    )
    collector = _Collector()
    logging.getLogger().addHandler(collector)
    try:
        Pelican(settings).run()
    finally:
        logging.getLogger().removeHandler(collector)
    messages = [(r.levelno, r.getMessage()) for r in collector.records]
    return Built(
        output,
        [m for level, m in messages if level >= logging.ERROR],
        [m for level, m in messages if level == logging.WARNING],
        settings,
    )


def briefing(title: str, body: str = "نص الموجز.", **fields) -> str:
    """A briefing file: YAML front matter from keyword arguments, then the body."""
    lines = [f'title: "{title}"'] + [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + textwrap.dedent(body).strip() + "\n"


class SiteMaker:
    def __init__(self, root: Path):
        self.root = root
        self.content = root / "content"
        (self.content / "briefings").mkdir(parents=True)

    def briefing(self, slug: str, title: str, body: str = "نص الموجز.", **fields) -> Path:
        fields.setdefault("date", "2017-01-25 10:00")
        fields.setdefault("slug", slug)
        return self.write(f"briefings/{slug}.md", briefing(title, body, **fields))

    def translation(self, slug: str, lang: str, title: str, body: str = "Text.", **fields) -> Path:
        return self.write(f"translations/{slug}.{lang}.md", briefing(title, body, **fields))

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.content / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        return path

    def build(self, **overrides) -> Built:
        return build(self.content, self.root / "output", **overrides)


@pytest.fixture(scope="module", autouse=True)
def _collected_after_each_module():
    """Translators a module made (CTranslate2 keeps a thread per translator)
    are freed before the next module builds sites: while another thread
    runs, builds in this process cannot fork their workers."""
    yield
    import gc

    gc.collect()


@pytest.fixture
def site(tmp_path) -> SiteMaker:
    return SiteMaker(tmp_path)


@pytest.fixture
def mt_site(site, tmp_path):
    """A site whose builds use a private models folder and memory."""
    models = tmp_path / "models"
    site.mt = {"models_dir": str(models), "memory": str(tmp_path / "cache" / "tm.sqlite")}
    site.models = models
    return site


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Built:
    """The repository's own sample site, built once for the session as
    `make build` builds it once the models are installed: the test models
    (ar→en, en→fr, as the public index has them) machine-translate the
    briefing that has no reviewed translation."""
    from mirsad.mt.models.packages import install_archive

    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "content", root / "content")
    models = root / "models"
    for pair in ("ar_en", "en_fr"):
        install_archive(ROOT / "tests" / "fixtures" / "models" / f"translate-{pair}-test-1.0.argosmodel", models)
    return build(root / "content", root / "output",
                 MIRSAD_MT={"models_dir": str(models), "memory": str(root / "cache" / "tm.sqlite")})
