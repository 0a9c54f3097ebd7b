"""A Mirsad project in a temporary folder, built the way `invoke build
--publish` builds it, for the deploy tests (tests/test_deploy*.py): the
repository's settings, plugins and theme, one language (no models needed)
and no PDFs, so that a build takes a few seconds."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from conftest import ROOT, briefing

from mirsad.build.api import finished_build
from mirsad.common.output_folders import MARKER
from mirsad.deploy.api import deploy_build, deploy_settings
from mirsad.tasks.build import build
from mirsad.tasks.site import Site

# The address the deploy tests publish at (never contacted: deploys go to 127.0.0.1).
PUBLISHED = "https://briefings.mirsad.news"

QUICK = """
# deploy tests: one language, no PDFs
MIRSAD_I18N = {**MIRSAD_I18N, "languages": ["ar"]}
MIRSAD_PDF = {**MIRSAD_PDF, "briefings": False, "digest": False}
"""


def project(root: Path, briefings: int = 2) -> Site:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pelicanconf.py").write_text((ROOT / "pelicanconf.py").read_text(encoding="utf-8") + QUICK,
                                         encoding="utf-8")
    shutil.copy(ROOT / "publishconf.py", root)
    for folder in ("plugins", "themes"):
        (root / folder).symlink_to(ROOT / folder)
    for number in range(1, briefings + 1):
        write_briefing(root, f"b{number}", f"موجز رقم {number}")
    return Site(root, Path(sys.executable).parent)


def write_briefing(root: Path, slug: str, title: str) -> Path:
    path = root / "content" / "briefings" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(briefing(title, date="2017-01-25 10:00", slug=slug), encoding="utf-8")
    return path


def publish_build(site: Site) -> Path:
    return build(site, publish=True)


def deploy(site: Site, to: str, **options):
    """Deploy the project's finished build as `invoke deploy` does, and what it printed."""
    lines: list[str] = []
    config = deploy_settings(site.settings(publish=True))
    config.update(options.pop("config", {}))
    output = finished_build(site.cache, site.output).output
    result = deploy_build(output, to, config, site_url=site.settings(publish=True)["SITEURL"],
                          say=lines.append, **options)
    return result, lines


def files_under(folder: Path) -> dict[str, bytes]:
    """The site's files (not the marker that says Mirsad made a local folder: it is not deployed)."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MARKER}


def published_project(root: Path, monkeypatch) -> Site:
    """A project built with `invoke build --publish` at PUBLISHED."""
    monkeypatch.setenv("MIRSAD_SITEURL", PUBLISHED)
    site = project(root)
    publish_build(site)
    return site
