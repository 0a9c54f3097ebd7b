"""Text that reaches a reviewed translation stays text: what a machine
translation or a translator writes that Markdown or HTML would read as
markup (links, images, emphasis, HTML, headings, lists) is escaped in the
draft `invoke review` writes and in the file `invoke xliff-import` writes,
and shown as text on the built pages, feeds and PDFs. Only the original's
own structure (its links, its emphasis) is markup in a reviewed translation."""

from __future__ import annotations

import re

import pytest
from libretranslate_wire import WireServer, always
from lxml import etree, html
from review_support import MARKED_UP, review_project
from test_hostile_content import pdf_text, pdf_uris
from test_machine_translation import ACTIVE, FRAGILE
from test_xliff import cat_tool

HOSTILE_ANSWER = '<b>x</b> <a href="https://evil.example/">y</a> ![i](https://evil.example/x.png)'
PHISH = "Click [here](https://evil.example/phish) ![x](https://evil.example/x.png)"
BLOCKS = "\n\n# Injected heading\n\n- list"


def live_markup(tree) -> list[str]:
    """What in `tree` came from the hostile text as markup, not as text."""
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        values = " ".join(element.get(name, "") for name in ("href", "src", "srcset"))
        if "evil.example" in values:
            found.append(f"<{element.tag} {values}>")
        text = " ".join(element.text_content().split()) if hasattr(element, "text_content") else ""
        if element.tag == "b" and text == "x":
            found.append("<b>x</b>")
        if re.fullmatch(r"h\d", element.tag) and "Injected heading" in text:
            found.append(f"<{element.tag}>{text}")
        if element.tag == "li" and text == "list":
            found.append("<li>list</li>")
    return found


def assert_no_live_markup(built) -> None:
    """Every page, every feed's HTML (unescaped once, as a reader shows it) and every PDF's links."""
    for path in built.html_files():
        assert live_markup(html.fromstring(path.read_bytes())) == [], path
    for path in built.output.rglob("*.xml"):
        for element in etree.fromstring(path.read_bytes()).iter():
            if isinstance(element.tag, str) and element.get("type") == "html" and (element.text or "").strip():
                assert live_markup(html.fragment_fromstring(element.text, create_parent="div")) == [], path
    for path in built.output.rglob("*.pdf"):
        assert not [uri for uri in pdf_uris(path) if "evil.example" in uri], path


def body_of(built, path: str):
    return built.page(path).find(".//div[@class='briefing__body']")


def sign(path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: draft\n", "translator: Salma\nreviewed: 2026-12-07\n"), encoding="utf-8")


@pytest.fixture
def hostile_server():
    server = WireServer(always(HOSTILE_ANSWER))
    yield server
    server.stop()


def test_a_hostile_server_answer_is_text_in_the_draft_and_on_the_signed_page(tmp_path, hostile_server):
    from mirsad.markdown.api import split
    from mirsad.review.commands import machine_drafts, select, write_draft

    site, project = review_project(tmp_path, servers=[hostile_server.url], server_retries=0)
    site.briefing("mt", ACTIVE, body=MARKED_UP)
    [draft] = select(machine_drafts(project), "mt", "en")
    path = write_draft(draft, project.translations)  # what `invoke review --slug mt --lang en` does
    body = split(path.read_text(encoding="utf-8"), str(path)).body
    assert r"\<b\>x\</b\> \<a href\=" in body and r"!\[i\](https://evil.example/x.png)" in body
    # The original's own link is still a link, around the (hostile) text.
    assert re.search(r"\[[^\n]*\]\(https://example\.org/a\?b=1&c=2\)", body)

    sign(path)
    built = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])
    assert not built.errors, built.errors
    page = body_of(built, "en/briefings/mt.html")
    assert "Reviewed translation by Salma" in " ".join(built.page("en/briefings/mt.html").text_content().split())
    assert HOSTILE_ANSWER in page.text_content()
    assert page.find(".//b") is None and page.find(".//img") is None
    assert [a.get("href") for a in page.iter("a")] == ["https://example.org/a?b=1&c=2"]
    assert_no_live_markup(built)
    pdf = built.output / "en" / "briefings" / "mt.pdf"
    if pdf.exists():
        assert "evil.example/x.png" in pdf_text(pdf)


@pytest.fixture
def exported(tmp_path):
    from mirsad.review.commands import machine_drafts, select
    from mirsad.review.xliff import write_xliff

    site, project = review_project(tmp_path)
    site.briefing("mt", ACTIVE, body=f"{FRAGILE}\n\n{ACTIVE}")
    drafts = machine_drafts(project)
    [draft] = select(drafts, "mt", "en")
    return site, project, drafts, write_xliff(draft, tmp_path / "mt.en.xlf", project.content)


def test_hostile_xliff_targets_are_imported_and_built_as_text(exported, tmp_path):
    from mirsad.markdown.api import split
    from mirsad.review.xliff import import_xliff

    site, project, drafts, xliff = exported
    edited = tmp_path / "edited.xlf"
    edited.write_bytes(cat_tool(xliff, {"body-1": PHISH, "body-2": BLOCKS}))
    result = import_xliff(edited, project, translator="Salma", drafts=drafts)
    assert result.signed
    body = split(result.path.read_text(encoding="utf-8"), str(result.path)).body
    assert r"Click \[here\](https://evil.example/phish) !\[x\](https://evil.example/x.png)" in body
    assert r"\# Injected heading \- list" in body

    built = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])
    assert not built.errors, built.errors
    page = body_of(built, "en/briefings/mt.html")
    assert [" ".join(p.text_content().split()) for p in page.iter("p")] == [PHISH, "# Injected heading - list"]
    assert not [e.tag for e in page.iter() if e.tag in ("a", "img", "h1", "h2", "ul", "li")]
    assert_no_live_markup(built)


def test_words_inside_an_annotation_marker_are_refused_not_dropped(exported, tmp_path):
    from mirsad.review.xliff import XliffRefused, import_xliff

    _, project, drafts, xliff = exported
    text = xliff.read_text(encoding="utf-8")
    start = text.index('<unit id="body-1">')
    target = re.compile(r"<target>.*?</target>", re.S)
    hostile = tmp_path / "marker.xlf"
    hostile.write_text(text[:start] + target.sub("<target>a <em>raw words</em> b</target>", text[start:], 1),
                       encoding="utf-8")
    with pytest.raises(XliffRefused, match=r"unit body-1: <em> holds text \('raw words'\)"):
        import_xliff(hostile, project, translator="Salma", drafts=drafts)
    assert not project.translations.exists() or not list(project.translations.glob("*.md"))
