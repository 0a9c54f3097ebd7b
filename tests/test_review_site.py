"""`invoke review-site` (mirsad.review.review_site, review_site_page): the
side-by-side review pages an editor reads, from a real build with the test
models, in a folder of their own that the published site never mentions."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from conftest import ROOT, missing_tool
from lxml import html as lxml_html
from review_support import review_project
from test_machine_translation import ACTIVE, CLASHES, FRAGILE

from mirsad.i18n.api import source_hash
from mirsad.review import review_site_page
from mirsad.review.commands import ReviewError
from mirsad.review.markdown_file import file_text
from mirsad.review.review_site import build_review_site
from mirsad.review.sources import keep_source

HOSTILE = '<script>alert("title")</script> داعش'
HOSTILE_SUMMARY = "<script>alert(2)</script>"
ADDED = "قرأ الطالب كتابا جديدا عن تاريخ المغرب."  # a paragraph added to the original after the review


def _signed(site, project, slug: str, body: str, snapshot: bool = True) -> None:
    """A reviewed translation as an editor signs it, with the original's
    hash (and, as `invoke review` / `stamp` do, a copy of that original)."""
    original = site.content / "briefings" / f"{slug}.md"
    digest = source_hash(str(original))
    if snapshot:
        keep_source(original, slug, digest, project.translations)
    front = yaml.safe_dump({"title": f"Reviewed {slug}", "translator": "Desk", "reviewed": "2026-12-01",
                            "source_hash": digest}, allow_unicode=True, sort_keys=False)
    site.write(f"translations/{slug}.en.md", f"---\n{front}---\n\n{body}\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Briefings with machine translation only (one with a hostile title),
    one reviewed in English whose original then changed (snapshot kept), one
    likewise without a snapshot; a glossary; every sentence low-confidence
    (threshold 1, above any real score of the test models)."""
    root = tmp_path_factory.mktemp("review-site")
    site, project = review_project(root, low_confidence=1.0)
    site.write("glossary.yml", "داعش: {en: Daesh, fr: l'EI}\n")
    site.briefing("plain", ACTIVE, body=f"{FRAGILE}\n\n{ACTIVE}\n\n{CLASHES}", summary=f'"{CLASHES}"',
                  key_points=f'["{FRAGILE}"]')
    site.briefing("hostile", HOSTILE.replace('"', '\\"'), body=ACTIVE, summary=f'"{CLASHES} {HOSTILE_SUMMARY}"')
    site.briefing("changed", "اشتباكات", body=f"{FRAGILE}\n\n{CLASHES}")
    site.briefing("unkept", "اشتباكات", body=CLASHES)
    _signed(site, project, "changed", "Libya is fragile.\n\nClashes south of Tripoli.")
    _signed(site, project, "unkept", "Clashes.", snapshot=False)
    for slug, body in (("changed", f"{FRAGILE}\n\n{ADDED}"), ("unkept", f"{CLASHES}\n\n{FRAGILE}")):
        site.briefing(slug, "اشتباكات", body=body)
    # An editor's draft, not signed yet: the site still publishes the machine translation.
    site.write("translations/hostile.fr.md", file_text({"title": "Brouillon", "status": "draft"}, "<p>Texte.</p>",
                                                      draft=True))
    output = root / "output.review"
    pages = build_review_site(project, output)
    return {"root": root, "site": site, "project": project, "output": output, "pages": pages}


def page(built, name: str) -> lxml_html.HtmlElement:
    return lxml_html.fromstring((built["output"] / name).read_bytes())


def pairs_of(document) -> dict[str, lxml_html.HtmlElement]:
    """The side-by-side table's rows by their label (Title, Summary, Block 1 ...)."""
    return {text(row[0]): row for row in document.findall(".//table[@class='pairs']/tbody/tr")}


def text(element) -> str:
    return " ".join(element.text_content().split())


def test_the_index_lists_every_briefing_and_language_with_working_links(built):
    index = page(built, "index.html")
    rows = {(row[0].find("code").text, text(row[1])): row for row in index.iterfind(".//tbody/tr")}
    assert set(rows) == {(slug, lang) for slug in ("changed", "hostile", "plain", "unkept") for lang in ("en", "fr")}
    assert text(rows["changed", "en"][2]) == "outdated" and text(rows["plain", "en"][2]) == "machine only"
    assert text(rows["hostile", "fr"][2]) == "draft"
    assert text(rows["plain", "en"][3]) == "Argos ar→en 1.0"
    plain = next(p.draft for p in built["pages"] if (p.draft.slug, p.draft.lang) == ("plain", "en"))
    low = [unit for unit in plain.units if unit.confidence < 1.0]
    assert int(text(rows["plain", "en"][4])) == len(low) > 0
    for row in rows.values():
        href = row[5].find("a").get("href")
        assert "/" not in href and (built["output"] / unquote(href)).is_file()  # relative, works from disk
    assert page(built, "plain.en.html").find(".//nav/a").get("href") == "index.html"


def test_source_blocks_sit_beside_the_machine_translation(built):
    rows = pairs_of(page(built, "plain.en.html"))
    pairs = {label: (text(row[1]), text(row[2])) for label, row in rows.items()}
    assert pairs == {"Title": (ACTIVE, "Daesh is still active in Sirte."),
                     "Summary": (CLASHES, "Clashes took place south of Tripoli."),
                     "Key point 1": (FRAGILE, "The security situation in Libya remains fragile."),
                     "Block 1": (FRAGILE, "The security situation in Libya remains fragile."),
                     "Block 2": (ACTIVE, "Daesh is still active in Sirte."),
                     "Block 3": (CLASHES, "Clashes took place south of Tripoli.")}
    assert list(pairs)[:3] == ["Title", "Summary", "Key point 1"]
    assert rows["Block 1"][1].get("dir") == "rtl" and rows["Block 1"][1].get("lang") == "ar"
    assert rows["Block 1"][2].get("dir") == "ltr" and rows["Block 1"][2].get("lang") == "en"


def test_low_confidence_sentences_are_marked_with_their_figure(built):
    block = pairs_of(page(built, "plain.en.html"))["Block 1"]
    [source_mark], [target_mark] = block[1].findall(".//mark"), block[2].findall(".//mark")
    assert text(source_mark) == FRAGILE and text(target_mark) == "The security situation in Libya remains fragile."
    figure = float(target_mark.get("title").removeprefix("confidence "))
    assert 0 < figure < 1
    unit = next(u for p in built["pages"] if p.draft.slug == "plain" and p.draft.lang == "en"
                for u in p.draft.units if u.id == "body-1")
    assert figure == pytest.approx(unit.confidence, abs=0.005)


def test_glossary_hits_are_shown_with_the_enforced_translation(built):
    rows = pairs_of(page(built, "plain.en.html"))
    assert text(rows["Block 2"][3]) == "داعش → Daesh" and text(rows["Block 1"][3]) == ""
    assert text(rows["Title"][3]) == "داعش → Daesh"
    assert text(pairs_of(page(built, "plain.fr.html"))["Block 2"][3]) == "داعش → l'EI"


def test_a_reviewed_translation_is_shown_and_the_source_change_diffed(built):
    document = page(built, "changed.en.html")
    rows = pairs_of(document)
    assert {label: text(row[2]) for label, row in rows.items()} == {
        "Title": "Reviewed changed", "Block 1": "Libya is fragile.", "Block 2": "Clashes south of Tripoli."}
    assert text(rows["Block 2"][1]) == ADDED  # the original as it is now
    assert "Reviewed translation: content/translations/changed.en.md, by Desk on 2026-12-01" in text(document)
    diff = document.find(".//div[@class='diff']")
    assert diff.get("dir") == "rtl"
    assert [text(d) for d in diff.iterfind("del")] == [CLASHES]
    assert [text(i) for i in diff.iterfind("ins")] == [ADDED]
    assert [text(same) for same in diff.iterfind("div")] == [FRAGILE]
    assert diff.find("del/p") is not None  # the reader's own HTML of the paragraph


def test_without_a_snapshot_the_page_says_so(built):
    document = page(built, "unkept.en.html")
    assert document.find(".//div[@class='diff']") is None
    assert "No snapshot of the original at review time (content/translations/.sources/unkept-" in text(document)


def test_an_unsigned_draft_leaves_the_machine_translation_beside_the_original(built):
    rows = pairs_of(page(built, "hostile.fr.html"))
    assert "Brouillon" not in text(rows["Title"][2]) and text(rows["Block 1"][2]) == "l'EI est toujours actif à Syrte."
    assert "Status: draft." in text(page(built, "hostile.fr.html"))


def test_hostile_text_is_escaped(built):
    for name in ("index.html", "hostile.en.html"):
        source = (built["output"] / name).read_text(encoding="utf-8")
        assert "<script" not in source
        assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; داعش" in source
    summary = pairs_of(page(built, "hostile.en.html"))["Summary"]
    assert HOSTILE_SUMMARY in text(summary[1]) and summary[1].find(".//script") is None


def test_the_pages_are_standalone_and_not_for_search_engines(built):
    for path in sorted(built["output"].glob("*.html")):
        document = lxml_html.fromstring(path.read_bytes())
        assert document.find(".//meta[@name='robots']").get("content") == "noindex", path.name
        assert not document.xpath("//script|//link|//@src"), path.name
    style = (built["output"] / "index.html").read_text(encoding="utf-8")
    assert "padding-inline-start" in style and "left" not in style and "right" not in style


def test_a_failed_build_leaves_the_previous_folder(built, monkeypatch):
    before = {path.name: path.read_bytes() for path in built["output"].iterdir()}

    def broken(page):
        raise RuntimeError("forced failure")

    monkeypatch.setattr(review_site_page, "render_page", broken)
    with pytest.raises(RuntimeError, match="forced failure"):
        build_review_site(built["project"], built["output"], [p.draft for p in built["pages"]])
    assert {path.name: path.read_bytes() for path in built["output"].iterdir()} == before
    assert sorted(p.name for p in built["root"].iterdir() if "output.review" in p.name) == ["output.review"]


def test_an_unwritable_output_is_refused_with_its_name(built, tmp_path):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ReviewError, match=f"cannot write the review pages beside {in_the_way / 'review'}"):
        build_review_site(built["project"], in_the_way / "review", [p.draft for p in built["pages"]])
    assert in_the_way.read_text(encoding="utf-8") == "not a folder"


def test_the_published_site_never_mentions_the_review_pages(built, tmp_path):
    from mirsad.bundle.bundle import make_bundle

    site, project = built["site"], built["project"]
    published = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])
    assert not published.errors
    names = {path.name for path in built["output"].iterdir()} - {"index.html"}
    feeds_and_sitemap = [p for p in published.output.rglob("*.xml")]
    assert any(p.name == "sitemap.xml" for p in feeds_and_sitemap) and len(feeds_and_sitemap) > 1
    for path in feeds_and_sitemap:
        xml = path.read_text(encoding="utf-8")
        assert "output.review" not in xml and not any(name in xml for name in names), path
    made = make_bundle(published.output, tmp_path / "dist", published.settings)
    with zipfile.ZipFile(made.path) as archive:
        members = archive.namelist()
    assert not any("output.review" in m or m.rsplit("/", 1)[-1] in names for m in members)
    assert not (published.output / "output.review").exists()


@pytest.mark.nu
def test_the_pages_pass_the_nu_checker(built):
    java, vnu = shutil.which("java"), ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not java or not vnu.exists():
        missing_tool("the Nu checker needs java and node_modules/vnu-jar (run `make setup`)")
    files = [str(path) for path in sorted(Path(built["output"]).glob("*.html"))]
    result = subprocess.run([java, "-jar", str(vnu), "--errors-only", "--format", "json", *files],
                            check=False, capture_output=True, text=True, timeout=300)
    assert json.loads(result.stderr or '{"messages": []}')["messages"] == []
