"""Other Pelican plugins beside Mirsad, and logs off a terminal. A real
third-party plugin (pelican-sitemap, PyPI) that writes sitemap.xml as Mirsad
does: the build says so, names both and the setting that resolves it.
Off a terminal (CI, a log file), a log line is one line, never wrapped in
the middle of a path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

BOTH = ["mirsad", "pelican.plugins.sitemap"]
# Pelican never disconnects a plugin's receivers: pelican-sitemap, once
# loaded, would write sitemap.xml in every later build of the process.
alone_in_its_process = pytest.mark.fresh_process


@alone_in_its_process
def test_a_plugin_writing_mirsads_sitemap_is_named_with_the_setting_that_resolves_it(site):
    site.briefing("one", "داعش لا يزال نشطا في سرت.")
    built = site.build(PLUGINS=BOTH, SITEMAP={"format": "xml"})
    [warning] = [w for w in built.warnings if "sitemap.xml" in w]
    assert "another plugin" in warning and "'pelican.plugins.sitemap'" in warning
    assert "MIRSAD_I18N['sitemap_save_as'] = \"\"" in warning


@alone_in_its_process
def test_with_mirsads_sitemap_left_out_the_other_plugin_writes_it_and_nothing_is_said(site):
    site.briefing("one", "داعش لا يزال نشطا في سرت.")
    built = site.build(PLUGINS=BOTH, SITEMAP={"format": "xml"},
                       MIRSAD_I18N={"languages": ["ar", "en", "fr"], "sitemap_save_as": ""})
    assert [w for w in built.warnings if "another plugin" in w] == []
    sitemap = built.text("sitemap.xml")
    assert "ar/briefings/one.html" in sitemap and "<changefreq>" in sitemap  # pelican-sitemap's own


def test_mirsad_alone_says_nothing_of_other_plugins(site):
    site.briefing("one", "داعش لا يزال نشطا في سرت.")
    assert [w for w in site.build().warnings if "another plugin" in w] == []


def test_off_a_terminal_a_warning_is_one_line_with_its_whole_path(tmp_path):
    content = tmp_path / "content"
    (content / "briefings").mkdir(parents=True)
    name = "a-briefing-whose-file-name-is-long-enough-to-be-wrapped-at-eighty-columns.md"
    (content / "briefings" / name).write_text('---\ntitle: "عنوان"\ndate: 2017-01-25 10:00\nslug: long\n---\n',
                                              encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "invoke", "build", "--content", str(content), "--output",
                          str(tmp_path / "out"), "--cache", str(tmp_path / "cache")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    [line] = [line for line in run.stdout.splitlines() if line.startswith("WARNING mirsad_i18n:")]
    assert f"{content / 'briefings' / name}: the briefing has no text after its front matter" in line


def test_a_second_build_into_the_same_folder_is_not_taken_for_another_plugin(site):
    """Plain `pelican` builds into the folder a previous build wrote."""
    site.briefing("one", "داعش لا يزال نشطا في سرت.")
    site.build()
    assert [w for w in site.build().warnings if "another plugin" in w] == []
