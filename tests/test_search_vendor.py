"""The vendored browser libraries are the pinned npm packages, unchanged,
with their licences, and match the Python side that builds the index."""

import json
import re

import lunr
import pytest
import snowballstemmer

from conftest import ROOT, missing_tool

VENDOR = ROOT / "themes/mirsad/static/js/vendor"
PINNED = {"lunr": "2.3.9", "lunr-languages": "1.22.0"}
FILES = {
    "lunr.min.js": ("lunr", "lunr.min.js"),
    "lunr.stemmer.support.min.js": ("lunr-languages", "min/lunr.stemmer.support.min.js"),
    "lunr.fr.min.js": ("lunr-languages", "min/lunr.fr.min.js"),
    "LICENSE-lunr.txt": ("lunr", "LICENSE"),
    "LICENSE-lunr-languages.txt": ("lunr-languages", "LICENSE"),
}


def test_package_json_pins_the_vendored_versions():
    declared = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert {name: declared[name] for name in PINNED} == PINNED
    notes = (VENDOR / "README.md").read_text()
    for version in PINNED.values():
        assert f"| {version} |" in notes


@pytest.mark.parametrize("name", FILES)
def test_vendored_file_is_the_packaged_one(name):
    package, path = FILES[name]
    installed = ROOT / "node_modules" / package
    if not installed.is_dir():
        missing_tool("node_modules/ not installed (`npm ci`, run by `make test`)")
    assert json.loads((installed / "package.json").read_text())["version"] == PINNED[package]
    assert (VENDOR / name).read_bytes() == (installed / path).read_bytes()


def test_python_side_matches_the_browser_side():
    # lunr.py writes the index format of the lunr.js it targets.
    assert lunr.__TARGET_JS_VERSION__ == PINNED["lunr"]
    assert re.search(r"lunr .* - (\d+\.\d+\.\d+)", (VENDOR / "lunr.min.js").read_text()).group(1) == PINNED["lunr"]
    # lunr-languages 1.22.0 stems French with the Snowball rules of
    # snowballstemmer 2.2.0 (3.x stems "-aise" differently).
    assert snowballstemmer.stemmer("french").stemWord("libanaise") == "libanais"
