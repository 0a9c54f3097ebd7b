"""The digest PDF of each language (plugins/mirsad/pdf): cover, table of
contents with the page of every briefing, a section per briefing, the link
from the home page, the latest-N and date-range selections."""

from __future__ import annotations

import re

from pypdf import PdfReader

from test_pdf import INDIC, LANGS, SAMPLE_SLUGS, letters, pdf_text


def sections(path) -> list[tuple[str, int]]:
    """(title, 1-based page) of the digest's top-level bookmarks but Contents."""
    reader = PdfReader(path)
    marks = [(m.title, reader.get_destination_page_number(m) + 1)
             for m in reader.outline if not isinstance(m, list)]
    return marks[1:]  # the first is the table of contents itself


def test_each_home_page_links_its_digest(sample):
    for lang in LANGS:
        link = sample.page(f"{lang}/index.html").find(".//main/p[@class='briefing-meta pdf-link']/a")
        assert link is not None, lang
        digest = sample.output / lang / "digest.pdf"
        assert (sample.output / lang / link.get("href")).resolve() == digest.resolve()
        assert digest.read_bytes().startswith(b"%PDF-")


def test_digest_lists_the_briefings_newest_first_with_their_pages(sample):
    for lang in LANGS:
        path = sample.output / lang / "digest.pdf"
        cards = [a.text for a in sample.page(f"{lang}/index.html").findall(".//article[@class='card']/h2/a")]
        found = sections(path)
        assert [title for title, _ in found] == cards and len(cards) == len(SAMPLE_SLUGS)
        for title, page in found:  # each section starts on its page, under its title
            assert letters(pdf_text(path, page)).startswith(letters(title)), (lang, title)
        contents = pdf_text(path, 2)
        if lang == "ar":  # pdftotext scrambles leader lines in RTL: compare the numbers
            numbers = re.findall("[٠-٩]+", contents)
            assert sorted(numbers[:-2]) == sorted(str(page).translate(INDIC) for _, page in found)
        else:
            for title, page in found:
                line = re.escape(" ".join(title.split())) + r"[ .]*\.{3,} " + str(page)
                assert re.search(line, contents), title


def test_digest_cover_and_metadata(sample):
    names = {"ar": "مرصد", "en": "Mirsad", "fr": "Mirsad"}
    for lang in LANGS:
        path = sample.output / lang / "digest.pdf"
        cover = pdf_text(path, 1)
        assert cover.startswith(names[lang])
        assert str(len(SAMPLE_SLUGS)) in cover.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
        reader = PdfReader(path)
        assert reader.trailer["/Root"]["/Lang"] == lang
        assert reader.metadata.title.startswith(names[lang])
        # As old as its newest content (a reviewed translation: its review day).
        newest = "D:20171106093000+02'00" if lang == "ar" else "D:20261129000000+02'00"
        assert reader.metadata["/CreationDate"] == newest


def dated_site(site):
    for slug, month in (("january", 1), ("march", 3), ("may", 5)):
        site.briefing(slug, f"موجز {slug}", f"نص موجز {slug}.", date=f"2017-{month:02d}-10 09:00")
    return site


def test_digest_of_the_latest_n(site):
    built = dated_site(site).build(MIRSAD_PDF={"digest_latest": 2})
    assert [title for title, _ in sections(built.output / "ar/digest.pdf")] == ["موجز may", "موجز march"]


def test_digest_of_a_date_range(site):
    built = dated_site(site).build(MIRSAD_PDF={
        "briefings": False, "digest_since": "2017-02-01", "digest_until": "2017-04-30",
        "digest_save_as": "{lang}/digest-{since}--{until}.pdf"})
    path = built.output / "ar/digest-2017-02-01--2017-04-30.pdf"
    assert [title for title, _ in sections(path)] == ["موجز march"]
    text = pdf_text(path)
    assert "march" in text and "january" not in text and "may" not in text
    assert not list(built.output.rglob("briefings/*.pdf"))
