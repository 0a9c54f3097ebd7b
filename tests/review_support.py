"""A project for the review commands' tests: a site in tmp_path with the
real test models installed, its own translation memory and lock, built by
the commands in a Pelican process of their own (as `invoke review` does)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import ROOT, SiteMaker
from test_machine_translation import ACTIVE, CLASHES, FRAGILE, install

# A body with every kind of markup a draft must keep.
MARKED_UP = f"""{FRAGILE} [{ACTIVE}](https://example.org/a?b=1&c=2)

- *{CLASHES}*
- #داعش

| {ACTIVE} | {CLASHES} |
|---|---|
| {FRAGILE} | **{CLASHES}** |
"""


def review_project(root: Path, **mt_options):
    """(SiteMaker, Project) for a site under `root` with the test models."""
    from pelican.settings import read_settings

    from mirsad.review.commands import Project

    site = SiteMaker(root)
    models = install(root / "models")
    mt = {"models_dir": str(models), "memory": str(root / "cache" / "tm.sqlite"), **mt_options}
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(site.content), "MIRSAD_MT": mt})
    project = Project(Path(sys.executable).parent / "pelican", site.content, ROOT / "pelicanconf.py", settings,
                      root / ".build.lock", {"CACHE_PATH": str(root / "cache"), "MIRSAD_PROJECT_ROOT": str(root)})
    return site, project


def project_of_its_own(root: Path, project) -> None:
    """Copy tasks.py and pelicanconf.py beside the site in `root`, set to the
    project's theme, models and memory: `invoke` then runs there as in a
    newsroom's checkout."""
    for name in ("tasks.py", "pelicanconf.py"):
        (root / name).write_bytes((ROOT / name).read_bytes())
    mt = project.settings["MIRSAD_MT"]
    with open(root / "pelicanconf.py", "a", encoding="utf-8") as handle:
        handle.write(f"\nTHEME = {str(ROOT / 'themes' / 'mirsad')!r}\n"
                     f"MIRSAD_MT = {{**MIRSAD_MT, 'models_dir': {mt['models_dir']!r}, 'memory': {mt['memory']!r}}}\n")
