"""What is published of unreviewed machine translation (MIRSAD_MT["publish"]),
and how it is marked: real builds with the repo's test models."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from test_hostile_content import pdf_text
from test_machine_translation import ACTIVE, CLASHES, FRAGILE, build, install
from test_review import UNKNOWN

EN_FRAGILE = "The security situation in Libya remains fragile."
EN_ACTIVE = "ISIS is still active in Sirte."
FR_FRAGILE = "La situation sécuritaire en Libye reste fragile."
TAXONOMY = """tags:
  ليبيا: {slug: libya, en: Libya, fr: Libye}
categories:
  أمن: {slug: security, en: Security, fr: Sécurité}
"""
LABEL = {"en": "Machine translation, not reviewed", "fr": "Traduction automatique, non relue"}


def every_file_text(output: Path) -> dict[str, str]:
    """Every published file as text (PDFs through pdftotext)."""
    found = {}
    for path in sorted(p for p in output.rglob("*") if p.is_file()):
        name = str(path.relative_to(output))
        if path.suffix == ".pdf":
            found[name] = pdf_text(path)
        elif path.suffix in {".html", ".xml", ".js", ".json", ".txt", ".css"}:
            found[name] = path.read_text(encoding="utf-8")
    return found


def files_with(output: Path, *needles: str) -> list[str]:
    return [name for name, text in every_file_text(output).items()
            if any(needle in " ".join(text.split()) for needle in needles)]


def test_hold_publishes_only_the_notice_and_keeps_the_machine_translation(mt_site):
    install(mt_site.models)
    mt_site.write("taxonomy.yml", TAXONOMY)
    mt_site.briefing("held", ACTIVE, body=f"{FRAGILE}\n\n{CLASHES}", tags="[ليبيا]")
    mt_site.briefing("reviewed", "عنوان", body=FRAGILE, tags="[ليبيا]")
    mt_site.translation("reviewed", "en", "Reviewed title", body="Reviewed text.", translator="A. Editor",
                        reviewed="2017-02-01")
    built = build(mt_site, publish="hold")

    assert files_with(built.output, EN_FRAGILE, EN_ACTIVE, FR_FRAGILE) == []
    page = built.page("en/briefings/held.html")
    note = " ".join(page.find(".//div[@role='note']").text_content().split())
    assert "The English translation of this briefing is in review." in note
    assert page.find(".//div[@role='note']//a").get("href").endswith("ar/briefings/held.html")
    assert page.find(".//meta[@name='robots']").get("content") == "noindex"
    for listing in ("en/index.html", "en/archives.html", "en/tags/libya.html", "en/feed.atom.xml", "sitemap.xml",
                    "en/search-index.js"):
        text = built.text(listing) if (built.output / listing).exists() else ""
        assert "held.html" not in text.replace("ar/briefings/held.html", ""), listing
    assert "Reviewed title" in built.text("en/index.html")  # reviewed translations are published
    # Made and kept for `invoke review`: the translation memory has it.
    memory = sqlite3.connect(mt_site.mt["memory"])
    assert EN_FRAGILE in [row[0] for row in memory.execute("SELECT target FROM segments WHERE pair = 'ar→en'")]


def search_index_docs(built, lang: str) -> str:
    return next(p for p in built.output.rglob("*.js") if f"/{lang}/" in f"/{p.relative_to(built.output)}"
                and "search" in p.name).read_text(encoding="utf-8")


def test_labelled_machine_translation_says_so_wherever_it_appears(mt_site):
    install(mt_site.models)
    mt_site.write("taxonomy.yml", TAXONOMY)
    mt_site.briefing("mt", ACTIVE, body=FRAGILE, tags="[ليبيا]", category="أمن")
    mt_site.briefing("reviewed", "عنوان", body=FRAGILE, date="2017-01-20 10:00")
    mt_site.translation("reviewed", "en", "Reviewed title", body="Reviewed text.", translator="A. Editor",
                        reviewed="2017-02-01")
    built = build(mt_site)

    for lang in ("en", "fr"):
        label = LABEL[lang]
        for listing in ("index.html", "archives.html", "tags/libya.html", "categories/security.html"):
            page = built.page(f"{lang}/{listing}")
            entries = [" ".join(e.text_content().split()) for e in page.xpath("//article[@class='card'] | "
                                                                               "//ul[@class='archive-list']/li")]
            assert entries, listing
            for entry in entries:
                assert (label in entry) == ("Reviewed title" not in entry), (listing, entry)
        feed = built.xml(f"{lang}/feed.atom.xml")
        ns = {"a": "http://www.w3.org/2005/Atom"}
        entry = next(e for e in feed.findall("a:entry", ns) if "mt.html" in e.find("a:link", ns).get("href"))
        assert label in entry.find("a:content", ns).text
        assert label in [c.get("term") for c in entry.findall("a:category", ns)]
        assert f'"m":"{label}"' in search_index_docs(built, lang).replace(": ", ":")
        assert label in " ".join(pdf_text(built.output / lang / "digest.pdf").split())
        first_page = pdf_text(built.output / lang / "briefings" / "mt.pdf").split("\f")[0]
        assert label in " ".join(first_page.split())
    # Reviewed and original text carry no mark.
    en = built.page("en/index.html")
    reviewed_card = next(c for c in en.xpath("//article[@class='card']") if "Reviewed title" in c.text_content())
    assert LABEL["en"] not in reviewed_card.text_content()
    assert files_with(built.output / "ar", LABEL["en"], LABEL["fr"], "ترجمة آلية غير مراجَعة") == []
    reviewed_feed = built.xml("en/feed.atom.xml")
    assert sum(LABEL["en"] in (c.get("term") or "") for c in reviewed_feed.iter("{*}category")) == 1


def test_a_confidence_rule_holds_the_briefings_the_engine_was_unsure_of(mt_site, capsys):
    install(mt_site.models)
    mt_site.briefing("sure", ACTIVE, body=FRAGILE)
    mt_site.briefing("unsure", ACTIVE, body=f"{UNKNOWN}\n\n{UNKNOWN} {UNKNOWN}")
    built = build(mt_site, publish={"en": {"below_confidence": 0.2}, "fr": "label"}, low_confidence=0.5)

    assert built.page("en/briefings/sure.html").find(".//div[@class='provenance provenance--machine']") is not None
    assert built.page("en/briefings/unsure.html").find(".//div[@class='provenance provenance--held']") is not None
    assert built.page("fr/briefings/unsure.html").find(".//div[@class='provenance provenance--machine']") is not None
    assert "unsure.html" not in built.text("en/index.html") and "unsure.html" in built.text("fr/index.html")
    report = capsys.readouterr().err
    assert re.search(r"en: HELD unsure: \d of \d sentences below confidence 0.5 \(more than 20%\)", report)
    assert "en: 1 briefing(s) published as unreviewed machine translation, labelled: sure" in report
    assert "fr: 2 briefing(s) published as unreviewed machine translation, labelled: sure, unsure" in report
    # Each doubtful sentence is a warning, held ones included.
    doubtful = [w for w in built.warnings if "below confidence" in w]
    assert any("unsure.md [en]" in w for w in doubtful) and any("unsure.md [fr]" in w for w in doubtful)


@pytest.mark.parametrize("value", ["publish", "Hold", {"below_confidence": 2}, {"de": "hold"}, {},
                                   {"en": "label", "below_confidence": 0.2}, {"en": {"below": 0.1}}])
def test_an_unknown_publish_setting_names_the_key_and_the_fix(value):
    from mirsad.common.settings import SettingsError
    from mirsad.mt.policy import parse

    with pytest.raises(SettingsError, match=r"MIRSAD_MT\['publish'\].*write \"label\", \"hold\""):
        parse(value, ["en", "fr"])


def test_a_flagged_sentence_counts_as_below_confidence():
    from mirsad.mt.api import MachineUnit
    from mirsad.mt.policy import Policy, is_doubtful

    sure = MachineUnit("body-1", 0, "س", "S", 0.99, ())
    flagged = MachineUnit("body-2", 0, "س", "S S S S", 0.99, (), flags=("repeated words",))
    assert not is_doubtful(sure, 0.5) and is_doubtful(flagged, 0.5)
    assert Policy("below_confidence", 0.4).held_because([sure, flagged], 0.5)
    assert Policy("below_confidence", 0.5).held_because([sure, flagged], 0.5) is None


def test_many_identical_warnings_are_one_line_of_the_report(site, capsys):
    for n in range(40):
        site.briefing(f"b{n}", f"عنوان {n}", colour="red")
    built = site.build()
    assert len([w for w in built.warnings if "unknown front matter field 'colour'" in w]) == 40
    report = capsys.readouterr().err
    lines = [line for line in report.splitlines() if "'colour'" in line]
    assert len(lines) == 1
    assert "warning ×40:" in lines[0] and "and 39 more like it" in lines[0] and "(37 more files)" in lines[0]
    assert re.search(r"Summary: 0 errors, 4\d warnings", report)  # and the missing models


def test_a_held_machine_translation_is_the_draft_invoke_review_writes(tmp_path):
    from mirsad.review.commands import machine_drafts, select, write_draft
    from review_support import review_project

    site, project = review_project(tmp_path, publish="hold")
    site.briefing("held", ACTIVE, body=FRAGILE)
    [draft] = select(machine_drafts(project), "held", "en")
    path = write_draft(draft, project.translations)
    assert EN_FRAGILE in path.read_text(encoding="utf-8")

    signed = path.read_text(encoding="utf-8").replace("status: draft\n", "translator: Salma\nreviewed: 2026-12-04\n")
    path.write_text(signed, encoding="utf-8")
    built = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])
    assert EN_FRAGILE in built.text("en/briefings/held.html") and "held.html" in built.text("en/index.html")
