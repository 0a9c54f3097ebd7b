"""The same briefing gives the same PDF bytes on every build with either font
subsetter WeasyPrint 70 may use: HarfBuzz (libharfbuzz-subset0) or, on a
machine without it, fontTools (see plugins/mirsad/pdf/renderer.py).

Each build runs in a fresh process (its own hash seed, clock and, for
fontTools, a libharfbuzz-subset that cannot be loaded, as on a machine
without the package): this file is also the child's script."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from conftest import SiteMaker, build, missing_tool

TIMEOUT = 300
BRIEFING = ("تقرير ألفا عن ليبيا",
            "نص أول عن **بعثة الأمم المتحدة** (UNSMIL) في 20 سبتمبر 2017، *Ghassan Salamé*.\n\n"
            "فقرة ثانية.")


def hide_harfbuzz_subset() -> None:
    """Make WeasyPrint's dlopen of libharfbuzz-subset fail, as it does where
    the library is not installed (weasyprint/text/ffi.py then falls back to
    fontTools). Must run before WeasyPrint is imported."""
    import cffi.api

    dlopen = cffi.api.FFI.dlopen

    def without_harfbuzz_subset(ffi, name, flags=0):
        if "harfbuzz-subset" in str(name):
            raise OSError(f"{name}: hidden by {__file__}")
        return dlopen(ffi, name, flags)

    cffi.api.FFI.dlopen = without_harfbuzz_subset


def child(subsetter: str, content: str, output: str) -> None:
    """Build the site in this process; print what the parent checks, as JSON."""
    if subsetter == "fonttools":
        hide_harfbuzz_subset()
    notices = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: notices.append(record.getMessage())
    logging.getLogger("mirsad.pdf").addHandler(handler)
    logging.getLogger("mirsad.pdf").setLevel(logging.INFO)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built = build(Path(content), Path(output))
    from mirsad.common import report
    from weasyprint.pdf import fonts

    print(json.dumps({
        "harfbuzz_subset": fonts.harfbuzz_subset is not None,
        "errors": built.errors,
        "warnings": built.warnings,
        "python_warnings": [str(w.message) for w in caught],
        "notices": [m for m in notices if "libharfbuzz-subset0" in m],
        "report": report.report(built.settings).get("PDFs", []),
    }))


def build_in_child(subsetter: str, content: Path, output: Path, **env: str) -> dict:
    """Build in a new Python process; `env`: its variables besides ours (without
    SOURCE_DATE_EPOCH unless given)."""
    inherited = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    result = subprocess.run(
        [sys.executable, __file__, subsetter, str(content), str(output)],
        env={**inherited, **env}, capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def harfbuzz_subset_installed() -> bool:
    from mirsad.pdf.renderer import subsetter

    return subsetter() == "harfbuzz"


@pytest.mark.parametrize("subsetter", ["fonttools", "harfbuzz"])
def test_two_builds_in_fresh_processes_give_byte_identical_pdfs(subsetter, tmp_path):
    if subsetter == "harfbuzz" and not harfbuzz_subset_installed():
        missing_tool("libharfbuzz-subset0 not installed (Debian package libharfbuzz-subset0)")
    site = SiteMaker(tmp_path / "site")
    site.briefing("alpha", *BRIEFING, tags="[ليبيا]")
    first = build_in_child(subsetter, site.content, tmp_path / "one" / "output", PYTHONHASHSEED="1")
    # Another hash seed, and a SOURCE_DATE_EPOCH of the user's: still the same bytes.
    second = build_in_child(subsetter, site.content, tmp_path / "two" / "output",
                            PYTHONHASHSEED="2", SOURCE_DATE_EPOCH="1500000000")

    for run in (first, second):
        assert run["harfbuzz_subset"] == (subsetter == "harfbuzz"), run
        assert not run["errors"], run["errors"]
        # No warning per font and PDF, nor WeasyPrint's DeprecationWarning at import ...
        assert not [w for w in run["warnings"] if "HarfBuzz" in w or "fontTools" in w], run["warnings"]
        assert not [w for w in run["python_warnings"] if "HarfBuzz" in w], run["python_warnings"]
        # ... but one notice per build (log and build report) without the library.
        expected = 1 if subsetter == "fonttools" else 0
        assert len(run["notices"]) == expected and len(run["report"]) == expected, run
        if expected:
            assert "sudo apt-get install libharfbuzz-subset0" in run["report"][0]

    one, two = tmp_path / "one" / "output", tmp_path / "two" / "output"
    pdfs = sorted(path.relative_to(one) for path in one.rglob("*.pdf"))
    assert Path("ar/briefings/alpha.pdf") in pdfs and Path("ar/digest.pdf") in pdfs
    for pdf in pdfs:
        assert (one / pdf).read_bytes() == (two / pdf).read_bytes(), f"{pdf} differs ({subsetter})"


if __name__ == "__main__":
    child(*sys.argv[1:])
