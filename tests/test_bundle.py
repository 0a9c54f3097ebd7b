"""The offline bundle, made by the real task (`invoke bundle`) once for this
module, unpacked into tmp_path and read as a field team would: from disk,
in a real Chromium, with no server and no network."""

import hashlib
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from lxml import etree, html

from conftest import ROOT
from test_browser import browser  # noqa: F401  (the project's Chromium fixture)
from test_search_browser import SPELLINGS, assert_same_results, found

INVOKE = [str(Path(sys.executable).parent / "invoke")]
TEXT_SUFFIXES = {".html", ".xml", ".js", ".css", ".txt", ".md"}
LINK_ATTRIBUTES = ("href", "src", "action")
# The browser's own parts (its PDF viewer), never a network request.
BROWSER_INTERNAL = {"chrome", "chrome-extension", "data", "blob"}


@dataclass
class Made:
    zip: Path
    root: Path  # where it was unpacked
    stdout: str


def invoke(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*INVOKE, *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def make(folder: Path) -> Path:
    run = invoke("bundle", "--output", str(folder))
    assert run.returncode == 0, run.stdout + run.stderr
    [made] = folder.glob("*.zip")
    return made


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Made:
    folder = tmp_path_factory.mktemp("bundle")
    made = make(folder / "dist")
    with zipfile.ZipFile(made) as archive:
        archive.extractall(folder / "unpacked")
    return Made(made, folder / "unpacked", "")


def siteurl() -> str:
    from pelican.settings import read_settings

    return read_settings(str(ROOT / "pelicanconf.py"))["SITEURL"].rstrip("/")


def local_links(root: Path):
    """(file, link) for every relative link of every page and feed."""
    for path in sorted(root.rglob("*.html")):
        tree = html.fromstring(path.read_bytes())
        for element in tree.iter():
            for attribute in LINK_ATTRIBUTES:
                value = element.get(attribute)
                if value and not re.match(r"^([a-z][a-z0-9+.-]*:|#)", value, re.I):
                    yield path, value
    for path in sorted(root.rglob("*.xml")):
        for element in etree.parse(str(path)).iter("{http://www.w3.org/2005/Atom}link"):
            yield path, element.get("href")


def test_zip_is_named_after_the_site_and_its_last_update_with_the_root_page(bundle):
    home = html.fromstring((bundle.root / "ar/index.html").read_bytes())
    updated = home.find(".//*[@class='briefing-meta last-updated']/time").get("datetime")
    assert bundle.zip.name == f"mirsad-{updated}.zip"
    digest = hashlib.sha256(bundle.zip.read_bytes()).hexdigest()
    assert bundle.zip.with_name(bundle.zip.name + ".sha256").read_text() == f"{digest}  {bundle.zip.name}\n"
    root = html.fromstring((bundle.root / "index.html").read_bytes())
    assert root.find(".//meta[@http-equiv='refresh']").get("content").endswith("url=./ar/index.html")


def test_manifest_lists_every_file_with_its_sha256(bundle):
    listed = {}
    for line in (bundle.root / "SHA256SUMS").read_text().splitlines():
        digest, path = line.split("  ", 1)
        listed[path] = digest
    on_disk = {p.relative_to(bundle.root).as_posix() for p in bundle.root.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"SHA256SUMS"}
    for path, digest in listed.items():
        assert hashlib.sha256((bundle.root / path).read_bytes()).hexdigest() == digest, path
    assert "sitemap.xml" not in listed  # for search engines, which an offline copy has none of
    for lang in ("ar", "en", "fr"):
        assert f"{lang}/search-index.js" in listed
        assert f"{lang}/briefings/isis-sirte.pdf" in listed


def test_every_link_resolves_inside_the_bundle(bundle):
    checked = 0
    for page, link in local_links(bundle.root):
        target = (page.parent / unquote(link.split("#")[0].split("?")[0])).resolve()
        assert target.is_relative_to(bundle.root.resolve()) and target.is_file(), f"{page}: {link}"
        checked += 1
    assert checked > 1000


def test_nothing_links_to_the_sites_own_host(bundle):
    host = siteurl()
    for path in bundle.root.rglob("*"):
        if path.suffix in TEXT_SUFFIXES:
            assert host not in path.read_text(encoding="utf-8"), path
    feed = etree.parse(str(bundle.root / "fr/feed.atom.xml"))
    ids = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}id")]
    assert ids and all(i.startswith("tag:") for i in ids)  # identifiers, never fetched


def test_pdf_links_point_only_to_the_published_site(bundle):
    # A PDF travels on its own (mailed, printed), so its links are the
    # published web addresses (issue 5: "the link back to the web version"),
    # never another host. HTML pages of the bundle never use them.
    from pypdf import PdfReader

    host = siteurl()
    uris = [str(annotation.get_object()["/A"]["/URI"])
            for pdf in sorted(bundle.root.rglob("*.pdf")) for page in PdfReader(pdf).pages
            for annotation in page.get("/Annots") or []
            if "/URI" in (annotation.get_object().get("/A") or {})]
    written = set()  # links the briefings themselves contain
    for page in bundle.root.rglob("briefings/*.html"):
        written |= set(re.findall(r'href="(https?://[^"]+)"', page.read_text(encoding="utf-8")))
    assert uris and all(uri.startswith(host + "/") or uri in written for uri in uris), uris[:5]


def test_verify_passes_and_reports_altered_missing_and_extra_files(bundle, tmp_path):
    run = invoke("bundle", "--verify", str(bundle.zip))
    assert run.returncode == 0 and "OK" in run.stdout, run.stdout + run.stderr
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle.zip) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "ar/index.html":
                data = data.replace("سرت".encode(), "طرابلس".encode()) + b"<!-- -->"
            if info.filename != "en/index.html":
                target.writestr(info, data)
        target.writestr("ar/extra.js", b"alert(1)")
    run = invoke("bundle", "--verify", str(tampered))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "altered: ar/index.html" in run.stdout
    assert "missing: en/index.html" in run.stdout
    assert "extra: ar/extra.js" in run.stdout
    # An unpacked bundle can be checked too.
    (bundle.root / "fr/archives.html").write_bytes(b"<p>changed</p>")
    try:
        run = invoke("bundle", "--verify", str(bundle.root))
        assert run.returncode == 1 and "altered: fr/archives.html" in run.stdout, run.stdout
    finally:
        with zipfile.ZipFile(bundle.zip) as archive:
            (bundle.root / "fr/archives.html").write_bytes(archive.read("fr/archives.html"))


def test_bytes_changed_inside_the_zip_are_reported(bundle, tmp_path):
    data = bytearray(bundle.zip.read_bytes())
    with zipfile.ZipFile(bundle.zip) as archive:
        info = archive.getinfo("en/archives.html")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    run = invoke("bundle", "--verify", str(damaged))
    assert run.returncode == 1 and "altered: en/archives.html" in run.stdout, run.stdout


def test_two_builds_give_identical_bytes(bundle, tmp_path):
    again = make(tmp_path / "again")
    assert again.name == bundle.zip.name
    assert again.read_bytes() == bundle.zip.read_bytes()
    with zipfile.ZipFile(again) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names) and not any(name.endswith("/") for name in names)
    assert len({info.date_time for info in infos}) == 1


@pytest.mark.browser
def test_offline_reader_journey_from_disk(browser, bundle):  # noqa: F811
    context = browser.new_context(accept_downloads=True)
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.goto((bundle.root / "index.html").as_uri())
    page.wait_for_url(re.compile(r"/ar/index\.html$"))
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.evaluate("document.fonts.check('16px \"Noto Naskh Arabic\"', 'ب')")
    # To English, a briefing, back to Arabic: the same briefing.
    page.click("nav.language-switcher a[lang=en]")
    page.wait_for_url(re.compile(r"/en/index\.html$"))
    page.click(".card__title a >> nth=0")
    page.wait_for_url(re.compile(r"/en/briefings/[^/]+\.html$"))
    slug = page.url.rsplit("/", 1)[1]
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    page.click("nav.language-switcher a[lang=ar]")
    page.wait_for_url(re.compile(rf"/ar/briefings/{re.escape(slug)}$"))
    # Search from the header: the seed briefing, whatever the spelling.
    page.fill("#site-search-query", "سرت")
    page.press("#site-search-query", "Enter")
    page.wait_for_url(re.compile(r"/ar/search\.html\?q="))
    assert "briefings/isis-sirte.html" in found(page)
    for variants in SPELLINGS:
        assert_same_results(page, variants)
    # The seed briefing from the results, then its PDF.
    page.fill("#search-query", "سرت")
    page.press("#search-query", "Enter")
    found(page)
    page.click("#search-results a[href='briefings/isis-sirte.html']")
    page.wait_for_url(re.compile(r"/ar/briefings/isis-sirte\.html$"))
    # From file:// the link's `download` is ignored (no origin): Chromium
    # opens the PDF in its own viewer, whose parts are chrome:// resources.
    page.click("a[type='application/pdf']")
    page.wait_for_url(re.compile(r"/ar/briefings/isis-sirte\.pdf$"))
    pdf = Path(unquote(urlparse(page.url).path))
    assert pdf == (bundle.root / "ar/briefings/isis-sirte.pdf") and pdf.read_bytes()[:5] == b"%PDF-"
    context.close()
    site = [url for url in requests if urlparse(url).scheme == "file"]
    assert len(site) > 20 and all(url.startswith(bundle.root.as_uri()) for url in site), site
    assert {urlparse(url).scheme for url in requests} <= BROWSER_INTERNAL | {"file"}, requests
