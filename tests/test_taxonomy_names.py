"""Tags, categories, places and sources in every language: taxonomy.yml and
the glossary decide, machine translation never makes a URL, and a term the
editor has not listed is one warning naming it, its briefings and the line
to add. Real builds with the test models."""

from __future__ import annotations

import re

from test_machine_translation import FRAGILE, build, install

TAXONOMY = """tags:
  ليبيا: {slug: libya, en: Libya, fr: Libye}
sources:
  العربية.نت: {en: Al Arabiya, fr: Al Arabiya}
"""
GLOSSARY = """بني وليد: {en: Bani Walid, fr: Bani Walid}
سرت: {en: Sirte, fr: Syrte}
"""
NEW_TAG = "سرت"  # in the glossary, not in taxonomy.yml: machine-translated as a name


def facts(built, path: str) -> dict[str, str]:
    box = built.page(path).find(".//dl[@class='summary-box__facts']")
    return {div.findtext("dt"): " ".join(re.sub("[\u2066-\u2069]", "", div.find("dd").text_content()).split())
            for div in box.findall("div")}


def tag_pages(built) -> list[str]:
    return sorted(str(p.relative_to(built.output)) for p in built.output.glob("*/tags/*.html"))


def test_a_term_missing_from_taxonomy_is_one_warning_and_never_a_machine_made_url(mt_site):
    mt_site.write("taxonomy.yml", TAXONOMY)
    mt_site.write("glossary.yml", GLOSSARY)
    mt_site.briefing("one", "عنوان", body=FRAGILE, tags=f"[ليبيا, {NEW_TAG}]")
    mt_site.briefing("two", "عنوان آخر", body=FRAGILE, tags=f"[{NEW_TAG}]")
    without_models = build(mt_site)
    install(mt_site.models)
    built = build(mt_site)

    assert tag_pages(built) == tag_pages(without_models)  # the same URLs, with or without machine translation
    # (Pelican logs a message once per process: the first build has it.)
    warnings = [w for w in without_models.warnings if f"'{NEW_TAG}' is not in taxonomy.yml" in w]
    assert len(warnings) == 1
    assert "briefings/one.md" in warnings[0] and "briefings/two.md" in warnings[0]
    assert f"Add under `tags:` the line `  {NEW_TAG}: {{slug: " in warnings[0] and "en: ..., fr: ...}`" in warnings[0]
    assert not [w for w in without_models.warnings if "'ليبيا' is not in taxonomy.yml" in w]
    # Its machine-made English name is labelled wherever it is a link.
    link = next(a for a in built.page("en/briefings/one.html").iter("a") if "/tags/" in (a.get("href") or "")
                and "libya" not in a.get("href"))
    assert link.get("class") == "machine-name" and link.getnext().text == "Machine translation, not reviewed"
    libya = next(a for a in built.page("en/briefings/one.html").iter("a") if (a.get("href") or "").endswith("libya.html"))
    assert libya.get("class") is None and libya.text == "Libya"


def test_places_and_source_in_each_language_and_a_reviewed_translations_own(site):
    site.write("taxonomy.yml", TAXONOMY)
    site.write("glossary.yml", GLOSSARY)
    site.briefing("placed", "عنوان", location="[سرت, بني وليد, مكان]", source="العربية.نت")
    site.translation("placed", "fr", "Titre", translator="A. Editor", reviewed="2017-02-01",
                     location="[Syrte (centre), Bani Walid]", source="Al Arabiya (site)")
    built = site.build()

    en = facts(built, "en/briefings/placed.html")
    assert en["Places"] == "Sirte, Bani Walid, مكان" and en["Source"] == "Al Arabiya"
    assert " ".join(built.page("en/briefings/placed.html").find(".//p[@class='briefing-source']")
                    .text_content().split()) == "Source: Al Arabiya"
    fr = facts(built, "fr/briefings/placed.html")
    assert fr["Lieux"] == "Syrte (centre), Bani Walid" and fr["Source"] == "Al Arabiya (site)"
    assert facts(built, "ar/briefings/placed.html")["الأماكن"] == "سرت، بني وليد، مكان"
    warnings = [w for w in built.warnings if "is not in taxonomy.yml" in w]
    assert len(warnings) == 1 and "the place 'مكان'" in warnings[0] and "Add under `places:`" in warnings[0]
