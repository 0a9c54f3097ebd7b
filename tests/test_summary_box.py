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
            assert 1 <= len(points(page)) <= 3
            article = page.find(".//article[@class='briefing']")
            children = list(article)
            body = article.find("div[@class='briefing__body']")
            assert children.index(box) < children.index(body), "the box comes before the text"


def test_seed_box_shows_the_computed_points_in_every_language(sample):
    ar = sample.page("ar/briefings/isis-sirte.html")
    assert points(ar) == SEED_POINTS
    assert box_of(ar).findtext("p[@class='summary-box__origin']") == "نقاط اختيرت آليًا من النص."
    # The reviewed translations' own sentences for the same two points.
    en = points(sample.page("en/briefings/isis-sirte.html"))
    assert en[0].startswith("Informed sources have revealed that hundreds of ISIS fighters")
    assert en[1].startswith('The source spoke of "more than one air strike') and len(en) == 2
    fr = points(sample.page("fr/briefings/isis-sirte.html"))
    assert fr[1].startswith("La source a fait état de «\u00a0plusieurs frappes aériennes") and len(fr) == 2


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
    # Places through taxonomy.yml (سرت) and the glossary (بني وليد).
    assert facts(en) == {"Date": "January 25, 2017", "Places": "Sirte, Bani Walid", "Source": "العربية.نت",
                         "Reading time": "3 minutes", "Text": "Reviewed translation"}
    # Names without an English form stay Arabic, marked as such.
    untranslated = box_of(en).findall("dl/div/dd/span")
    assert [(s.get("lang"), s.get("dir")) for s in untranslated] == [("ar", "rtl")]
    assert facts(sample.page("fr/briefings/isis-sirte.html"))["Lieux"] == "Syrte, Bani Walid"
    assert facts(sample.page("en/briefings/libya-oil-output.html"))["Places"] == "Es Sider, Ras Lanuf"
    assert "Lieu" not in facts(sample.page("fr/briefings/g5-sahel-migration.html"))  # no location


def test_meta_and_open_graph_descriptions_come_from_the_box(sample):
    for lang in LANGS:
        page = sample.page(f"{lang}/briefings/isis-sirte.html")
        description = page.find(".//meta[@name='description']").get("content")
        assert page.find(".//meta[@property='og:description']").get("content") == description
        assert description.startswith(points(page)[0]) and len(description) <= 300
    page = sample.page("ar/briefings/un-action-plan.html")
    assert page.find(".//meta[@name='description']").get("content") == " ".join(points(page))


def test_feed_entries_carry_the_points_and_listing_cards_the_lead(sample):
    for lang in LANGS:
        boxes = {slug: points(sample.page(f"{lang}/briefings/{slug}.html")) for slug in SLUGS}
        for entry in sample.xml(f"{lang}/feed.atom.xml").findall(f"{ATOM}entry"):
            slug = entry.find(f"{ATOM}link").get("href").rsplit("/", 1)[1].removesuffix(".html")
            assert entry.findtext(f"{ATOM}summary") == " ".join(boxes[slug])
        tag_pages = sorted((sample.output / lang / "tags").glob("*.html"))
        listings = [sample.page(f"{lang}/index.html"), *(sample.page(f"{lang}/tags/{p.name}") for p in tag_pages)]
        cards = [card for page in listings for card in page.findall(".//article[@class='card']")]
        assert cards
        for card in cards:
            slug = card.find(".//a").get("href").rsplit("/", 1)[1].removesuffix(".html")
            # A short lead (the first point), not the whole box again.
            assert [p.text_content() for p in card.findall("p[@class='card__lead']")] == boxes[slug][:1]
            assert card.find(".//ul") is None


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


# --- the box's limits ----------------------------------------------------------

# Eight different facts, 10-14 words each (100 words): a 60-word box.
FACTS = [
    "هاجم مسلحون ميناء السدرة النفطي فجر الاثنين وأوقفوا صادرات النفط لعدة أيام.",
    "أعلنت بعثة الأمم المتحدة في طرابلس عن جولة حوار جديدة في تونس الشهر المقبل.",
    "تراجع سعر الدينار الليبي في السوق الموازية إلى تسعة دنانير مقابل الدولار الأمريكي.",
    "وصل نحو ثلاثة آلاف مهاجر إلى السواحل الإيطالية انطلاقا من صبراتة خلال أسبوع واحد.",
    "انقطعت الكهرباء عن مدن الجنوب الليبي بعد استهداف محطة أوباري بقذائف الهاون ليلا.",
    "أفرجت السلطات في مصراتة عن عشرين محتجزا بعد وساطة قادها أعيان المدينة.",
    "وقع المجلس الرئاسي اتفاقا مع إيطاليا لتدريب خفر السواحل الليبي في روما.",
    "قال مسؤول محلي إن الوضع في سبها لا يزال غامضا.",
]
# A 76-word sentence whose main clause (23 words) reads as one statement.
MAIN_CLAUSE = ("أعلن المتحدث باسم الجيش الليبي أحمد المسماري يوم الاثنين أن قواته سيطرت على ميناء السدرة "
               "النفطي بعد اشتباكات عنيفة استمرت ثلاثة أيام")
TRAILING = ("مشيرا إلى أن الهجوم الذي شنته الميليشيات المسلحة على الميناء في مارس الماضي أدى إلى توقف "
            "صادرات النفط من الهلال النفطي لعدة أسابيع وتراجع إنتاج ليبيا من النفط الخام إلى أقل من "
            "سبعمئة ألف برميل يوميا بحسب المؤسسة الوطنية للنفط في طرابلس التي طالبت جميع الأطراف "
            "بإبعاد المنشآت النفطية عن الصراع المسلح الدائر في البلاد منذ سنوات")
# 36 words, and 68 in its translation.
POWER_CUT = ("انقطعت الكهرباء عن مدن الجنوب الليبي بعد استهداف محطة أوباري بقذائف الهاون ليلا، وقال مهندسون في "
             "الشركة العامة للكهرباء إن إصلاح الأضرار قد يستغرق أسابيع، وإن سكان سبها وأوباري وغات سيبقون دون "
             "كهرباء حتى نهاية الشهر.")
VERBOSE = ("Power was cut, once again and for many long hours, to the towns and villages of southern Libya after "
           "the Ubari power station was targeted with mortar shells during the night, and engineers at the General "
           "Electricity Company said that repairing all of the damage could take several weeks, and that the people "
           "of Sebha, Ubari and Ghat would remain without power until the end of the month.")
EN_MAIN = ("Libyan army spokesman Ahmed al-Mismari announced on Monday that his forces had taken the oil port "
           "of Sidra after three days of heavy clashes")
EN_TRAILING = ("noting that the militia attack on the port last March had halted oil exports from the oil "
               "crescent for several weeks and cut Libya's crude output to under seven hundred thousand barrels "
               "a day, according to the National Oil Corporation in Tripoli, which called on all sides to keep "
               "oil facilities out of the armed conflict the country has seen for years")


def words_in(texts) -> int:
    return sum(len(text.split()) for text in texts)


def body_words(page) -> int:
    return len(page.find(".//div[@class='briefing__body']").text_content().split())


@pytest.fixture(scope="module")
def limits(tmp_path_factory):
    from conftest import SiteMaker

    site = SiteMaker(tmp_path_factory.mktemp("summary-limits"))
    site.briefing("facts", "أخبار ليبيا", body="\n\n".join(FACTS), tags="[ليبيا]")
    site.briefing("clause", "السدرة", body=f"{MAIN_CLAUSE}، {TRAILING}.\n\nوقال مسؤول إن الوضع غامض.")
    site.translation("clause", "en", "Sidra", body=f"{EN_MAIN}, {EN_TRAILING}.\n\nAn official said the situation "
                     "is unclear.", source_hash="0000000000000000")
    # Its translation of the lead is far longer than the original's.
    site.briefing("verbose", "الكهرباء", body=f"{POWER_CUT}\n\n{FACTS[7]}")
    site.translation("verbose", "en", "Power", body=f"{VERBOSE}\n\nA local official said the situation in Sebha "
                     "is still unclear.", source_hash="0000000000000000")
    return site


@pytest.fixture(scope="module")
def default_limits(limits):
    # One point per 20 words wanted: five for the facts, but at most three by default.
    return limits.build(MIRSAD_SUMMARY={"words_per_point": 20})


def test_box_has_at_most_three_points_in_max_of_60_words_and_15_percent(default_limits):
    page = default_limits.page("ar/briefings/facts.html")
    shown = points(page)
    assert body_words(page) == 100 and len(shown) == 3
    assert words_in(shown) <= 60  # max(60, 15 % of 100)
    assert all(point in FACTS for point in shown)  # whole sentences of the text


def test_computed_boxes_of_the_sample_stay_within_their_budget_in_every_language(sample):
    for slug in ("isis-sirte", "g5-sahel-migration"):  # the others' points are authored
        for lang in LANGS:
            page = sample.page(f"{lang}/briefings/{slug}.html")
            assert words_in(points(page)) <= max(60, int(0.15 * body_words(page))), (slug, lang)


def test_a_long_sentence_gives_its_main_clause_in_every_language(default_limits):
    assert points(default_limits.page("ar/briefings/clause.html"))[0] == MAIN_CLAUSE + "."
    assert points(default_limits.page("en/briefings/clause.html"))[0] == EN_MAIN + "."
    # Nothing of the trailing clause where the points go: listings, search
    # page, feed summaries, descriptions.
    for path in default_limits.output.rglob("*.html"):
        if "/briefings/" not in path.as_posix():
            text = path.read_text(encoding="utf-8")
            assert TRAILING[:40] not in text and EN_TRAILING[:40] not in text, path
    for feed in default_limits.output.rglob("*.atom.xml"):
        for summary in default_limits.xml(str(feed.relative_to(default_limits.output))).iter(f"{ATOM}summary"):
            assert "مشيرا إلى أن" not in summary.text and "noting that" not in summary.text
    for lang in ("ar", "en"):
        page = default_limits.page(f"{lang}/briefings/clause.html")
        description = page.find(".//meta[@name='description']").get("content")
        assert "مشيرا إلى أن" not in description and "noting that" not in description
    for lang in ("ar", "en"):
        page = default_limits.page(f"{lang}/briefings/clause.html")
        assert not any(point.endswith("…") for point in points(page))
        assert words_in(points(page)) <= 60


def test_the_same_points_fit_in_every_language(default_limits):
    """Both sentences (46 words) fit in the Arabic box, not their
    translations (77 words) in the English one: the original's points are
    chosen again, so that the same points fit in both."""
    arabic = points(default_limits.page("ar/briefings/verbose.html"))
    english = default_limits.page("en/briefings/verbose.html")
    assert arabic == [FACTS[7]]
    assert points(english) == ["A local official said the situation in Sebha is still unclear."]
    assert words_in(points(english)) <= max(60, int(0.15 * body_words(english)))


def test_listings_show_the_lead_not_every_point(default_limits):
    shown = points(default_limits.page("ar/briefings/facts.html"))
    for path in default_limits.output.rglob("*.html"):
        if "/briefings/" in path.as_posix():
            continue
        text = path.read_text(encoding="utf-8")
        assert all(point not in text for point in shown[1:]), path
    card = default_limits.page("ar/index.html").xpath(".//article[@class='card'][.//a[contains(@href, 'facts')]]")[0]
    assert card.findtext("p[@class='card__lead']") == shown[0]


def test_both_limits_are_settings(limits):
    built = limits.build(MIRSAD_SUMMARY={"min_points": 1, "max_points": 1, "max_words": 10, "max_body_share": 0.1})
    [point] = points(built.page("ar/briefings/facts.html"))
    assert point == FACTS[-1]  # max(10, 10 % of 100) words: the one sentence that short
    shorter = limits.build(MIRSAD_SUMMARY={"max_words": 25, "max_body_share": 0.05})
    assert words_in(points(shorter.page("ar/briefings/facts.html"))) <= 25
    assert points(shorter.page("ar/briefings/clause.html"))[0] == MAIN_CLAUSE + "."


@pytest.mark.parametrize("setting, value, message", [
    ("max_words", 0, "positive integer"), ("max_points", 2.5, "positive integer"),
    ("max_body_share", 1.5, r"\(0, 1\]"), ("max_body_share", "15%", r"\(0, 1\]"),
    ("min_points", 4, "min_points <= max_points"),
])
def test_limits_are_checked(setting, value, message):
    from pelican.settings import read_settings
    from mirsad.common.settings import SettingsError
    from mirsad.summary import config

    from conftest import ROOT

    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_SUMMARY": {setting: value}})
    with pytest.raises(SettingsError, match=rf"MIRSAD_SUMMARY.*{message}"):
        config.load(settings)


def test_machine_translations_show_the_same_points(mt_site):
    """The points are chosen on the original; each machine translation
    shows the translation of those sentences (real test models)."""
    from conftest import ROOT
    from test_machine_translation import install

    install(mt_site.models)
    body = (ROOT / "content/briefings/isis-sirte.md").read_text(encoding="utf-8").split("---", 2)[2]
    mt_site.briefing("seed", "مصادر ليبية: داعش لا يزال يتحرك بالقرب من سرت", body=body, tags="[ليبيا, داعش, سرت]")
    built = mt_site.build(MIRSAD_MT=mt_site.mt)
    assert not built.errors, built.errors
    found = {}
    for lang in LANGS:
        page = built.page(f"{lang}/briefings/seed.html")
        paragraphs = [" ".join(p.text_content().replace("#", "").replace("_", " ").split())
                      for p in page.findall(".//div[@class='briefing__body']/p")]
        shown = points(page)
        # The paragraph each point comes from, whole.
        found[lang] = [[number for number, paragraph in enumerate(paragraphs) if point in paragraph]
                       for point in shown]
        assert words_in(shown) <= max(60, int(0.15 * body_words(page))), lang
    assert found["ar"] == [[0], [4]]
    assert found["en"] == found["fr"] == found["ar"]
