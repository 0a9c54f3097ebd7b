"""The offline bundle: a built site (relative URLs, every page a .html file)
as one reproducible zip that works when unpacked and opened from disk.

`invoke bundle` builds the site with the project's settings into a
temporary folder and calls `make_bundle`, which copies it, leaves out what
only a web host needs (the sitemap), makes the links inside the Atom feeds
relative, and zips it with its SHA-256 manifest (archive.py). The zip is
named after the site and the newest "last updated" date of the home pages,
which is also every entry's timestamp: the same content gives the same name
and the same bytes.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import logging
import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedgenerator import get_tag_uri
from lxml import etree, html
from unidecode import unidecode

from mirsad.common.output_folders import MARKER
from mirsad.common.settings import plugin_settings
from mirsad.i18n.api import load_config as load_i18n_config

from .archive import EARLIEST, files_of, sha256_file, write_zip

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    # The zip is <name>-<date>.zip; None: SITENAME in ASCII letters.
    "name": None,
    # Built files left out (glob patterns on paths relative to the output
    # folder): the sitemap is for search engines and must hold absolute URLs.
    "exclude": ["sitemap.xml"],
}
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Bundle:
    path: Path
    files: int
    size: int
    sha256: str
    updated: dt.date | None
    absolute: dict[str, int]  # files that still name SITEURL, by suffix (e.g. PDF colophons)


def make_bundle(site: Path, destination: Path, settings: dict[str, Any]) -> Bundle:
    """Zip the built site in `site` into `destination`/<name>-<date>.zip
    (`site` itself is left as it is) and write <zip>.sha256 beside it."""
    options = plugin_settings(settings, "MIRSAD_BUNDLE", DEFAULTS)
    siteurl = (settings.get("SITEURL") or "").rstrip("/")
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".bundle-", dir=destination) as tmp:
        stage = Path(tmp) / "site"
        shutil.copytree(site, stage, ignore=_excluded(site, [*options["exclude"], MARKER]))
        if siteurl:
            for feed in stage.rglob("*.xml"):
                relativise_feed(feed, stage, siteurl)
        updated = last_updated(stage, settings)
        name = bundle_name(options["name"] or settings["SITENAME"])
        path = destination / (f"{name}-{updated.isoformat()}.zip" if updated else f"{name}.zip")
        stamp = dt.datetime.combine(updated, dt.time()) if updated else EARLIEST
        hashes = write_zip(stage, path, stamp)
        absolute = mentions(stage, siteurl) if siteurl else {}
    digest = sha256_file(path)
    path.with_name(path.name + ".sha256").write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return Bundle(path, len(hashes), path.stat().st_size, digest, updated, absolute)


def bundle_name(name: str) -> str:
    """A file-name-safe ASCII form of the site name ("Mirsad" -> "mirsad")."""
    return re.sub(r"[^a-z0-9]+", "-", unidecode(name).lower()).strip("-") or "site"


def _excluded(root: Path, patterns: list[str]):
    def ignore(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(root).as_posix()
        return {name for name in names
                if any(fnmatch.fnmatch(posixpath.normpath(posixpath.join(relative, name)), pattern)
                       for pattern in patterns)}
    return ignore


def relativise_feed(path: Path, root: Path, siteurl: str) -> None:
    """Make an Atom feed's links relative to the feed file, so that they
    point into the bundle; ids stay absolute identifiers, as Atom requires,
    in the tag: form feedgenerator gives entries."""
    try:
        tree = etree.parse(str(path))
    except etree.XMLSyntaxError:
        return
    if tree.getroot().tag != f"{ATOM}feed":
        return
    prefix = posixpath.relpath(".", path.parent.relative_to(root).as_posix())
    absolute = siteurl + "/"
    for element in tree.iter():
        href = element.get("href")
        if element.tag == f"{ATOM}id" and (element.text or "").startswith(absolute):
            element.text = get_tag_uri(element.text, None)
        elif href and href.startswith(absolute):
            element.set("href", prefix + href[len(siteurl):])
        elif element.text and absolute in element.text:  # escaped HTML of a summary or content
            element.text = element.text.replace(absolute, prefix + "/")
    tree.write(str(path), encoding="utf-8", xml_declaration=True)


def last_updated(site: Path, settings: dict[str, Any]) -> dt.date | None:
    """The newest "last updated" date shown on the home pages."""
    config = load_i18n_config(settings)
    dates = []
    for lang in config.codes:
        home = site / config.save_as("index", lang)
        if home.is_file():
            page = html.fromstring(home.read_bytes())
            dates += [dt.date.fromisoformat(value[:10])
                      for value in page.xpath("//*[contains(@class, 'last-updated')]//time/@datetime")]
    return max(dates, default=None)


def mentions(site: Path, siteurl: str) -> dict[str, int]:
    """How many files (by suffix) still name SITEURL: the PDFs link to the
    briefing's web address (their links are absolute, and compressed, so
    they are read with pypdf when it is installed)."""
    needle = siteurl.encode("utf-8")
    found: dict[str, int] = {}
    for name in files_of(site):
        data = (site / name).read_bytes()
        if needle in data or (name.endswith(".pdf") and _pdf_links_to(site / name, siteurl)):
            suffix = Path(name).suffix or name
            found[suffix] = found.get(suffix, 0) + 1
    return found


def _pdf_links_to(path: Path, siteurl: str) -> bool:
    try:
        from pypdf import PdfReader
    except ImportError:  # a test dependency: without it, PDFs are not looked into
        return False
    for page in PdfReader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if str(action.get("/URI", "")).startswith(siteurl):
                return True
    return False
