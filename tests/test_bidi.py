"""Trojan Source (CVE-2021-42574): direction overrides in what authors and
models write never reach a reader. In text they become isolates, balanced
in their block; in code they are shown, named. Every change is a warning
naming the file and the line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from pypdf import PdfReader

from mirsad.markdown.render import make_renderer, render
from mirsad.text.bidi import EMBEDDINGS, OPENERS, PDI, neutralise, visible

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
MIXED = st.text(alphabet=st.sampled_from(list("ليبياسرت abcXYZ 0123456789.") + list(CONTROLS)), max_size=60)
BLOCKS = ("p", "h1", "h2", "li", "td", "th", "blockquote")


def balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char in OPENERS:
            depth += 1
        elif char == PDI:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@given(MIXED)
def test_neutralised_text_has_no_override_and_balanced_isolates(text):
    cleaned, changes = neutralise(text)
    assert not set(cleaned) & set(EMBEDDINGS)
    assert balanced(cleaned)
    strip = str.maketrans("", "", CONTROLS)
    assert cleaned.translate(strip) == text.translate(strip)  # what is read stays, in order
    assert bool(changes) == (cleaned != text)


@settings(max_examples=60, deadline=None)
@given(st.lists(MIXED, min_size=1, max_size=4), MIXED)
def test_no_block_of_a_rendered_briefing_holds_an_override(paragraphs, code):
    markdown = "\n\n".join([f"## {paragraphs[0]}", *paragraphs, f"- {paragraphs[-1]}",
                            f"| a | b |\n|---|---|\n| {paragraphs[0]} | x |", f"`{code}`", f"```\n{code}\n```"])
    page = render(markdown, make_renderer(), ["https"])
    assert not set(page) & set(EMBEDDINGS)
    root = lxml_html.fragment_fromstring(page, create_parent="div")
    for block in root.iter(*BLOCKS):
        assert balanced(block.text_content()), block.text_content()
    for code_element in root.iter("code"):
        assert not set(code_element.text_content()) & set(CONTROLS)  # shown as markers, not applied


def test_code_shows_each_control_named():
    shown = visible("a\u202eb")
    assert shown == 'a<kbd title="U+202E RIGHT-TO-LEFT OVERRIDE">U+202E</kbd>b'


def test_an_override_in_the_body_becomes_an_isolate_with_a_warning_naming_the_line(site):
    site.briefing("spoof", "عنوان", body="\u202eالعدد 1234 في سرت\n\nنص `\u202e123` عادي.",
                  tags="[\"ليبيا\u202b\"]")
    built = site.build(MIRSAD_PDF={"briefings": False})
    page = built.text("ar/briefings/spoof.html")
    assert "\u202e" not in page and "\u202b" not in page
    assert "\u2067العدد 1234 في سرت\u2069" in page
    assert '<kbd title="U+202E RIGHT-TO-LEFT OVERRIDE">U+202E</kbd>123' in page
    path = site.content / "briefings" / "spoof.md"
    body_line = path.read_text(encoding="utf-8").splitlines().index("\u202eالعدد 1234 في سرت") + 1
    assert any(f"{path}:{body_line}: direction controls neutralised" in warning for warning in built.warnings)
    assert any(f"{path}:" in warning and "'tags'" in warning for warning in built.warnings)


def test_no_output_of_a_whole_build_holds_an_override(site):
    """Pages, feeds, sitemap, search indexes and PDFs of every language."""
    site.briefing("spoof", "عنوان الموجز", tags="[\"وسم\u202e\"]", summary="ملخص \u202dمعكوس",
                  body="\u202eالعدد 1234 في سرت.\n\n![صورة \u202e](missing.png)\n\n```\nكود \u202e\n```\n")
    built = site.build()
    overrides = set(EMBEDDINGS)
    found = []
    for path in built.output.rglob("*"):
        if path.suffix in (".html", ".xml", ".js", ".json", ".txt", ".css"):
            text = path.read_text(encoding="utf-8", errors="replace")
        elif path.suffix == ".pdf":  # pypdf: pdftotext adds embeddings of its own around RTL runs
            text = "".join(page.extract_text() for page in PdfReader(path).pages)
        else:
            continue
        if overrides & set(text):
            found.append(str(path.relative_to(built.output)))
    assert list(built.output.rglob("*.pdf")), "the build made no PDF"
    assert "U+202E" in "".join(page.extract_text() for page in PdfReader(built.output / "ar/briefings/spoof.pdf").pages)
    assert not found, found


@pytest.mark.parametrize("rendering", ["Sirte\u202e", "\u202bSyrte"])
def test_a_glossary_rendering_loses_its_override(tmp_path, caplog, rendering):
    from mirsad.mt.glossary import Glossary

    glossary_file = tmp_path / "glossary.yml"
    glossary_file.write_text(f"سرت: {{en: \"{rendering}\"}}\n", encoding="utf-8")
    glossary = Glossary.load(str(glossary_file), "ar", ["en"])
    assert not set(glossary.rendering("سرت", "en")) & set(EMBEDDINGS)
    assert f"{glossary_file}: entry 'سرت' (en): direction controls neutralised" in caplog.text
