"""Search in a real headless Chromium, on the sample site opened from disk
(file://, as the offline bundle is read): the browser reads queries exactly
as the build read the briefings, finds them whatever the Arabic spelling,
and is usable with the keyboard and in each page's direction."""

import re
from urllib.parse import quote, urlparse

import pytest
from lxml import html

from mirsad.search.analysis import SEPARATORS, fold, fold_table, terms
from test_browser import browser, server  # noqa: F401  (the project's Chromium and HTTP fixtures)

LANGS = {"ar": "rtl", "en": "ltr", "fr": "ltr"}


def open_search(browser, sample, lang: str, query: str = "", **context_options):  # noqa: F811
    context = browser.new_context(**context_options)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    url = (sample.output / lang / "search.html").as_uri() + (f"?q={query}" if query else "")
    page.goto(url)
    return context, page, requests


def site_words(sample, lang: str) -> list[str]:
    """Every distinct word of the titles and bodies of the `lang` briefings."""
    words = set()
    for path in (sample.output / lang / "briefings").glob("*.html"):
        tree = html.fromstring(path.read_bytes())
        for node in tree.xpath("//h1 | //div[contains(@class, 'briefing__body')]"):
            words.update(node.text_content().split())
    return sorted(words)


def found(page) -> list[str]:
    page.wait_for_selector("#search-status:not(:empty)")
    return [a.get_attribute("href") for a in page.query_selector_all("#search-results a")]


# One word written in several ways: hamza forms, diacritics, tatweel, a clitic.
SPELLINGS = (["إنتاج", "انتاج", "إِنْتَاج", "أنتاج", "إنتـــاج"],
             ["الأفريكوم", "الافريكوم", "الإفريكوم", "الأَفْرِيكُوم", "بالأفريكوم"])


def assert_same_results(page, variants: list[str]) -> None:
    """Searching each spelling on the open search page finds the same briefings."""
    results = {}
    for word in variants:
        page.fill("#search-query", word)
        page.press("#search-query", "Enter")
        results[word] = found(page)
    assert results[variants[0]] and all(r == results[variants[0]] for r in results.values()), results


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_browser_reads_every_word_as_the_build_did(browser, sample, lang):  # noqa: F811
    context, page, _ = open_search(browser, sample, lang)
    page.wait_for_function("window.mirsadSearch !== undefined")
    words = site_words(sample, lang)
    assert len(words) > 300
    in_browser = page.evaluate("words => words.map(w => window.mirsadSearch.terms(w))", words)
    # The page drops repeated terms of a query ("al ... al").
    expected = [list(dict.fromkeys(terms(word, lang))) for word in words]
    mismatches = [(w, js, py) for w, js, py in zip(words, in_browser, expected) if js != py]
    assert not mismatches, mismatches[:20]
    # The folding table character by character, and a few whole strings (NFKC).
    chars = sorted(fold_table())
    assert page.evaluate("cs => cs.map(c => window.mirsadSearch.fold(c))", chars) == [fold(c) for c in chars]
    samples = ["ﻻ", "إِنْتَاجُ", "ٱلْقُرْآن", "Ⅻ", "ＡＢＣ", "Œuvre", "İstanbul"]
    assert page.evaluate("ss => ss.map(s => window.mirsadSearch.fold(s))", samples) == [fold(s) for s in samples]
    context.close()


@pytest.mark.browser
def test_arabic_search_finds_the_seed_briefing_whatever_the_spelling(browser, sample):  # noqa: F811
    context, page, requests = open_search(browser, sample, "ar", "سرت")
    assert "briefings/isis-sirte.html" in found(page)
    for variants in SPELLINGS:
        assert_same_results(page, variants)
    assert page.evaluate("getComputedStyle(document.getElementById('search-results')).direction") == "rtl"
    assert all(url.startswith("file://") for url in requests), requests
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang, query, slug", [
    ("en", "Sirte fighters", "isis-sirte"),
    ("fr", "Syrte combattants", "isis-sirte"),
    ("fr", "securite", "isis-sirte"),
])
def test_english_and_french_search_with_stemming(browser, sample, lang, query, slug):  # noqa: F811
    context, page, _ = open_search(browser, sample, lang, query)
    assert f"briefings/{slug}.html" in found(page)
    first = page.query_selector(".search-result")
    assert first.query_selector("h2 a").inner_text().strip()
    assert re.search(r"\d{4}", first.query_selector("time").inner_text())
    assert first.query_selector(".search-result__snippet").inner_text().strip()
    assert page.evaluate("getComputedStyle(document.getElementById('search-results')).direction") == "ltr"
    context.close()


@pytest.mark.browser
def test_search_is_usable_with_the_keyboard_alone(browser, sample):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.goto((sample.output / "en/briefings/un-action-plan.html").as_uri())
    # Tab from the top of the page reaches the header's search field.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search-query":
            break
    assert page.evaluate("document.activeElement.id") == "site-search-query"
    page.keyboard.type("oil")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/en/search\.html\?q=oil$"))
    assert "briefings/libya-oil-output.html" in found(page)
    assert page.text_content("#search-status").strip().startswith("Briefings found")
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the first result
    assert page.evaluate("document.activeElement.closest('.search-result') !== null")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/en/briefings/.+\.html$"))
    context.close()


@pytest.mark.browser
def test_without_javascript_search_says_so_and_the_site_still_works(browser, sample):  # noqa: F811
    context, page, _ = open_search(browser, sample, "fr", "Syrte", java_script_enabled=False)
    assert "JavaScript" in page.inner_text("main")
    page.click("main a[href$='archives.html']")  # the listings it offers instead
    page.wait_for_url(re.compile(r"/fr/archives\.html$"))
    page.goto((sample.output / "fr/index.html").as_uri())
    page.click(".card__title a >> nth=0")
    assert page.url.endswith(".html") and "/fr/briefings/" in page.url
    assert page.inner_text("h1").strip()
    context.close()


def test_query_splitting_matches_python():
    # search.js splits on /[^\p{L}\p{N}]+/u; the Python side on [\W_]+.
    assert SEPARATORS.split(fold("لــ\"العربية.نت\" و_داعش l'armée")) == [
        "ل", "العربيه", "نت", "و", "داعش", "l", "armee"]


@pytest.mark.browser
def test_search_works_when_hosted_too(browser, server):  # noqa: F811
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/ar/search.html?q={quote('سرت')}")
    assert "briefings/isis-sirte.html" in found(page)
    page.click("#search-results a[href='briefings/isis-sirte.html']")
    page.wait_for_url(f"{server}/ar/briefings/isis-sirte.html")
    assert all(urlparse(url).hostname == "127.0.0.1" for url in requests), requests
    page.close()
