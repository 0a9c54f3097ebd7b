"""What search engines and link previews read, on publication builds only:
canonical and absolute hreflang links, Open Graph and Twitter tags, JSON-LD
NewsArticle (a translation names its original), robots.txt with the sitemap,
a 404 page per language and at the root, a favicon. Development builds and
pages that are not indexed carry none of it. Lighthouse (npm, Debian's
Chromium) scores a publication build of the sample site."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading

import pytest

from conftest import ROOT, build, missing_tool

SITEURL = "https://briefings.example.net"
PUBLICATION = {"RELATIVE_URLS": False, "SITEURL": SITEURL}


def linked(page, path: str, attribute: str = "href") -> list[str]:
    return [element.get(attribute) for element in page.xpath(path)]


def structured(page) -> list[dict]:
    return [json.loads(script.text) for script in page.xpath('//script[@type="application/ld+json"]')]


def meta(page, name: str) -> list[str]:
    return linked(page, f'//meta[@property="{name}" or @name="{name}"]', "content")


@pytest.fixture
def published(site):
    site.write("taxonomy.yml", "tags:\n  ليبيا: {slug: libya, en: Libya, fr: Libye}\n")
    site.briefing("isis-sirte", "داعش لا يزال نشطا في سرت", tags="[ليبيا]")
    site.translation("isis-sirte", "en", "ISIS still active in Sirte", body="ISIS is still active in Sirte.")
    return site.build(**PUBLICATION)


def test_a_briefing_page_says_where_it_lives_and_what_it_is(published):
    page = published.page("en/briefings/isis-sirte.html")
    here = f"{SITEURL}/en/briefings/isis-sirte.html"
    assert linked(page, '//link[@rel="canonical"]') == [here]
    # hreflang: the real pages only (French has none yet), x-default the original.
    assert set(linked(page, '//link[@rel="alternate"][@hreflang]')) == {f"{SITEURL}/ar/briefings/isis-sirte.html", here}
    assert meta(page, "og:title") == ["ISIS still active in Sirte"] and meta(page, "og:type") == ["article"]
    assert meta(page, "og:url") == [here] and meta(page, "og:site_name") == ["Mirsad"]
    assert meta(page, "og:locale") == ["en_US"] and meta(page, "og:locale:alternate") == ["ar_EG"]
    assert meta(page, "twitter:card") == ["summary"]
    assert meta(page, "article:published_time") == ["2017-01-25T10:00:00+02:00"]
    [article] = structured(page)
    assert article["@type"] == "NewsArticle" and article["headline"] == "ISIS still active in Sirte"
    assert article["inLanguage"] == "en" and article["url"] == here
    assert article["datePublished"] == "2017-01-25T10:00:00+02:00"
    assert article["publisher"]["name"] == "Mirsad"
    original = f"{SITEURL}/ar/briefings/isis-sirte.html"
    assert article["isBasedOn"] == original and article["translationOfWork"]["@id"] == original
    [source] = structured(published.page("ar/briefings/isis-sirte.html"))
    assert source["inLanguage"] == "ar" and "isBasedOn" not in source


def test_listings_are_websites_with_their_own_canonical_address(published):
    page = published.page("en/tags/libya.html")
    assert linked(page, '//link[@rel="canonical"]') == [f"{SITEURL}/en/tags/libya.html"]
    assert meta(page, "og:type") == ["website"]
    assert structured(page) == []


def test_robots_txt_names_the_sitemap_and_404_pages_lead_home(published):
    assert published.text("robots.txt") == f"User-agent: *\nAllow: /\n\nSitemap: {SITEURL}/sitemap.xml\n"
    for path, lang, home in (("404.html", "ar", "ar/index.html"), ("ar/404.html", "ar", "ar/index.html"),
                             ("en/404.html", "en", "en/index.html"), ("fr/404.html", "fr", "fr/index.html")):
        page = published.page(path)
        assert page.get("lang") == lang
        assert meta(page, "robots") == ["noindex"]
        assert f"{SITEURL}/{home}" in linked(page, "//main//a")
        assert linked(page, '//link[@rel="canonical"]') == [] and structured(page) == []
        links = [href for href in linked(page, "//a[@href] | //link[@href]") if not href.startswith("#")]
        assert links and all(href.startswith(SITEURL) for href in links)  # served at any address
    assert published.page("fr/404.html").findtext(".//h1") == "Page introuvable"
    assert "404" not in published.text("sitemap.xml")


def test_pages_that_are_not_indexed_carry_none_of_it(published):
    for path in ("fr/briefings/isis-sirte.html", "en/search.html"):  # a missing translation, search
        page = published.page(path)
        assert meta(page, "robots") == ["noindex"], path
        assert linked(page, '//link[@rel="canonical"]') == [] and structured(page) == [], path
        assert meta(page, "og:url") == [], path


def test_a_development_build_is_not_on_the_web(site):
    site.briefing("isis-sirte", "داعش لا يزال نشطا في سرت")
    built = site.build()
    page = built.page("ar/briefings/isis-sirte.html")
    assert linked(page, '//link[@rel="canonical"]') == meta(page, "og:url") == structured(page) == []
    assert not (built.output / "robots.txt").exists() and not list(built.output.rglob("404.html"))
    [icon] = linked(page, '//link[@rel="icon"]')
    assert icon == "../../theme/images/favicon.svg" and (built.output / "theme/images/favicon.svg").is_file()


LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
AUDITED = ("ar/index.html", "en/briefings/isis-sirte.html", "fr/tags/libya.html")
CATEGORIES = ("seo", "best-practices", "accessibility")


@pytest.mark.browser
def test_lighthouse_scores_a_publication_build_100(tmp_path):
    from test_browser import chromium_path

    chromium = chromium_path()
    if not chromium or not LIGHTHOUSE.exists():
        missing_tool("Lighthouse needs Debian's chromium and npm's lighthouse (make test installs it)")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "site")))
    siteurl = f"http://127.0.0.1:{server.server_address[1]}"
    # A publication build (absolute URLs) at the local server's address:
    # `invoke build --publish` itself refuses a local address.
    shutil.copytree(ROOT / "content", tmp_path / "content")
    built = build(tmp_path / "content", tmp_path / "site", **{**PUBLICATION, "SITEURL": siteurl})
    assert built.errors == []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        scores = {}
        for path in AUDITED:
            report = tmp_path / "lighthouse.json"
            subprocess.run([str(LIGHTHOUSE), f"{siteurl}/{path}", f"--only-categories={','.join(CATEGORIES)}",
                            "--chrome-flags=--headless=new --no-sandbox", "--output=json",
                            f"--output-path={report}", "--quiet"],
                           env={**os.environ, "CHROME_PATH": chromium}, check=True, timeout=300)
            result = json.loads(report.read_text(encoding="utf-8"))
            failed = [audit_id for audit_id, audit in result["audits"].items()
                      if audit["score"] is not None and audit["score"] < 1
                      and any(ref["id"] == audit_id and ref["weight"] > 0
                              for category in result["categories"].values() for ref in category["auditRefs"])]
            scores[path] = ({name: category["score"] for name, category in result["categories"].items()}, failed)
    finally:
        server.shutdown()
    assert scores == {path: (dict.fromkeys(CATEGORIES, 1), []) for path in AUDITED}
