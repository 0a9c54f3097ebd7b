"""Machine translation of what the editor wrote (mirsad.mt: segments,
translate, tokens, checks): Markdown read as Markdown, whole sentences
translated as written, tokens that must survive, and failed output
caught, with the repo's test models (which reproduce their corpus,
tools/test_models_corpus/ar_en_fr.tsv, exactly: including a few lines
whose "translation" drops a token, loops or stops short, so the checks
meet real engine output)."""

from __future__ import annotations

import sqlite3
import textwrap

import pytest
from conftest import ROOT
from test_machine_translation import ACTIVE, FRAGILE, _report, body_text, build, install

from mirsad.mt.checks import failures

CORPUS = {line.split("\t")[0]: line.split("\t")[1:]
          for line in (ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv").read_text("utf-8").splitlines()[1:]}
HASHTAG_LINE = next(ar for ar in CORPUS if "#البنيان_المرصوص" in ar)  # the second paragraph of isis-sirte
GECOL = next(ar for ar in CORPUS if "(GECOL)" in ar)
NOC = next(ar for ar in CORPUS if "(NOC)" in ar)
HANDLE = next(ar for ar in CORPUS if "@UNSMIL_Libya" in ar)
DROPPED = next(ar for ar in CORPUS if "200" in ar)
LOOP = next(ar for ar, (en, _) in CORPUS.items() if "said said said" in en)
CUT = next(ar for ar, (en, _) in CORPUS.items() if en == "He added that the government will")
GLOSSARY = "البنيان المرصوص: {en: Al-Bunyan al-Marsous, fr: Al-Bunyan al-Marsous}\n" \
           "المؤسسة الوطنية للنفط: {en: National Oil Corporation, fr: Compagnie nationale du pétrole}\n" \
           "NOC: {keep: true}\n"


def every_published_text(built) -> str:
    return "\n".join(path.read_text("utf-8", errors="replace") for path in built.output.rglob("*")
                     if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt"))


def test_a_paragraph_wrapped_anywhere_is_one_sentence_for_the_engine(mt_site):
    install(mt_site.models, ("ar_en", "en_fr", "ar_fr"))
    mt_site.write("glossary.yml", GLOSSARY)
    wrapped = "\n".join(textwrap.wrap(HASHTAG_LINE, 43))  # at 43, no line starts with "#", "-" or a digit
    mt_site.briefing("wrapped", ACTIVE, body=f"{wrapped}\n\n" + FRAGILE.replace(" في ", "\nفي "))
    built = build(mt_site)
    en, fr = CORPUS[HASHTAG_LINE]
    glossary_hashtag = "#Al-Bunyan_al-Marsous"  # the glossary's rendering of the hashtag's words
    assert body_text(built, "en/briefings/wrapped.html") == (
        en.replace("#AlBunyanAlMarsous", glossary_hashtag) + " The security situation in Libya remains fragile.")
    assert body_text(built, "fr/briefings/wrapped.html").startswith(fr.replace("#AlBunyanAlMarsous", glossary_hashtag))
    memory = sqlite3.connect(mt_site.mt["memory"])
    sources = {row[0] for row in memory.execute("SELECT source FROM segments WHERE kind='raw' AND pair='ar→en'")}
    assert HASHTAG_LINE in sources and FRAGILE in sources  # the engine read them on one line, as written
    assert not any("\n" in source for source in sources)
    assert "#AlBunyanAlMarsous" not in every_published_text(built)  # the glossary's rendering, everywhere
    report = _report(built)
    assert "[en] 0 of 3 segments (0.0%) translated in fragments" in report  # title and 2 sentences
    assert "flagged" not in report


def test_hard_breaks_list_items_and_headings_stay_boundaries(mt_site):
    install(mt_site.models)
    mt_site.briefing("breaks", ACTIVE, body=f"## {FRAGILE}\n\n{ACTIVE}  \n{FRAGILE}\n\n- {ACTIVE}\n- {FRAGILE}")
    built = build(mt_site)
    body = body_text(built, "en/briefings/breaks.html")
    assert body == ("The security situation in Libya remains fragile. ISIS is still active in Sirte. "
                    "The security situation in Libya remains fragile. ISIS is still active in Sirte. "
                    "The security situation in Libya remains fragile.")
    assert built.page("en/briefings/breaks.html").find(".//div[@class='briefing__body']/p/br") is not None


def test_a_segment_read_otherwise_than_before_is_translated_again_once_and_the_build_says_so(mt_site):
    install(mt_site.models)
    first, second = FRAGILE.rstrip("."), ACTIVE
    # What the earlier reading gave the engine for "first\nsecond": two sentences.
    mt_site.briefing("memory", ACTIVE, body=f"{first}\n\n{second}")
    build(mt_site)
    mt_site.briefing("memory", ACTIVE, body=f"{first}\n{second}")  # one sentence, wrapped
    again = build(mt_site)
    assert "ar→en: 1 segment(s) read otherwise than by the previous version" in _report(again)
    assert "ar→en: 1 segments translated, 1 reused" in _report(again)  # the title is reused
    third = build(mt_site)
    assert "ar→en: 0 segments translated" in _report(third)
    assert "read otherwise" not in _report(third)


def test_latin_words_numbers_urls_and_handles_reach_every_language(mt_site):
    install(mt_site.models)
    mt_site.write("glossary.yml", GLOSSARY)
    mt_site.briefing("tokens", ACTIVE, body=f"{GECOL}\n\n{NOC}\n\n{HANDLE}")
    built = build(mt_site)
    for lang in ("en", "fr"):
        body = body_text(built, f"{lang}/briefings/tokens.html")
        for token in ("(GECOL)", "12", "@UNSMIL_Libya", "unsmil.unmissions.org", "2024-03-15", "unsmil-info@un.org"):
            assert token in body, (lang, token)
        assert "@UNSMILLibya" not in body  # written otherwise by the engine: restored in place
    assert "@UNSMILLibya" not in every_published_text(built)  # feeds, search index, sitemap: nowhere
    # Dropped by the engine right after a glossary term: put back beside its rendering.
    assert "The National Oil Corporation (NOC) announced the resumption" in body_text(built, "en/briefings/tokens.html")
    assert "La Compagnie nationale du pétrole (NOC) a annoncé" in body_text(built, "fr/briefings/tokens.html")
    assert "flagged" not in _report(built)


def test_a_token_that_cannot_be_put_back_flags_the_sentence(mt_site):
    install(mt_site.models)
    mt_site.briefing("dropped", ACTIVE, body=DROPPED)
    built = build(mt_site)
    report = _report(built)
    assert "dropped [en] body-1: '200' lost in the translation: Migrants arrived at the port of Zuwara" in report
    assert "dropped [fr] body-1: '200' lost in the translation" in report
    assert any("'200' lost in the translation" in warning for warning in built.warnings)


def test_failed_output_is_flagged_counted_and_below_confidence(mt_site):
    install(mt_site.models)
    mt_site.briefing("failed", ACTIVE, body=f"{LOOP}\n\n{CUT}\n\n{FRAGILE}")
    built = build(mt_site, low_confidence=0.01)
    report = _report(built)
    assert "failed [en] body-1: repetition loop ('said said said said said said said said said said')" in report
    assert "failed [en] body-2: cut off (ends ' the government will', 0.31 of the source's length)" in report
    assert "failed [en] body-3" not in report
    assert "4 machine-translated sentence(s) flagged for review" in report  # 2 sentences × en, fr
    assert sum("repetition loop" in warning or "cut off" in warning for warning in built.warnings) == 4


def test_review_pages_mark_flagged_sentences_below_confidence_with_the_reason(tmp_path):
    from review_support import review_project

    from mirsad.review.review_site import build_review_site

    site, project = review_project(tmp_path, low_confidence=0.01)  # below the test models' real scores
    site.briefing("failed", ACTIVE, body=f"{LOOP}\n\n{FRAGILE}")
    pages = build_review_site(project, tmp_path / "review")
    page = next(p for p in pages if (p.draft.slug, p.draft.lang) == ("failed", "en"))
    assert [unit.id for unit in page.low] == ["body-1"] and page.low[0].confidence == 0.0
    html = (tmp_path / "review" / page.file_name).read_text("utf-8")
    assert "Flagged: repetition loop (&#x27;said said said" in html
    assert 'title="confidence 0.00 — flagged: repetition loop' in html


@pytest.mark.parametrize("source, output, source_lang, target_lang, reason", [
    ("وقال المتحدث إن الوضع تحت السيطرة.", "", "ar", "en", "empty output"),
    ("وقال المتحدث إن الوضع تحت السيطرة.", "وقال المتحدث إن الوضع", "ar", "en", "output still in the source's script"),
    ("وأضاف أن الحكومة ستعقد اجتماعا طارئا.", "Nièreièreront eu eu eu", "ar", "fr", "repetition loop ('eu eu eu')"),
    ("وأضاف أن الحكومة ستعقد اجتماعا طارئا.", "The mmmmmmmeds", "ar", "en", "repetition loop ('mmmmmmm')"),
    ("وأضاف أن الحكومة ستعقد اجتماعا.", "He added that the government will hold a meeting " * 4, "ar", "en",
     "length ratio"),
])
def test_each_kind_of_failed_output_is_named(source, output, source_lang, target_lang, reason):
    assert any(found.startswith(reason) for found in failures(source, output, source_lang, target_lang))


def test_good_output_and_a_source_that_loops_itself_are_not_flagged():
    assert failures(FRAGILE, "The security situation in Libya remains fragile.", "ar", "en") == []
    assert failures("Ha ha ha, he said.", "Ha ha ha, a-t-il dit.", "en", "fr") == []
