"""The developers' tasks: `invoke test`, `i18n`, `lock`, `lock-check` and `bench`."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .site import Site


def run(*command: str | Path) -> str:
    """Run a command, failing (CalledProcessError) when it does; its output is the caller's."""
    return subprocess.run([str(part) for part in command], check=True, stdout=subprocess.PIPE,
                          text=True).stdout


def test(site: Site, expression: str = "", first_failure: bool = False) -> None:
    """The import contracts (pyproject.toml, [tool.importlinter]), then the whole test suite."""
    subprocess.run([site.bin / "lint-imports", "--no-cache"], check=True)
    subprocess.run([site.bin / "python", "-m", "pytest", *(["-k", expression] if expression else []),
                    *(["-x"] if first_failure else [])], check=True)


def i18n(site: Site) -> None:
    """Extract UI strings from the templates and update the ar/en/fr catalogs."""
    catalogs = site.theme / "translations"
    pot = site.root / ".build" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run([site.bin / "pybabel", "extract", "-F", site.root / "babel.cfg", "-o", pot, "--no-location",
                    "--omit-header", site.theme / "templates"], check=True)
    for lang in ("ar", "en", "fr"):
        command = "update" if (catalogs / lang).exists() else "init"
        subprocess.run([site.bin / "pybabel", command, "-i", pot, "-d", catalogs, "-l", lang,
                        *(["--no-fuzzy-matching"] if command == "update" else [])], check=True)


LOCKS = (("test", "requirements.lock"), ("test,bench", "requirements-bench.lock"))


def lock(site: Site) -> None:
    """Regenerate requirements.lock (runtime + test) and requirements-bench.lock
    (+ argostranslate, torch, onnx for bench/ and tools/) in clean venvs."""
    for extras, lock_file in LOCKS:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "venv", f"{tmp}/venv"], check=True)
            subprocess.run([f"{tmp}/venv/bin/pip", "install", "--quiet", f"{site.root}[{extras}]"], check=True)
            frozen = run(f"{tmp}/venv/bin/pip", "freeze", "--exclude", "mirsad")
        header = f"# Pinned dependency set ({extras}). Regenerate: `invoke lock`.\n"
        (site.root / lock_file).write_text(header + frozen)


def lock_check(site: Site, pythons: list[str]) -> None:
    """Check that every pin of the lock files has a wheel for each Python
    version (pip's dry run for that version, against the registry). torch's
    CPU build (+cpu) comes from the PyTorch CPU index or this machine's
    disk, not from PyPI: it is left out of the check, and named."""
    for _, lock_file in LOCKS:
        pins = (site.root / lock_file).read_text(encoding="utf-8").splitlines()
        local = [pin for pin in pins if "+" in pin.split("==")[-1]]
        with tempfile.TemporaryDirectory() as tmp:
            checked = Path(tmp) / "pins.txt"
            checked.write_text("\n".join(pin for pin in pins if pin not in local) + "\n", encoding="utf-8")
            for version in pythons:
                subprocess.run([site.bin / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                "--dry-run", "--ignore-installed", "--no-deps", "--only-binary=:all:",
                                "--python-version", version, "--target", f"{tmp}/target", "-r", checked],
                               check=True)
                print(f"{lock_file}: every pin has a wheel for Python {version}"
                      + (f" (not checked: {', '.join(local)}, from the PyTorch CPU index)" if local else ""))


BENCHMARKS = {  # script: its arguments for a quick smoke run (not for figures)
    "bench_translate.py": ["--sentences", "60", "--repeats", "1"],
    "bench_pdf.py": [],
    "bench_bundle.py": [],
    "bench_build.py": ["--sizes", "30,60"],
    "bench_scale_out.py": ["--sentences", "200", "--repeats", "1"],
    "bench_llm.py": ["--sentences", "64", "--repeats", "1"],
}


def bench(site: Site, quick: bool = False) -> None:
    """Run every benchmark in bench/ (needs requirements-bench.lock: `make bench`)."""
    for script, quick_args in BENCHMARKS.items():
        print(f"\n== {script} ==", flush=True)
        subprocess.run([site.bin / "python", site.root / "bench" / script, *(quick_args if quick else [])],
                       check=True)
