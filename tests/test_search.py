"""Search, as built: a page and an index script per language, terms folded
and stemmed by the project's one Arabic normalisation, results that show
title, date and snippet. (The browser side: test_search_browser.py.)"""

import json
import posixpath
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mirsad.common.settings import SettingsError
from mirsad.search.analysis import fold, fold_table, terms
from mirsad.text import arabic

LANGS = {"ar": "rtl", "en": "ltr", "fr": "ltr"}
PREFIX = "window.MIRSAD_SEARCH = JSON.parse('"


def index_data(built, lang: str) -> dict:
    """The data a search page's <script> sets, read as the browser reads it."""
    text = built.text(f"{lang}/search-index.js")
    assert text.startswith(PREFIX) and text.endswith("');\n")
    literal = text[len(PREFIX):-len("');\n")]
    # JavaScript's escapes in a string literal: \uXXXX (direction controls) and \X.
    return json.loads(re.sub(r"\\(u[0-9a-fA-F]{4}|.)",
                             lambda m: chr(int(m[1][1:], 16)) if len(m[1]) == 5 else m[1], literal))


def resolve(built, page: str, href: str) -> Path:
    return (built.output / posixpath.dirname(page) / href.split("?")[0].split("#")[0]).resolve()


@pytest.mark.parametrize("lang", LANGS)
def test_search_page_per_language_loads_its_index_with_script_tags(sample, lang):
    page = f"{lang}/search.html"
    tree = sample.page(page)
    assert tree.get("lang") == lang and tree.get("dir") == LANGS[lang]
    scripts = [s.get("src") for s in tree.findall(".//head/script")]
    assert all(resolve(sample, page, src).is_file() for src in scripts), scripts
    assert scripts[-2:] == ["../" + page.replace("search.html", "search-index.js"), "../theme/js/search.js"]
    assert any(src.endswith("vendor/lunr.min.js") for src in scripts)
    assert any(src.endswith("lunr.fr.min.js") for src in scripts) == (lang == "fr")
    form = tree.find(".//main//form[@role='search']")
    assert form.get("method") == "get" and resolve(sample, page, form.get("action")).name == "search.html"
    label = tree.find(".//main//label[@for='search-query']")
    assert label is not None and label.text_content().strip()
    assert tree.find(".//main//input[@id='search-query']").get("name") == "q"
    # Without JavaScript the page says so and offers the listings instead.
    noscript = tree.find(".//main//noscript")
    assert noscript is not None and "JavaScript" in noscript.text_content()
    assert tree.find(".//head/meta[@name='robots']").get("content") == "noindex"


def test_every_page_header_has_a_search_form_to_its_language(sample):
    for path in sample.html_files():
        page = path.relative_to(sample.output).as_posix()
        if "/" not in page or page.endswith("/search.html"):
            continue  # the root page only points at the homes; a search page has its own form
        tree = sample.page(page)
        form = tree.find(".//header//form[@class='site-search']")
        assert form is not None, page
        target = resolve(sample, page, form.get("action"))
        assert target == (sample.output / tree.get("lang") / "search.html").resolve(), page
        field = form.find(".//input[@name='q']")
        assert tree.find(f".//label[@for='{field.get('id')}']") is not None, page


@pytest.mark.parametrize("lang", LANGS)
def test_index_lists_each_readable_briefing_with_what_a_result_shows(sample, lang):
    data = index_data(sample, lang)
    assert data["lang"] == lang and data["index"]["version"] == "2.3.9"
    assert data["index"]["fields"] == ["title", "terms", "body"]
    page = f"{lang}/search.html"
    by_link = {doc["u"]: doc for doc in data["docs"]}
    assert sorted(by_link) == sorted(f"briefings/{p.name}" for p in (sample.output / lang / "briefings").glob("*.html"))
    doc = by_link["briefings/isis-sirte.html"]
    briefing = sample.page(f"{lang}/briefings/isis-sirte.html")
    assert doc["t"] == briefing.findtext(".//h1").strip()
    shown = briefing.find(".//header//time")
    assert (doc["d"], doc["i"]) == (shown.text, shown.get("datetime")[:10])
    assert resolve(sample, page, doc["u"]) == (sample.output / lang / "briefings/isis-sirte.html").resolve()
    assert 40 < len(doc["s"]) <= 220 and "l" not in doc
    assert [d["i"] for d in data["docs"]] == sorted((d["i"] for d in data["docs"]), reverse=True)


def test_arabic_index_holds_folded_light_stemmed_terms(sample):
    data = index_data(sample, "ar")
    vocabulary = {term for term, _ in data["index"]["invertedIndex"]}
    assert {"سرت", "داعش", "انتاج"} <= vocabulary
    folded_away = {char for char, replacement in arabic.MAPPING.items() if replacement != char}
    assert not any(set(term) & folded_away for term in vocabulary)
    assert terms("في سرت من إلى", "ar") == terms("سرت", "ar")  # stopwords
    # The browser gets the project's table itself, not a copy written by hand.
    table = data["text"]["fold"]
    assert all(table[char] == replacement for char, replacement in arabic.MAPPING.items())
    assert data["text"]["arabic"]["prefixes"] == list(arabic.PREFIXES)


@pytest.mark.parametrize("variants", [
    ["إنتاج", "انتاج", "إِنْتَاج", "أنتاج", "إنتـــاج"],  # hamza forms, diacritics, tatweel
    ["سرت", "بسرت", "وسرت", "لسرت"],  # clitics و ب ل
    ["المدينة", "مدينة", "بالمدينة", "والمدينة", "مدينه"],  # article, ta marbuta
    ["مستشفى", "مستشفي"],  # alef maqsura
    ["٢٠١٧", "2017"],
])
def test_arabic_spellings_give_one_term(variants):
    assert len({tuple(terms(word, "ar")) for word in variants}) == 1, [terms(w, "ar") for w in variants]


@pytest.mark.parametrize("lang, variants", [
    ("fr", ["sécurité", "securite", "Sécurités", "SÉCURITÉ"]),
    ("fr", ["armée", "armées", "ARMEE"]),
    ("en", ["fighters", "fighter", "Fighters"]),
    ("en", ["moving", "moves", "move"]),
])
def test_english_and_french_words_are_stemmed_and_accents_folded(lang, variants):
    assert len({tuple(terms(word, lang)) for word in variants}) == 1, [terms(w, lang) for w in variants]


def test_fold_table_is_the_python_folding():
    for char, folded in fold_table().items():
        assert fold(char) == folded or fold(char) == fold(folded)
    assert fold("ﻻ") == "لا"  # presentation form: NFKC, as String.normalize in the browser


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
       | st.text(alphabet=st.sampled_from(sorted(fold_table()) + list("ابتثجحخ سرت 2017")), max_size=60))
def test_folding_with_list_tables_is_folding_with_the_tables_as_written(text):
    """normalise and fold translate with lists (faster): the same as with the dicts."""
    normalised = unicodedata.normalize("NFKC", text).translate(arabic.TABLE).casefold()
    assert arabic.normalise(text) == normalised
    assert fold(text) == normalised.lower().translate(str.maketrans(fold_table()))


def test_last_updated_date_on_every_home_page(sample):
    newest = max(time.get("datetime") for time in sample.page("ar/archives.html").iter("time"))
    for lang in LANGS:
        line = sample.page(f"{lang}/index.html").find(".//main//p[@class='briefing-meta last-updated']")
        assert line is not None, lang
        assert line.find("time").get("datetime") == newest[:10]
        assert line.find("time").text.strip()


def test_placeholders_of_missing_translations_are_not_indexed(site):
    site.briefing("only-arabic", "موجز عن سرت", "مقاتلو داعش في محيط سرت.")
    built = site.build(MIRSAD_PDF={"briefings": False, "digest": False})
    assert [doc["u"] for doc in index_data(built, "ar")["docs"]] == ["briefings/only-arabic.html"]
    assert index_data(built, "en")["docs"] == []  # no model: the en page is a placeholder
    assert (built.output / "en/search.html").is_file()


def test_body_words_caps_what_is_indexed(site):
    site.briefing("long", "موجز", "بداية النص " + "كلمة " * 30 + "خاتمة")
    built = site.build(MIRSAD_PDF={"briefings": False, "digest": False}, MIRSAD_SEARCH={"body_words": 10})
    vocabulary = {term for term, _ in index_data(built, "ar")["index"]["invertedIndex"]}
    assert set(terms("بداية النص", "ar")) <= vocabulary
    assert not set(terms("خاتمة", "ar")) & vocabulary


def test_search_setting_without_lang_is_refused_with_the_fix(site):
    site.briefing("x", "موجز")
    with pytest.raises(SettingsError, match=r"page_save_as.*\{lang\}"):
        site.build(MIRSAD_PDF={"briefings": False, "digest": False},
                   MIRSAD_SEARCH={"page_save_as": "search.html"})
