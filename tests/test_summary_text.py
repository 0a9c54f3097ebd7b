"""Summaries without a build: Arabic normalisation, stopwords, sentence
splitting, and the summariser itself on real briefing bodies (rendered by
the project's own Markdown reader) and on the edge cases."""

import pytest

from conftest import ROOT
from mirsad.markdown import render
from mirsad.markdown.frontmatter import split
from mirsad.summary import summarise, tokens
from mirsad.summary.blocks import blocks
from mirsad.summary.summarise import Options, cap, key_points
from mirsad.text.arabic import MAPPING, TABLE, light_stem, normalise
from mirsad.text.sentences import split_sentences
from mirsad.text.stopwords import stopwords

SEED_POINTS = [
    "كشفت مصادر مطلعة النقاب عن وجود مئات من مقاتلي تنظيم داعش لا يزالون يتحركون في محيط مدينة سرت "
    "عبر الطرقات الصحراوية المتشعبة",
    'وتحدث المصدر عن "حدوث أكثر من غارة بالتنسيق مع قوات الأفريكوم على أرتال لداعش كانت تتحرك في '
    'المنطقة الواقعة بين مصراتة وسرت ووادي سوف الجين ببني وليد"، لافتا إلى أن تفاصيل هذه الغارات '
    "والعمليات النوعية يبقيها القادة سرا لديهم لضمان نجاح غيرها.",
]


def html_of(markdown: str) -> str:
    return render.render(markdown, render.make_renderer(), ["http", "https"])


def points_of(path: str, lang: str) -> list[str]:
    """Computed points of a repository briefing, as the plugin computes them."""
    document = split((ROOT / path).read_text(encoding="utf-8"), path)
    fields = document.fields
    names = [*fields.get("tags", []), *(fields.get("location") or [])]
    return [pick.text for pick in key_points(html_of(document.body), lang, str(fields["title"]), names)]


# --- normalisation ---------------------------------------------------------

@pytest.mark.parametrize("variants", [
    ["إِنْتَاج", "انتاج", "إنتـــاج", "إنتاج"],  # diacritics, tatweel, hamza below
    ["أفريكوم", "افريكوم", "آفريكوم", "ٱفريكوم"],  # alef forms
    ["مسؤول", "مسوول"], ["رئيسية", "رييسيه"],  # hamza on waw / yeh, ta marbuta
    ["مستشفى", "مستشفي"],  # alef maqsura
    ["٢٠١٧", "2017", "۲۰۱۷"],  # Arabic-Indic and extended digits
    ["ﻻ", "لا"],  # presentation form
    ["سرت", "سر\u200cت", "\u2067سرت\u2069"],  # joiners and isolates
    ["AFRICOM", "Africom"],
])
def test_spellings_fold_to_one_form(variants):
    assert len({normalise(variant) for variant in variants}) == 1, [normalise(v) for v in variants]


def test_folding_is_exposed_as_a_character_table():
    assert MAPPING["أ"] == "ا" and MAPPING["ة"] == "ه" and MAPPING["ى"] == "ي"
    assert MAPPING["\u0640"] == "" and MAPPING["\u064e"] == ""  # tatweel, fatha
    assert "قُدِّرت".translate(TABLE) == "قدرت"


def test_light_stemming_strips_clitics_but_keeps_short_words():
    assert light_stem(normalise("بسرت")) == light_stem(normalise("سرت"))
    assert light_stem(normalise("لداعش")) == light_stem(normalise("داعش"))
    assert light_stem(normalise("والمقاتلين")) == light_stem(normalise("المقاتلين")) == light_stem(normalise("مقاتلين"))
    assert light_stem("بني") == "بن" and light_stem("من") == "من"


def test_words_starting_with_b_or_l_meet_their_prefixed_forms():
    # ليبيا starts with ل itself: "بليبيا" and "لليبيا" must stem alike.
    stems = {light_stem(normalise(w)) for w in ("ليبيا", "بليبيا", "لليبيا", "وليبيا")}
    assert len(stems) == 1
    assert light_stem(normalise("بلبنان")) == light_stem(normalise("لبنان"))


def test_forms_with_and_without_diacritics_score_alike():
    plain = "قدرت ميزانية القوة بنحو 423 مليون يورو في عامها الأول."
    marked = "قُدِّرَتْ ميزانيّـــة القوّة بنحوِ ٤٢٣ مليونَ يورو في عامِها الأوّل."
    assert tokens.words(plain, "ar") == tokens.words(marked, "ar")
    body = ("بدأت القوة المشتركة عملياتها في خريف 2017. {}\n\nوقال مسؤول إن الوضع غامض.\n\n"
            "وتنتشر القوة في مالي والنيجر وتشاد.")
    chosen_plain = [(p.block, p.sentence) for p in key_points(html_of(body.format(plain)), "ar")]
    chosen_marked = [(p.block, p.sentence) for p in key_points(html_of(body.format(marked)), "ar")]
    assert chosen_plain == chosen_marked


def test_stopword_lists_are_folded_data_for_each_language():
    assert {"الي", "في", "قال"} <= stopwords("ar")  # "إلى" is listed, folded to "الي"
    assert {"the", "said"} <= stopwords("en") and {"les", "selon"} <= stopwords("fr")
    assert stopwords("de") == frozenset()
    assert "مئات" not in stopwords("ar") and "hundreds" not in stopwords("en")  # numbers inform


# --- sentence splitting ----------------------------------------------------

def test_french_closing_guillemet_stays_with_its_sentence():
    text = "Elle a dit\u00a0: «\u00a0C'est peu probable. Mais Daech reste actif.\u00a0» Puis elle est partie."
    assert split_sentences(text, "fr") == [
        "Elle a dit\u00a0: «\u00a0C'est peu probable.", "Mais Daech reste actif.\u00a0»", "Puis elle est partie."]
    assert split_sentences("Fin de la note.\u00a0»", "fr") == ["Fin de la note.\u00a0»"]


def test_splitter_keeps_its_arabic_and_english_behaviour():
    assert split_sentences('قال "هذا مهم." ثم غادر. هل عاد؟ نعم', "ar") == ['قال "هذا مهم."', "ثم غادر.", "هل عاد؟", "نعم"]
    assert split_sentences("U.S. forces left. Mr. Smith stayed.", "en") == ["U.S. forces left.", "Mr. Smith stayed."]
    assert split_sentences("Production rose to 1.2 million. Exports too.", "en") == [
        "Production rose to 1.2 million.", "Exports too."]


# --- the summariser on the sample briefings ---------------------------------

def test_seed_points_are_the_informative_sentences():
    points = points_of("content/briefings/isis-sirte.md", "ar")
    assert points == SEED_POINTS
    joined = " ".join(points)
    assert "يتحركون في محيط مدينة سرت" in joined  # ISIS fighters moving around Sirte
    assert "غارة بالتنسيق مع قوات الأفريكوم" in joined  # air strikes with AFRICOM
    # The box's word budget: max(60, 15 % of the 451 words of the body).
    assert len(joined.split()) <= 67
    for vague in ("مستحيلة", "غامضا", "مستبعد"):  # "impossible", "unclear", "unlikely"
        assert vague not in joined


@pytest.mark.parametrize("path, lang", [
    ("content/translations/isis-sirte.en.md", "en"), ("content/translations/isis-sirte.fr.md", "fr")])
def test_english_and_french_sources_get_the_same_kind_of_points(path, lang):
    points = points_of(path, lang)
    joined = " ".join(points)
    assert points[0].startswith(("Informed sources have revealed that hundreds of ISIS fighters",
                                 "Des sources bien informées ont révélé que des centaines de combattants"))
    assert "Waldhauser" in joined and "impossible" not in joined
    assert len(points) <= 3 and not any(point.endswith("…") for point in points)


def test_output_is_deterministic_for_the_sample_briefings():
    for slug in ("isis-sirte", "g5-sahel-migration", "libya-oil-output", "un-action-plan"):
        first = points_of(f"content/briefings/{slug}.md", "ar")
        assert 2 <= len(first) <= 3
        assert all(points_of(f"content/briefings/{slug}.md", "ar") == first for _ in range(3))


def test_points_keep_document_order_and_count_follows_length():
    seed = (ROOT / "content/briefings/isis-sirte.md").read_text(encoding="utf-8").split("---", 2)[2]
    picks = key_points(html_of(seed), "ar", options=Options(max_points=4, max_words=200))
    assert len(picks) == 4  # about 500 words, and room for four
    assert [(p.block, p.sentence) for p in picks] == sorted((p.block, p.sentence) for p in picks)
    assert len(points_of("content/briefings/g5-sahel-migration.md", "ar")) == 2  # about 200 words
    assert len(key_points(html_of(seed), "ar", options=Options(max_points=3, max_words=200))) == 3


# --- edge cases --------------------------------------------------------------

def test_one_sentence_briefing_gives_that_sentence():
    assert [p.text for p in key_points(html_of("هاجم مسلحون ميناء السدرة فجر اليوم."), "ar")] == [
        "هاجم مسلحون ميناء السدرة فجر اليوم."]


def test_empty_body_gives_no_points():
    assert key_points("", "ar") == [] and key_points(html_of("## عنوان فقط"), "ar") == []


def test_list_only_briefing_takes_points_from_items():
    body = "- استئناف التصدير من ميناء السدرة في سبتمبر 2016.\n- عودة حقل الشرارة إلى الإنتاج.\n- استثناء ليبيا من اتفاق أوبك."
    points = [p.text for p in key_points(html_of(body), "ar")]
    assert len(points) == 2 and set(points) <= {
        "استئناف التصدير من ميناء السدرة في سبتمبر 2016.", "عودة حقل الشرارة إلى الإنتاج.", "استثناء ليبيا من اتفاق أوبك."}


def test_table_only_briefing_takes_points_from_data_rows():
    body = "| الفترة | الإنتاج |\n|---|---|\n| 2010 | 1.6 مليون |\n| 2016 | 0.4 مليون |\n| 2017 | 1.0 مليون |"
    points = [p.text for p in key_points(html_of(body), "ar")]
    assert len(points) == 2 and all(p in {"2010: 1.6 مليون", "2016: 0.4 مليون", "2017: 1.0 مليون"} for p in points)


def test_very_long_sentence_is_cut_at_a_word_boundary():
    sentence = "أعلنت المؤسسة " + " ".join(f"كلمة{n}" for n in range(200)) + "."
    [pick] = key_points(html_of(sentence), "ar", options=Options(max_point_chars=120))
    assert len(pick.text) <= 120 and pick.text.endswith("…")
    assert sentence.startswith(pick.text[:-1]) and sentence[len(pick.text) - 1] == " "


def test_cut_prefers_a_clause_end_near_the_limit():
    text = "The force began operations in the border area, months after its launch at a summit in Bamako in July"
    assert cap(text, 60) == "The force began operations in the border area…"
    assert cap(text, 80) == "The force began operations in the border area, months after its launch at a…"
    assert cap("short", 80) == "short"


def test_near_duplicates_are_dropped():
    body = ("هاجم مسلحون ميناء السدرة يوم الاثنين.\n\nهاجم مسلحون ميناء السدرة يوم الاثنين الماضي.\n\n"
            "وتراجعت الصادرات إلى 300 ألف برميل في مارس.")
    points = [p.text for p in key_points(html_of(body), "ar")]
    assert len(points) == 2 and sum("السدرة" in p for p in points) == 1


def test_hashtags_read_as_words_in_points():
    [pick] = key_points(html_of("أطلقت #البنيان_المرصوص عملية في #سرت أمس."), "ar")
    assert pick.text == "أطلقت البنيان المرصوص عملية في سرت أمس."


def test_candidates_remember_their_block_and_place_in_it():
    html = html_of("جملة أولى عن سرت. وجملة ثانية.\n\n## عنوان\n\n- بند عن داعش.")
    found = summarise.candidates(blocks(html), "ar")
    assert [(c.block, c.sentence, c.block_sentences, c.position) for c in found] == [
        (0, 0, 2, 0), (0, 1, 2, 1), (1, 0, 1, 2)]


# --- main clauses ----------------------------------------------------------

def test_a_trailing_clause_of_saying_or_adding_leaves_its_main_clause():
    from mirsad.summary.clauses import leading_clauses

    arabic = 'وتحدث المصدر عن "حدوث أكثر من غارة على أرتال لداعش"، لافتا إلى أن التفاصيل سرية.'
    assert leading_clauses(arabic, "ar") == ['وتحدث المصدر عن "حدوث أكثر من غارة على أرتال لداعش".']
    assert leading_clauses('The source spoke of "more than one air strike on ISIS convoys," noting that details '
                           "are secret.", "en") == ['The source spoke of "more than one air strike on ISIS convoys".']
    assert leading_clauses("La source a fait état de plusieurs frappes aériennes à Bani Walid, précisant que les "
                           "détails restent secrets.", "fr") == [
        "La source a fait état de plusieurs frappes aériennes à Bani Walid."]


def test_no_cut_where_what_comes_before_may_not_be_a_sentence():
    from mirsad.summary.clauses import leading_clauses

    # A comma before anything but a trailing participle; a cut inside a
    # quotation; a main clause too short to say anything.
    assert leading_clauses("يشار إلى أن قائد القوات الأميركية الجنرال توماس وولدهاوس، أعلن الاثنين الماضي عن تراجع "
                           "أعداد التنظيم.", "ar") == []
    assert leading_clauses('He said: "the strikes on the convoys continued for days, adding pressure on them".',
                           "en") == []
    assert leading_clauses("He spoke, adding that the strikes continued.", "en") == []
