"""Every page of the sample site passes the Nu Html Checker with no errors."""

import json
import shutil
import subprocess

import pytest

from conftest import ROOT, missing_tool

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.mark.nu
def test_sample_pages_and_stylesheet_pass_the_nu_checker(sample):
    java = shutil.which("java")
    if not java or not VNU.exists():
        missing_tool("the Nu checker needs java and node_modules/vnu-jar (run `make setup`)")
    pages = [str(p) for p in sample.html_files()]
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--also-check-css", "--format", "json",
         *pages, str(sample.output / "theme/css/mirsad.css")],
        capture_output=True, text=True, timeout=600,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in messages]
    assert errors == []
    assert len(pages) > 60
