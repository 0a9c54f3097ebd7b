"""PDF of every briefing in every language (plugins/mirsad/pdf): what a reader
gets from the file (text through poppler's pdftotext, metadata through pypdf),
links from the pages, reproducibility, skip-unchanged, failures."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT, build, missing_tool

from mirsad.pdf.links import filesize
from mirsad.text.sentences import split_sentences

LANGS = ("ar", "en", "fr")
SAMPLE_SLUGS = ["isis-sirte", "un-action-plan", "libya-oil-output", "g5-sahel-migration", "man-made-river-water"]
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
SUMMARY = re.compile(r"mirsad_pdf: (\d+) PDFs: (\d+) rendered, (\d+) reused, (\d+) failed")


def pdf_text(path: Path, page: int | None = None) -> str:
    """pdftotext's text (one page, or all), bidi controls removed, spaces collapsed."""
    if shutil.which("pdftotext") is None:
        missing_tool("pdftotext not installed (Debian package poppler-utils)")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    text = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return " ".join(BIDI_CONTROLS.sub("", text).split())


def no_space(text: str) -> str:
    return "".join(text.split())


def letters(text: str) -> str:
    """The characters in order, without white space or Arabic vowel marks:
    pdftotext detaches a mark such as the tanween of "يوميًا" ("يوميً ا")."""
    return re.sub("[\u064b-\u065f\u0670]", "", no_space(text))


def punctuation_spacing(text: str) -> str:
    """Drop the spaces around a neutral punctuation mark between Arabic words:
    pdftotext moves them ("باسمه، لـ" comes out "باسمه ،لـ"; "ليبية: داعش" as
    "ليبية :داعش") although the PDF draws them right."""
    return re.sub(r"\s*([،؛:])\s*", r"\1", text)


def body_of(relative: str) -> str:
    return (ROOT / "content" / relative).read_text(encoding="utf-8").split("---", 2)[2]


def first_sentence(relative: str, lang: str) -> str:
    return split_sentences(body_of(relative).strip(), lang)[0]


def summaries(caplog) -> list[tuple[int, int, int, int]]:
    return [tuple(map(int, m.groups())) for r in caplog.records if (m := SUMMARY.search(r.getMessage()))]


# --- links from the pages ---------------------------------------------------


def test_every_briefing_page_links_its_pdf_with_its_size(sample):
    for slug in SAMPLE_SLUGS:
        for lang in LANGS:
            page = sample.page(f"{lang}/briefings/{slug}.html")
            link = page.find(".//header//p[@class='briefing-meta pdf-link']/a")
            assert link is not None, f"{lang}/{slug}: no PDF link"
            target = (sample.output / lang / "briefings" / link.get("href")).resolve()
            assert target == (sample.output / lang / "briefings" / f"{slug}.pdf").resolve()
            assert target.read_bytes().startswith(b"%PDF-")
            assert target.stat().st_mode & 0o444 == 0o444, "a web server must be able to read it"
            size = page.find(".//p[@class='briefing-meta pdf-link']/span").text
            assert size == f"({filesize(target.stat().st_size, lang)})"
    assert not sample.errors, sample.errors


def test_listing_cards_link_the_pdfs(sample):
    for lang in LANGS:
        home = sample.output / lang / "index.html"
        cards = sample.page(f"{lang}/index.html").findall(".//article[@class='card']")
        assert len(cards) == len(SAMPLE_SLUGS)
        for card in cards:
            page_href = card.find(".//h2/a").get("href")
            pdf_href = card.find(".//p[@class='briefing-meta pdf-link']/a").get("href")
            assert pdf_href == page_href.removesuffix(".html") + ".pdf"
            assert (home.parent / pdf_href).resolve().is_file()


# --- what the PDF says -------------------------------------------------------


def test_pdf_has_title_body_source_provenance_and_no_development_address(sample):
    titles = {"ar": "مصادر ليبية: داعش لا يزال يتحرك بالقرب من سرت",
              "en": "Libyan sources: ISIS still moving near Sirte",
              "fr": "Sources libyennes : Daech circule toujours près de Syrte"}
    bodies = {"ar": "briefings/isis-sirte.md", "en": "translations/isis-sirte.en.md",
              "fr": "translations/isis-sirte.fr.md"}
    provenance = {"ar": "النص الأصلي", "en": "Reviewed translation by Mirsad editorial team",
                  "fr": "Mirsad editorial team"}
    # The source, in Arabic: verbatim in the Arabic PDF; inside an English or
    # French line pdftotext returns its words in visual order (the PDF draws
    # it right), so only its words are checked there.
    source = {"ar": ["المصدر: العربية.نت"], "en": ["Source:", "العربية", "نت"],
              "fr": ["Source :", "العربية", "نت"]}
    for lang in LANGS:
        text = pdf_text(sample.output / lang / "briefings/isis-sirte.pdf")
        assert punctuation_spacing(" ".join(titles[lang].split())) in punctuation_spacing(text), lang
        assert " ".join(first_sentence(bodies[lang], lang).split()) in text, lang
        assert all(punctuation_spacing(s) in punctuation_spacing(text) for s in source[lang]), lang
        assert provenance[lang] in text, lang
        # A development build's address (localhost) is no address for a
        # reader: not printed (test_publication.py: a published one is).
        assert f"/{lang}/briefings/isis-sirte.html" not in text and "localhost" not in text


def test_pdf_subject_is_the_summary_and_the_box_comes_first(sample):
    reader = PdfReader(sample.output / "ar/briefings/libya-oil-output.pdf")
    summary = re.search(r'summary: "(.*)"', (ROOT / "content/briefings/libya-oil-output.md")
                        .read_text(encoding="utf-8")).group(1)
    assert reader.metadata.subject == summary
    if not (ROOT / "themes/mirsad/templates/_summary_box.html").exists():
        pytest.skip("the summary box template (_summary_box.html) is not written yet")
    text = pdf_text(sample.output / "ar/briefings/un-action-plan.pdf")
    point = "خطة من ثلاث مراحل تبدأ بتعديل الاتفاق السياسي الليبي."
    body = first_sentence("briefings/un-action-plan.md", "ar")
    assert no_space(point) in no_space(text)
    assert no_space(text).index(no_space(point)) < no_space(text).index(no_space(body)[:25])


def test_arabic_text_extracts_in_logical_order(sample):
    text = pdf_text(sample.output / "ar/briefings/isis-sirte.pdf")
    sentences = split_sentences(body_of("briefings/isis-sirte.md").strip(), "ar")
    # The seed's first sentence, verbatim.
    assert sentences[0] in text
    # Every sentence of the seed, in order (but for where pdftotext puts the
    # space next to an Arabic comma); the summary box may quote some first.
    joined, position = punctuation_spacing(text), -1
    for sentence in sentences:
        position = joined.find(punctuation_spacing(sentence), position + 1)
        assert position != -1, sentence


def test_latin_runs_and_digits_keep_their_order_in_arabic_lines(sample):
    text = no_space(pdf_text(sample.output / "ar/briefings/un-action-plan.pdf"))
    assert no_space("في نيويورك في 20 سبتمبر 2017 على هامش") in text
    for before, latin, after in (("غسان سلامة", "Ghassan Salamé", "خطة عمل جديدة"),
                                 ("للدعم في ليبيا", "UNSMIL", "منذ صيف")):
        positions = [text.find(no_space(run)) for run in (before, latin, after)]
        assert -1 < positions[0] < positions[1] < positions[2], (before, latin, after)


def test_page_numbers_and_running_header_in_each_language(sample):
    words = {"ar": ("صفحة", "من"), "en": ("Page", "of"), "fr": ("Page", "sur")}
    for lang in LANGS:
        path = sample.output / lang / "briefings/isis-sirte.pdf"
        total = len(PdfReader(path).pages)
        assert total >= 2, f"{lang}: expected the seed briefing to need two pages"
        digits = (lambda n: str(n).translate(INDIC)) if lang == "ar" else str
        title = PdfReader(path).metadata.title
        for number in range(1, total + 1):
            page = pdf_text(path, number)
            before, between = words[lang]
            assert no_space(f"{before} {digits(number)} {between} {digits(total)}") in no_space(page)
            if number > 1:  # page 1 has the masthead, the others the running title
                assert punctuation_spacing(page).startswith(punctuation_spacing(" ".join(title.split())))


def test_fonts_are_the_theme_fonts_embedded(sample):
    if shutil.which("pdffonts") is None:
        missing_tool("pdffonts not installed (Debian package poppler-utils)")
    # Bold, italic: the theme's files; Arabic has no italic: Pango slants it (Oblique).
    # Noto Sans Math: the theme's arrows (a machine translation's "ar→en").
    allowed = re.compile(r"^[A-Z]{6}\+Noto-(Naskh-Arabic-Print|Serif|Sans|Sans-Math)(-Bold)?(-Italic|-Oblique)?$")
    for pdf in sorted(sample.output.rglob("*.pdf")):
        lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        assert lines, pdf
        for line in lines:
            name, *_, emb, sub, uni, _obj, _gen = line.split()
            assert allowed.match(name), f"{pdf.name}: {name} is not one of the theme's fonts"
            assert (emb, sub, uni) == ("yes", "yes", "yes"), f"{pdf.name}: {line}"


def test_metadata_title_author_language_subject_keywords_dates(sample):
    keywords = {"ar": "ليبيا, داعش, سرت", "en": "Libya, ISIS, Sirte", "fr": "Libye, Daech, Syrte"}
    for lang in LANGS:
        reader = PdfReader(sample.output / lang / "briefings/isis-sirte.pdf")
        info = reader.metadata
        page_title = sample.page(f"{lang}/briefings/isis-sirte.html").findtext(".//h1")
        assert info.title == page_title
        assert info.author == {"ar": "مرصد"}.get(lang, "Mirsad")
        assert info.keywords == keywords[lang]
        assert info.subject
        assert reader.trailer["/Root"]["/Lang"] == lang
        # From the briefing (Tripoli time), not from the clock.
        assert info["/CreationDate"] == "D:20170125100000+02'00"
        modified = "D:20170125100000+02'00" if lang == "ar" else "D:20261129000000+02'00"
        assert info["/ModDate"] == modified  # translations: the day of the review
        # PDF/UA-1 (the default): tagged, with a structure tree.
        assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
        assert "/StructTreeRoot" in reader.trailer["/Root"]


# --- reproducible, incremental ---------------------------------------------


def small_site(site):
    site.briefing("alpha", "تقرير ألفا عن ليبيا", "نص أول عن (UNSMIL) في 20 سبتمبر 2017.\n\nفقرة ثانية.",
                  tags="[ليبيا]")
    site.briefing("beta", "تقرير بيتا", "نص بيتا.", date="2017-02-01 09:00")
    return site


def test_rebuild_gives_byte_identical_pdfs(site, tmp_path):
    small_site(site)
    first = build(site.content, tmp_path / "one" / "output")
    second = build(site.content, tmp_path / "two" / "output")  # its own, empty cache
    pdfs = sorted(p.relative_to(first.output) for p in first.output.rglob("*.pdf"))
    assert Path("ar/briefings/alpha.pdf") in pdfs and Path("ar/digest.pdf") in pdfs
    for pdf in pdfs:
        assert (first.output / pdf).read_bytes() == (second.output / pdf).read_bytes(), pdf


def test_unchanged_pdfs_are_not_rendered_again(site, caplog):
    small_site(site)
    caplog.set_level(logging.INFO, logger="mirsad.pdf")
    first = site.build()
    total, rendered, reused, failed = summaries(caplog)[-1]
    assert (rendered, reused, failed) == (total, 0, 0) and total == len(list(first.output.rglob("*.pdf")))

    second = site.build()
    assert summaries(caplog)[-1] == (total, 0, total, 0)
    assert sorted(second.output.rglob("*.pdf")) == sorted(first.output.rglob("*.pdf"))

    site.briefing("beta", "تقرير بيتا", "نص بيتا بعد التعديل.", date="2017-02-01 09:00")
    third = site.build()
    changed = len([*third.output.glob("*/briefings/beta.pdf"), *third.output.glob("*/digest.pdf")])
    assert summaries(caplog)[-1] == (total, changed, total - changed, 0)
    assert "بعد التعديل" in pdf_text(third.output / "ar/briefings/beta.pdf")
    assert len(list((site.root / "cache" / "pdf").glob("*.pdf"))) == total  # old renderings pruned


# --- failures ---------------------------------------------------------------


def broken_site(site):
    """Two briefings; the print template fails on one of them (the reader
    refuses the nesting that once made WeasyPrint itself fail)."""
    site.briefing("good", "موجز سليم", "نص سليم.")
    site.briefing("broken", "موجز معطوب", "نص.")
    theme = site.root / "theme"
    shutil.copytree(ROOT / "themes" / "mirsad", theme)
    template = theme / "templates" / "pdf" / "briefing.html"
    template.write_text('{% if article.slug == "broken" %}{{ article.no_such_method() }}{% endif %}\n'
                        + template.read_text(encoding="utf-8"), encoding="utf-8")
    site.theme = str(theme)
    return site


def test_a_failing_pdf_is_named_and_the_others_are_built(site):
    built = broken_site(site).build(THEME=site.theme)
    assert any("mirsad_pdf: briefings/broken.md (ar): its PDF could not be made (UndefinedError" in e
               for e in built.errors), built.errors
    assert (built.output / "ar/briefings/good.pdf").is_file()
    assert not (built.output / "ar/briefings/broken.pdf").exists()
    assert (built.output / "ar/briefings/broken.html").is_file()
    assert built.page("ar/briefings/broken.html").find(".//p[@class='briefing-meta pdf-link']") is None


def test_strict_mode_fails_the_build_after_rendering_the_others(site):
    from mirsad.pdf.build import PdfBuildError

    broken_site(site)
    with pytest.raises(PdfBuildError, match=r"briefings/broken\.md \(ar\)"):
        site.build(THEME=site.theme, MIRSAD_PDF={"strict": True})
    assert list((site.root / "cache" / "pdf").glob("ar--briefings--good.*.pdf"))


def test_remote_images_are_not_fetched_and_the_briefing_is_named(site):
    site.briefing("map", "خريطة", "![خريطة](https://example.org/map.png)\n\nنص.")
    built = site.build()
    assert (built.output / "ar/briefings/map.pdf").is_file()
    assert any("briefings/map.md (ar)" in w and "https://example.org/map.png" in w
               for w in built.warnings), built.warnings
