"""The summary box on every briefing page, in every language: what it shows
(computed, authored or reviewed points, facts), and where its text goes
(listing cards, feeds, meta and Open Graph descriptions)."""

import pytest

from test_summary_text import SEED_POINTS

LANGS = {"ar": "rtl", "en": "ltr", "fr": "ltr"}
HEADINGS = {"ar": "الخلاصة", "en": "Summary", "fr": "En bref"}
SLUGS = ["isis-sirte", "un-action-plan", "libya-oil-output", "g5-sahel-migration", "man-made-river-water"]
ATOM = "{http://www.w3.org/2005/Atom}"
ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))


def box_of(page):
    return page.find(".//aside[@class='summary-box']")


def points(page) -> list[str]:
    return [li.text_content() for li in box_of(page).findall("ul/li")]


def facts(page) -> dict[str, str]:
    """The facts line as {label: value}, without the directional isolates."""
    return {div.findtext("dt"): div.find("dd").text_content().translate(ISOLATES)
            for div in box_of(page).findall("dl/div")}


# --- the sample site -------------------------------------------------------

def test_every_briefing_page_has_the_box_in_its_language(sample):
    for slug in SLUGS:
        for lang, direction in LANGS.items():
            page = sample.page(f"{lang}/briefings/{slug}.html")
            box = box_of(page)
            assert box is not None, (lang, slug)
            assert (box.get("lang"), box.get("dir")) == (lang, direction)
            heading = box.find("h2")
            assert heading.text == HEADINGS[lang] and box.get("aria-labelledby") == heading.get("id")
            assert 1 <= len(points(page)) <= 4
            article = page.find(".//article[@class='briefing']")
            children = list(article)
            body = article.find("div[@class='briefing__body']")
            assert children.index(box) < children.index(body), "the box comes before the text"


def test_seed_box_shows_the_computed_points_in_every_language(sample):
    ar = sample.page("ar/briefings/isis-sirte.html")
    assert points(ar) == SEED_POINTS
    assert box_of(ar).findtext("p[@class='summary-box__origin']") == "نقاط اختيرت آليًا من النص."
    # The reviewed translations' own sentences for the same four points.
    en = points(sample.page("en/briefings/isis-sirte.html"))
    assert en[0].startswith("Informed sources have revealed that hundreds of ISIS fighters")
    assert "Great Man-Made River" in en[2] and "few hundred" in en[3]
    fr = points(sample.page("fr/briefings/isis-sirte.html"))
    assert "Grande Rivière artificielle" in fr[2] and "Waldhauser" in fr[3]


def test_authored_points_win_as_written(sample):
    assert points(sample.page("ar/briefings/un-action-plan.html")) == [
        "خطة من ثلاث مراحل تبدأ بتعديل الاتفاق السياسي الليبي.",
        "مؤتمر وطني جامع يسبق الاستفتاء على الدستور والانتخابات.",
        "هدف معلن بإجراء الانتخابات في غضون عام تقريبًا.",
    ]
    en = sample.page("en/briefings/un-action-plan.html")
    assert points(en)[2] == "A stated goal of holding elections within roughly a year."
    assert box_of(en).find("p[@class='summary-box__origin']") is None  # written by people
    [summary] = points(sample.page("fr/briefings/libya-oil-output.html"))
    assert summary.startswith("La production libyenne de brut a dépassé un million de barils par jour")


def test_facts_line_in_each_language(sample):
    assert facts(sample.page("ar/briefings/isis-sirte.html")) == {
        "التاريخ": "25 يناير 2017", "المكانان": "سرت، بني وليد", "المصدر": "العربية.نت",
        "مدة القراءة": "4 دقائق", "النص": "أصلي"}
    en = sample.page("en/briefings/isis-sirte.html")
    assert facts(en) == {"Date": "January 25, 2017", "Places": "Sirte, بني وليد", "Source": "العربية.نت",
                         "Reading time": "3 minutes", "Text": "Reviewed translation"}
    # Names without an English form stay Arabic, marked as such.
    untranslated = box_of(en).findall("dl/div/dd/span")
    assert [(s.get("lang"), s.get("dir")) for s in untranslated] == [("ar", "rtl"), ("ar", "rtl")]
    assert facts(sample.page("fr/briefings/isis-sirte.html"))["Lieux"] == "Syrte, بني وليد"
    assert "Lieu" not in facts(sample.page("fr/briefings/g5-sahel-migration.html"))  # no location


def test_meta_and_open_graph_descriptions_come_from_the_box(sample):
    for lang in LANGS:
        page = sample.page(f"{lang}/briefings/isis-sirte.html")
        description = page.find(".//meta[@name='description']").get("content")
        assert page.find(".//meta[@property='og:description']").get("content") == description
        assert description.startswith(points(page)[0]) and len(description) <= 300
    page = sample.page("ar/briefings/un-action-plan.html")
    assert page.find(".//meta[@name='description']").get("content") == " ".join(points(page))


def test_feed_entries_and_listing_cards_carry_the_points(sample):
    for lang in LANGS:
        boxes = {slug: points(sample.page(f"{lang}/briefings/{slug}.html")) for slug in SLUGS}
        for entry in sample.xml(f"{lang}/feed.atom.xml").findall(f"{ATOM}entry"):
            slug = entry.find(f"{ATOM}link").get("href").rsplit("/", 1)[1].removesuffix(".html")
            assert entry.findtext(f"{ATOM}summary") == " ".join(boxes[slug])
        cards = sample.page(f"{lang}/index.html").findall(".//article[@class='card']")
        for card in cards:
            slug = card.find(".//h2/a").get("href").rsplit("/", 1)[1].removesuffix(".html")
            assert [li.text_content() for li in card.findall("ul[@class='card__points']/li")] == boxes[slug]


# --- edge cases and options, in one small site ----------------------------

@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    from conftest import SiteMaker

    site = SiteMaker(tmp_path_factory.mktemp("summary-edges"))
    site.briefing("one", "جملة واحدة", body="هاجم مسلحون ميناء السدرة فجر اليوم.", location="[السدرة]")
    site.briefing("empty", "موجز بلا نص", body="")
    site.briefing("list", "قائمة", body="- استئناف التصدير من السدرة في 2016.\n- عودة حقل الشرارة إلى الإنتاج.\n- استثناء ليبيا من اتفاق أوبك.")
    site.briefing("table", "جدول", body="| الفترة | الإنتاج |\n|---|---|\n| 2010 | 1.6 |\n| 2016 | 0.4 |")
    site.briefing("long", "جملة طويلة", body="أعلنت المؤسسة " + " ".join(f"كلمة{n}" for n in range(300)) + ".")
    site.briefing("html", "نص", key_points='["<b>عريض</b> & <script>x</script>", "نقطة ثانية"]')
    site.briefing("tr", "عنوان", body="داعش قرب سرت منذ يناير.\n\nوقعت اشتباكات في سرت.\n\nقال مصدر إن الوضع غامض.")
    site.translation("tr", "en", "Title", body="ISIS fighters are near Sirte since January and clashes took place.",
                     source_hash="0000000000000000")
    return site.build(MIRSAD_SUMMARY={"max_point_chars": 120, "max_pionts": 3})


def test_one_sentence_briefing_shows_that_sentence(edge):
    page = edge.page("ar/briefings/one.html")
    assert points(page) == ["هاجم مسلحون ميناء السدرة فجر اليوم."]
    assert facts(page)["المكان"] == "السدرة"  # Arabic singular form


def test_empty_briefing_shows_the_facts_and_describes_itself_by_title(edge):
    page = edge.page("ar/briefings/empty.html")
    assert box_of(page).find("ul") is None and "التاريخ" in facts(page)
    assert page.find(".//meta[@name='description']").get("content") == "موجز بلا نص"


def test_list_and_table_briefings_use_items_and_rows(edge):
    assert set(points(edge.page("ar/briefings/list.html"))) <= {
        "استئناف التصدير من السدرة في 2016.", "عودة حقل الشرارة إلى الإنتاج.", "استثناء ليبيا من اتفاق أوبك."}
    assert points(edge.page("ar/briefings/table.html")) == ["2010: 1.6", "2016: 0.4"]


def test_long_sentence_is_capped_by_the_setting(edge):
    [point] = points(edge.page("ar/briefings/long.html"))
    assert len(point) <= 120 and point.endswith("…") and point.startswith("أعلنت المؤسسة كلمة0")
    assert any("max_pionts" in w and "did you mean 'max_points'" in w for w in edge.warnings)


def test_points_are_escaped_text(edge):
    box = box_of(edge.page("ar/briefings/html.html"))
    assert box.find(".//b") is None and box.find(".//script") is None
    assert box.find("ul/li").text_content() == "<b>عريض</b> & <script>x</script>"


def test_translation_without_matching_structure_gets_points_from_its_own_text(edge):
    page = edge.page("en/briefings/tr.html")
    assert points(page) == ["ISIS fighters are near Sirte since January and clashes took place."]
    assert box_of(page).findtext("p[@class='summary-box__origin']") == "Points selected automatically from the text."
    assert facts(page)["Text"] == "Reviewed translation, may be out of date"
    assert len(points(edge.page("ar/briefings/tr.html"))) == 2


def test_site_builds_without_the_plugin(site):
    site.briefing("b", "عنوان", body="فقرة أولى عن سرت.\n\nفقرة ثانية.")
    built = site.build(PLUGINS=["mirsad.markdown", "mirsad.i18n"])
    page = built.page("ar/briefings/b.html")
    assert box_of(page) is None and not built.errors
    assert page.find(".//meta[@name='description']").get("content") == "فقرة أولى عن سرت."
