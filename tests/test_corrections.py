"""Corrections and updates of a published briefing (front matter `updated:`
and `corrections:`): on its page and in its PDF in every language, in the
feed's <updated> and the sitemap's lastmod. Real builds with the test models."""

from __future__ import annotations

import re

from test_hostile_content import pdf_text
from test_machine_translation import CLASHES, FRAGILE, build, install

EN_CLASHES = "Clashes took place south of Tripoli."
FR_CLASHES = "Des affrontements ont eu lieu au sud de Tripoli."
ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}

CORRECTED = f"""---
title: "عنوان"
date: 2017-01-25 10:00
slug: {{slug}}
updated: 2017-01-27 09:00
corrections:
  - date: 2017-01-26
    text: "{CLASHES}"
---

{FRAGILE}
"""


def corrections(built, path: str) -> list[str]:
    return [" ".join(li.text_content().split())
            for li in built.page(path).findall(".//section[@class='corrections']/ul/li")]


def test_a_correction_is_shown_in_every_language_and_dates_the_briefing(mt_site):
    install(mt_site.models)
    mt_site.write("briefings/fixed.md", CORRECTED.format(slug="fixed"))
    mt_site.write("briefings/reviewed.md", CORRECTED.format(slug="reviewed"))
    mt_site.translation("reviewed", "en", "Reviewed", body="Reviewed text.", translator="A. Editor",
                        reviewed="2017-02-01", corrections='[{date: 2017-01-26, text: "Our own wording."}]')
    built = build(mt_site)

    assert corrections(built, "ar/briefings/fixed.html") == [f"26 يناير 2017: {CLASHES}"]
    assert corrections(built, "en/briefings/fixed.html") == [
        f"January 26, 2017: {EN_CLASHES} Machine translation, not reviewed"]
    assert corrections(built, "fr/briefings/fixed.html") == [
        f"26 janvier 2017 : {FR_CLASHES} Traduction automatique, non relue"]
    # A reviewed translation's own corrections, as written; without any, the machine's, labelled.
    assert corrections(built, "en/briefings/reviewed.html") == ["January 26, 2017: Our own wording."]
    assert corrections(built, "fr/briefings/reviewed.html")[0].endswith("Traduction automatique, non relue")

    updated = built.page("en/briefings/fixed.html").find(".//span[@class='briefing-meta__updated']/time")
    assert updated.get("datetime").startswith("2017-01-27") and updated.text == "January 27, 2017"
    for lang in ("ar", "en", "fr"):
        entry = built.xml(f"{lang}/feed.atom.xml").find("a:entry", ATOM)
        assert entry.findtext("a:updated", namespaces=ATOM).startswith("2017-01-27")
        assert entry.findtext("a:published", namespaces=ATOM).startswith("2017-01-25")
    lastmod = {url.findtext("s:loc", namespaces=SITEMAP).rsplit("/", 3)[-3:][0] + "/" +
               url.findtext("s:loc", namespaces=SITEMAP).rsplit("/", 1)[-1]: url.findtext("s:lastmod", namespaces=SITEMAP)
               for url in built.xml("sitemap.xml").findall("s:url", SITEMAP)}
    assert lastmod["en/fixed.html"] == lastmod["ar/fixed.html"] == "2017-01-27"
    assert EN_CLASHES in " ".join(pdf_text(built.output / "en" / "briefings" / "fixed.pdf").split())
    arabic = re.sub("[\u202a-\u202e]", "", pdf_text(built.output / "ar" / "briefings" / "fixed.pdf"))
    assert all(word in arabic for word in CLASHES.strip(".").split())  # pdftotext reorders RTL lines


def test_a_malformed_correction_leaves_its_briefing_out_naming_the_file_and_line(site):
    broken = site.write("briefings/broken.md", CORRECTED.format(slug="broken").replace(
        '    text: "', '    txt: "'))
    site.briefing("fine", "عنوان سليم")
    built = site.build()

    assert any(f"{broken}:7: correction 1 must have a `date` and a `text`" in error for error in built.errors)
    assert (built.output / "ar" / "briefings" / "fine.html").exists()
    assert not (built.output / "ar" / "briefings" / "broken.html").exists()


def test_a_correction_without_a_date_is_refused(site):
    path = site.write("briefings/undated.md", CORRECTED.format(slug="undated").replace(
        "  - date: 2017-01-26\n", "  - date: soon\n"))
    built = site.build()
    assert any(f"{path}:7: correction 1 has the date 'soon', which is not a date" in e for e in built.errors)


def test_a_correction_dated_with_its_time_is_shown(site):
    """YAML reads `2017-01-26 14:30` (no seconds) as text, not as a date: the
    form the error message itself suggests must be accepted."""
    site.write("briefings/timed.md", CORRECTED.format(slug="timed").replace(
        "  - date: 2017-01-26\n", "  - date: 2017-01-26 14:30\n"))
    built = site.build()
    assert built.errors == []
    assert corrections(built, "ar/briefings/timed.html") == [f"26 يناير 2017: {CLASHES}"]
