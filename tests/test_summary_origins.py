"""Where each version's points come from (mirsad.summary.box.points_for),
on real Pelican articles shaped as the reader, mirsad.i18n (reviewed
translations) and mirsad.mt (machine translations, placeholders) make them."""

import copy
import datetime as dt

import pytest
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG

from mirsad.markdown import render
from mirsad.summary.box import authored_points, points_for, translate_points
from mirsad.summary.summarise import Options

ARABIC = ("داعش لا يزال نشطا في سرت منذ يناير.\n\nوقال مصدر إن الوضع غامض ولا يمكن التنبؤ به.\n\n"
          "وأعلنت أفريكوم في يناير تراجع أعداد المقاتلين إلى بضع مئات بعد خمسة آلاف.")
ENGLISH = ("ISIS is still active in Sirte since January.\n\nA source said the situation is unclear and cannot be "
           "predicted.\n\nAFRICOM announced in January that the number of fighters fell to a few hundred from five thousand.")


def article(body: str, lang: str, **metadata) -> Article:
    html = render.render(body, render.make_renderer(), ["http", "https"])
    metadata = {"title": "T", "lang": lang, "date": dt.datetime(2017, 1, 25), "slug": "s", **metadata}
    return Article(html, metadata=metadata, settings=copy.deepcopy(DEFAULT_CONFIG), source_path=f"s.{lang}.md")


@pytest.fixture
def source():
    return points_for(article(ARABIC, "ar"), None, Options())


def test_original_points_are_computed_from_its_text(source):
    assert source.origin == "computed" and source.lang == "ar"
    assert source.points == ["داعش لا يزال نشطا في سرت منذ يناير.",
                             "وأعلنت أفريكوم في يناير تراجع أعداد المقاتلين إلى بضع مئات بعد خمسة آلاف."]


def test_authored_points_keep_their_text_and_say_who_wrote_them(source):
    summary = "تراجع عدد مقاتلي داعش. لكن التنظيم لا يزال نشطا."
    assert authored_points(article(ARABIC, "ar", summary_text=summary)) == [
        "تراجع عدد مقاتلي داعش.", "لكن التنظيم لا يزال نشطا."]
    original = points_for(article(ARABIC, "ar", key_points=["نقطة"], summary_text=summary), None, Options())
    assert (original.points, original.origin) == (["نقطة"], "authored")
    reviewed = article(ENGLISH, "en", translation=True, reviewed_translation=True, key_points=["Point"])
    assert points_for(reviewed, source, Options()).origin == "reviewed"
    machine = article(ENGLISH, "en", translation=True, machine_translation={"engine": "Argos"}, key_points=["Point"])
    assert points_for(machine, source, Options()).origin == "machine"


def test_translations_take_the_same_sentences_as_the_original(source):
    reviewed = points_for(article(ENGLISH, "en", translation=True, reviewed_translation=True), source, Options())
    assert (reviewed.origin, reviewed.lang) == ("aligned", "en")
    assert reviewed.points == ["ISIS is still active in Sirte since January.",
                               "AFRICOM announced in January that the number of fighters fell to a few hundred "
                               "from five thousand."]
    machine = points_for(article(ENGLISH, "en", translation=True, machine_translation={"engine": "Argos"}),
                         source, Options())
    assert machine.origin == "machine" and machine.points == reviewed.points


def test_translation_of_another_shape_is_summarised_on_its_own(source):
    one_paragraph = ENGLISH.replace("\n\n", " ")
    own = points_for(article(one_paragraph, "en", translation=True, reviewed_translation=True), source, Options())
    assert own.origin == "computed-translation" and own.lang == "en"
    assert "AFRICOM announced in January that the number of fighters fell to a few hundred from five thousand." in own.points


def test_placeholder_shows_the_original_points_in_their_language(source):
    placeholder = article(ARABIC, "en", translation=True, translation_missing=["ar→en"])
    shown = points_for(placeholder, source, Options())
    assert (shown.points, shown.origin, shown.lang) == (source.points, "computed", "ar")


def test_a_translation_plugin_can_translate_the_points(source):
    def translate(sender, points, source_lang, target_lang):
        return [f"[{source_lang}→{target_lang}] {point}" for point in points] if target_lang == "fr" else None

    translate_points.connect(translate)
    try:
        french = points_for(article(ENGLISH, "fr", translation=True, machine_translation={"engine": "Argos"}),
                            source, Options())
        english = points_for(article(ENGLISH, "en", translation=True, machine_translation={"engine": "Argos"}),
                             source, Options())
        reviewed = points_for(article(ENGLISH, "fr", translation=True, reviewed_translation=True), source, Options())
    finally:
        translate_points.disconnect(translate)
    assert french.origin == "machine" and french.points[0] == "[ar→fr] داعش لا يزال نشطا في سرت منذ يناير."
    assert english.points[0] == "ISIS is still active in Sirte since January."  # declined: aligned instead
    assert reviewed.origin == "aligned"  # a person's translation is never replaced by a machine's
