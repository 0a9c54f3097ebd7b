"""A build's state is one BuildSession (mirsad.common.session), and a build
that stops on an exception still ends with its report."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_all_the_state_a_build_leaves_in_its_settings_is_one_session(site):
    from mirsad.common.session import BuildSession

    site.briefing("one", "عنوان")
    built = site.build()
    ours = {key: value for key, value in built.settings.items() if key.startswith("_")}
    assert list(ours) == ["_MIRSAD_SESSION"] and isinstance(ours["_MIRSAD_SESSION"], BuildSession)
    session = ours["_MIRSAD_SESSION"]
    assert session.report["Time"] and session.log.finished and session.writer is not None


def test_a_build_that_stops_on_an_exception_prints_its_report_as_it_exits(site):
    """Pelican logs the exception as CRITICAL and exits; the report and the
    summary come after it, printed at exit (not from the logging handler)."""
    site.briefing("one", "عنوان")
    run = subprocess.run(
        [sys.executable, "-m", "pelican", str(site.content), "-s", str(ROOT / "pelicanconf.py"),
         "-o", str(site.root / "output"), "-e", 'MIRSAD_JOBS="zero"',
         'MIRSAD_PDF={"briefings": false, "digest": false}', f'CACHE_PATH="{site.root / "cache"}"',
         f'MIRSAD_MT={{"models_dir": "{site.root / "no-models"}", "memory": "{site.root / "tm.sqlite"}"}}'],
        capture_output=True, text=True, cwd=site.root, timeout=300)
    assert run.returncode == 1
    assert "Mirsad build report" in run.stderr
    summary = [line for line in run.stderr.splitlines() if line.startswith("Summary:")]
    assert summary == ["Summary: 1 error, 0 warnings — the build stopped at the last error"]
    assert "MIRSAD_JOBS must be a positive integer" in run.stderr.split("Mirsad build report")[1]
