"""The per-language site: direction, switcher, hreflang, feeds, sitemap,
UI strings and dates, reviewed translations."""

import posixpath
import re
from pathlib import Path

import pytest

LANGS = {"ar": "rtl", "en": "ltr", "fr": "ltr"}
SAMPLE_SLUGS = ["isis-sirte", "un-action-plan", "libya-oil-output", "g5-sahel-migration", "man-made-river-water"]
ATOM = "{http://www.w3.org/2005/Atom}"


def resolve(page: Path, href: str) -> Path:
    return (page.parent / href.split("#")[0]).resolve()


def hreflang_set(built, page: Path) -> dict[str, Path]:
    tree = built.page(str(page.relative_to(built.output)))
    return {link.get("hreflang"): resolve(page, link.get("href"))
            for link in tree.findall(".//head/link[@rel='alternate'][@hreflang]")}


def test_every_page_declares_language_and_direction(sample):
    pages = sample.html_files()
    assert len(pages) > 60
    for page in pages:
        root = sample.page(str(page.relative_to(sample.output)))
        lang = root.get("lang")
        assert lang in LANGS, page
        assert root.get("dir") == LANGS[lang], page
        if page.parent != sample.output:
            assert page.relative_to(sample.output).parts[0] == lang, page


def test_every_sample_briefing_exists_in_three_languages(sample):
    for slug in SAMPLE_SLUGS:
        for lang in LANGS:
            page = sample.page(f"{lang}/briefings/{slug}.html")
            assert page.findtext(".//h1").strip()
    assert not sample.errors, sample.errors


def test_switcher_and_hreflang_links_resolve(sample):
    for page in sample.html_files():
        tree = sample.page(str(page.relative_to(sample.output)))
        hrefs = [a.get("href") for a in tree.findall(".//nav[@class='language-switcher']//a")]
        hrefs += [link.get("href") for link in tree.findall(".//head/link[@hreflang]")]
        for href in hrefs:
            assert resolve(page, href).is_file(), f"{page}: {href}"


def test_a_page_waiting_for_a_model_links_no_listing_that_does_not_exist(site):
    """Its tag and category are those of no listed page in English: shown without a dead link."""
    site.briefing("alone", "عنوان", tags="[المياه, ليبيا]", category="بيئة")
    site.briefing("listed", "عنوان آخر", tags="[ليبيا]")
    site.translation("listed", "en", "Another title", tags="[ليبيا]")
    built = site.build(MIRSAD_PDF={"briefings": False, "digest": False})
    page = built.output / "en/briefings/alone.html"
    tree = built.page("en/briefings/alone.html")
    assert tree.find(".//div[@class='provenance provenance--missing']") is not None  # waiting for a model
    hrefs = [a.get("href") for a in tree.iter("a") if a.get("href") and "://" not in a.get("href")
             and not a.get("href").startswith("#")]
    assert [href for href in hrefs if not resolve(page, href).is_file()] == []
    assert [posixpath.basename(a.get("href")) for a in tree.findall(".//ul[@class='tag-list']//a")] == [
        posixpath.basename(a.get("href")) for a in built.page("en/briefings/listed.html").findall(
            ".//ul[@class='tag-list']//a")]
    category = tree.find(".//span[@class='briefing-meta__category']")
    assert category.find(".//a") is None and category.text_content().strip() == "بيئة"  # its name, no link
    assert [li.text_content() for li in tree.findall(".//ul[@class='tag-list']/li")] == ["المياه", "ليبيا"]
    assert built.page("ar/briefings/alone.html").findall(".//ul[@class='tag-list']//a")  # the original keeps them


def test_hreflang_sets_are_complete_and_reciprocal(sample):
    for page in sample.html_files():
        if page.parent == sample.output:
            continue  # the root page only points at the homes
        links = hreflang_set(sample, page)
        assert "x-default" in links, page
        versions = {lang: target for lang, target in links.items() if lang != "x-default"}
        assert versions[sample.page(str(page.relative_to(sample.output))).get("lang")] == page.resolve()
        for target in versions.values():
            other = hreflang_set(sample, target)
            assert other == links, f"{page} <-> {target}"


def test_briefing_hreflang_lists_all_versions_and_original_as_default(sample):
    links = hreflang_set(sample, sample.output / "fr/briefings/isis-sirte.html")
    assert {lang: p.relative_to(sample.output).as_posix() for lang, p in links.items()} == {
        "ar": "ar/briefings/isis-sirte.html",
        "en": "en/briefings/isis-sirte.html",
        "fr": "fr/briefings/isis-sirte.html",
        "x-default": "ar/briefings/isis-sirte.html",
    }


def test_switcher_marks_current_language_and_names_languages_in_their_own(sample):
    tree = sample.page("en/briefings/isis-sirte.html")
    links = tree.findall(".//nav[@class='language-switcher']//a")
    assert [(a.text, a.get("lang"), a.get("dir")) for a in links] == [
        ("العربية", "ar", "rtl"), ("English", "en", "ltr"), ("Français", "fr", "ltr")]
    assert [a.get("aria-current") for a in links] == [None, "page", None]


def test_listing_pages_exist_per_language_with_localized_ui(sample):
    expected = {"ar": ("أحدث الموجزات", "يناير"), "en": ("Latest briefings", "January"),
                "fr": ("Dernières notes", "janvier")}
    for lang, (heading, month) in expected.items():
        home = sample.page(f"{lang}/index.html")
        assert home.findtext(".//h1") == heading
        assert len(home.findall(".//article[@class='card']")) == len(SAMPLE_SLUGS)
        assert month in sample.text(f"{lang}/archives.html")
        for listing in ("tags.html", "categories.html", "tags/libya.html", "categories/security.html"):
            assert (sample.output / lang / listing).is_file()


def test_tags_have_stable_urls_and_names_per_language(sample):
    names = {lang: sample.page(f"{lang}/briefings/isis-sirte.html").findall(".//ul[@class='tag-list']//a")
             for lang in LANGS}
    assert [a.text for a in names["ar"]] == ["ليبيا", "داعش", "سرت"]
    assert [a.text for a in names["en"]] == ["Libya", "ISIS", "Sirte"]
    assert [a.text for a in names["fr"]] == ["Libye", "Daech", "Syrte"]
    for lang in LANGS:
        assert [posixpath.basename(a.get("href")) for a in names[lang]] == ["libya.html", "isis.html", "sirte.html"]


def test_untaxonomised_tag_falls_back_to_source_name_marked_with_its_language(site):
    site.briefing("b", "عنوان", tags="[طرابلس]")
    site.translation("b", "en", "Title")
    tree = site.build().page("en/briefings/b.html")
    link = tree.find(".//ul[@class='tag-list']//a")
    assert (link.text, link.get("lang"), link.get("href")) == ("طرابلس", "ar", "../../en/tags/trbls.html")


def test_feeds_parse_and_carry_their_language(sample):
    for lang in LANGS:
        feed = sample.xml(f"{lang}/feed.atom.xml")
        assert feed.tag == f"{ATOM}feed"
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == len(SAMPLE_SLUGS)
        for entry in entries:
            assert entry.find(f"{ATOM}link").get("href").endswith(".html")
            assert f"/{lang}/briefings/" in entry.find(f"{ATOM}link").get("href")
            assert entry.findtext(f"{ATOM}summary").strip()
    titles = [e.findtext(f"{ATOM}title") for e in sample.xml("fr/feed.atom.xml").findall(f"{ATOM}entry")]
    assert "Sources libyennes\u00a0: Daech circule toujours près de Syrte" in titles


def test_sitemap_lists_every_briefing_with_hreflang_alternates(sample):
    sitemap = sample.xml("sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = sitemap.findall("s:url", ns)
    locs = [u.findtext("s:loc", namespaces=ns) for u in urls]
    siteurl = re.match(r"https?://[^/]+", locs[0]).group(0)
    for loc in locs:
        assert (sample.output / loc.removeprefix(siteurl + "/")).is_file(), loc
    for slug in SAMPLE_SLUGS:
        for lang in LANGS:
            entry = urls[locs.index(f"{siteurl}/{lang}/briefings/{slug}.html")]
            alternates = {l.get("hreflang"): l.get("href") for l in entry.findall("x:link", ns)}
            assert alternates == {
                **{other: f"{siteurl}/{other}/briefings/{slug}.html" for other in LANGS},
                "x-default": f"{siteurl}/ar/briefings/{slug}.html",
            }


THIRD_PARTY = re.compile(r"^(https?:)?//", re.I)


def test_no_page_references_a_third_party_url(sample):
    for page in sample.html_files():
        tree = sample.page(str(page.relative_to(sample.output)))
        body = tree.find(".//div[@class='briefing__body']")
        written = set(body.iter()) if body is not None else set()
        for element in tree.iter():
            if element in written:
                continue  # links written in the briefing itself
            for attribute in ("href", "src", "srcset", "action", "poster", "data"):
                value = element.get(attribute) or ""
                assert not THIRD_PARTY.match(value), f"{page}: <{element.tag} {attribute}={value}>"
    css = (sample.output / "theme/css/mirsad.css").read_text()
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css


def test_fonts_are_self_hosted_and_licensed(sample):
    css = (sample.output / "theme/css/mirsad.css").read_text()
    fonts = re.findall(r'url\("\.\./fonts/([^"]+)"\)', css)
    assert any("naskh-arabic" in font for font in fonts)
    for font in fonts:
        assert (sample.output / "theme/fonts" / font).stat().st_size > 5000
    assert (sample.output / "theme/fonts/OFL-NotoNaskhArabic.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1


def test_root_points_to_source_language_home(sample):
    root = sample.page("index.html")
    assert root.get("lang") == "ar"
    refresh = root.find(".//meta[@http-equiv='refresh']").get("content")
    assert refresh.endswith("url=./ar/index.html")
    assert [a.get("href") for a in root.findall(".//main//a")] == [
        "./ar/index.html", "./en/index.html", "./fr/index.html"]


def test_reviewed_translation_provenance_and_original_link(sample):
    tree = sample.page("fr/briefings/isis-sirte.html")
    note = tree.find(".//div[@class='provenance provenance--reviewed']")
    text = " ".join(note.text_content().split())
    assert "Traduction relue par Mirsad editorial team" in text
    original = note.find(".//a")
    assert resolve(sample.output / "fr/briefings/isis-sirte.html", original.get("href")) == \
        (sample.output / "ar/briefings/isis-sirte.html").resolve()
    assert note.find(".//bdi").get("lang") == "ar" and note.find(".//bdi").get("dir") == "rtl"
    assert "النص الأصلي" in sample.page("ar/briefings/isis-sirte.html").find(
        ".//p[@class='provenance provenance--original']").text_content()


def test_briefing_without_translation_switches_to_that_language_home(site):
    site.briefing("only-ar", "بالعربية فقط")
    built = site.build(PLUGINS=["mirsad.markdown", "mirsad.i18n"])  # no machine translation
    tree = built.page("ar/briefings/only-ar.html")
    switcher = {a.get("lang"): a.get("href") for a in tree.findall(".//nav[@class='language-switcher']//a")}
    assert switcher == {"ar": "../../ar/briefings/only-ar.html", "en": "../../en/index.html",
                        "fr": "../../fr/index.html"}
    assert [l.get("hreflang") for l in tree.findall(".//head/link[@hreflang]")] == ["ar", "x-default"]
    assert not (built.output / "en/briefings/only-ar.html").exists()
    assert built.page("en/index.html").findtext(".//p") == "No briefings yet."


def test_untranslatable_briefing_gets_placeholders_outside_hreflang_and_listings(site):
    site.briefing("only-ar", "بالعربية فقط")
    built = site.build()  # no model installed
    tree = built.page("ar/briefings/only-ar.html")
    switcher = {a.get("lang"): a.get("href") for a in tree.findall(".//nav[@class='language-switcher']//a")}
    assert switcher["en"] == "../../en/briefings/only-ar.html"
    assert [l.get("hreflang") for l in tree.findall(".//head/link[@hreflang]")] == ["ar", "x-default"]
    assert built.page("en/index.html").findtext(".//p") == "No briefings yet."
    sitemap = built.text("sitemap.xml")
    assert "en/briefings/only-ar.html" not in sitemap


def test_changed_original_flags_reviewed_translation_as_possibly_outdated(site):
    site.briefing("s", "عنوان", body="نص قديم.")
    site.translation("s", "en", "Title", body="Old text.", source_hash="0000000000000000")
    built = site.build()
    warning = built.page("en/briefings/s.html").find(".//p[@class='provenance__warning']")
    assert "may be out of date" in warning.text_content()
    assert any("s.en.md was reviewed against an earlier version" in w for w in built.warnings)


def test_stamped_translation_is_not_flagged(site):
    from pelican.settings import read_settings
    from mirsad.i18n.reviewed import stamp
    from conftest import ROOT

    site.briefing("s", "عنوان", body="نص.")
    path = site.translation("s", "fr", "Titre", body="Texte.")
    stamp(str(path), read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(site.content)}))
    built = site.build()
    assert built.page("fr/briefings/s.html").find(".//p[@class='provenance__warning']") is None
    assert not [w for w in built.warnings if "s.fr.md" in w]


@pytest.mark.parametrize("name, problem", [
    ("nosuch.en.md", "there is no briefing with slug 'nosuch'"),
    ("s.de.md", "file name must be <slug>.<lang>.md"),
    ("s.ar.md", "the original is already in 'ar'"),
])
def test_misnamed_translation_is_reported_and_others_still_build(site, name, problem):
    site.briefing("s", "عنوان")
    site.write(f"translations/{name}", '---\ntitle: "T"\n---\nText.\n')
    built = site.build()
    assert any(name in error and problem in error for error in built.errors), built.errors
    assert (built.output / "ar/briefings/s.html").is_file()


def test_listings_paginate(site):
    for number in range(12):
        site.briefing(f"b{number}", f"موجز {number}", date=f"2017-02-{number + 1:02d} 09:00")
    built = site.build()
    first, second = built.page("ar/index.html"), built.page("ar/index2.html")
    assert len(first.findall(".//article")) == 10 and len(second.findall(".//article")) == 2
    assert first.find(".//a[@rel='next']").get("href") == "../ar/index2.html"
    assert "صفحة 1 من 2" in first.find(".//nav[@class='pagination']").text_content()


def test_publish_settings_give_absolute_hreflang(site):
    site.briefing("p", "عنوان")
    built = site.build(RELATIVE_URLS=False, SITEURL="https://briefings.example.org")
    links = built.page("ar/briefings/p.html").findall(".//head/link[@hreflang]")
    assert {l.get("href") for l in links} == {"https://briefings.example.org/ar/briefings/p.html"}


def test_language_pairs_are_configurable(site):
    site.briefing("c", "عنوان")
    site.translation("c", "en", "Title")
    built = site.build(MIRSAD_I18N={"languages": ["ar", "en"]})
    assert not (built.output / "fr").exists()
    tree = built.page("en/briefings/c.html")
    assert [a.get("lang") for a in tree.findall(".//nav[@class='language-switcher']//a")] == ["ar", "en"]


def test_unknown_plugin_setting_is_reported(site):
    site.briefing("c", "عنوان")
    built = site.build(MIRSAD_I18N={"languages": ["ar", "en", "fr"], "langauges": ["ar"]})
    assert any("langauges" in w and "did you mean 'languages'" in w for w in built.warnings)


def test_without_a_languages_setting_every_plugin_uses_the_same_default_languages(site, tmp_path):
    """One source for the site's languages: with no MIRSAD_I18N["languages"],
    the pages and the machine translation both cover ar, en and fr."""
    from mirsad.mt import config as mt_config

    site.briefing("one", "عنوان")
    built = site.build(MIRSAD_I18N={})
    assert built.page("fr/briefings/one.html") is not None
    assert mt_config.load(built.settings).targets == ["en", "fr"]


def test_a_translation_target_that_is_not_a_site_language_is_refused_by_name():
    from pelican.settings import read_settings
    from mirsad.common.settings import SettingsError
    from mirsad.mt import config as mt_config

    from conftest import ROOT

    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": {"targets": ["en", "de"]}})
    with pytest.raises(SettingsError, match=r"MIRSAD_MT\['targets'\] has \['de'\]"):
        mt_config.load(settings)
