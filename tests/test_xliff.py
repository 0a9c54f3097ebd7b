"""The CAT-tool round trip: `invoke xliff-export` writes a briefing's
segments as XLIFF 2.1 (source, machine translation, inline codes, notes);
a translator edits the targets in a CAT tool (here translate-toolkit's own
XLIFF 2 store, the library Weblate and Pootle read XLIFF with); `invoke
xliff-import` checks the file against the briefing and writes the reviewed
translation. Hostile or stale files are refused, naming the file, the unit
and the reason, and nothing is written."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from lxml import etree
from review_support import MARKED_UP, project_of_its_own, review_project
from test_machine_translation import ACTIVE, CLASHES, FRAGILE
from translate.storage.placeables.strelem import StringElem
from translate.storage.placeables.xliff import UnknownXML
from translate.storage.xliff2 import Xliff2File

NS = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
BODY = MARKED_UP + "\nاستخدم `rm -rf` بحذر.\n"


@pytest.fixture(scope="module")
def briefing(tmp_path_factory):
    """A site with one marked-up briefing, its drafts (one build) and its English XLIFF file."""
    from mirsad.review.commands import machine_drafts
    from mirsad.review.xliff import write_xliff

    root = tmp_path_factory.mktemp("xliff")
    site, project = review_project(root)
    site.write("glossary.yml", "داعش: {en: Daesh, fr: l'EI}\n")
    site.briefing("mt", ACTIVE, body=BODY, key_points=f'["{FRAGILE}"]', summary=f'"{CLASHES}"')
    drafts = machine_drafts(project)
    draft = next(d for d in drafts if d.lang == "en")
    exported = write_xliff(draft, root / "mt.en.xlf", project.content)
    return site, project, drafts, draft, exported


def translations_folder(project) -> list[str]:
    return sorted(str(p.relative_to(project.translations)) for p in project.translations.rglob("*")) \
        if project.translations.exists() else []


def test_the_export_is_xliff_2_1_with_one_unit_per_segment_and_its_notes(briefing):
    _, _, _, draft, exported = briefing
    root = etree.parse(str(exported)).getroot()
    assert root.tag == "{urn:oasis:names:tc:xliff:document:2.0}xliff"
    assert (root.get("version"), root.get("srcLang"), root.get("trgLang")) == ("2.1", "ar", "en")
    [file] = root.findall("x:file", NS)
    assert (file.get("id"), file.get("original")) == ("mt", "briefings/mt.md")
    assert file.findtext("x:notes/x:note[@category='mirsad:source_hash']", namespaces=NS) == draft.source_hash
    units = file.findall("x:unit", NS)
    assert [u.get("id") for u in units] == [u.id for u in draft.units]
    assert [u.id for u in draft.units][:3] == ["title", "summary", "point-1"]
    for element, unit in zip(units, draft.units):
        [segment] = element.findall("x:segment", NS)
        assert segment.get("state") == "initial"
        assert element.findtext("x:notes/x:note[@category='mirsad:confidence']", namespaces=NS) \
            == f"{unit.confidence:.2f}"
        # Core's order inside a unit: notes, originalData, then segments.
        assert [etree.QName(c).localname for c in element] == [
            name for name in ("notes", "originalData", "segment") if element.find(f"x:{name}", NS) is not None]
        # Every code points at original data of its unit; a code id is unique in its source.
        data = {d.get("id") for d in element.findall("x:originalData/x:data", NS)}
        for part in ("source", "target"):
            codes = segment.find(f"x:{part}", NS).xpath(".//x:pc | .//x:ph", namespaces=NS)
            assert len({c.get("id") for c in codes}) == len(codes)
            for code in codes:
                assert {code.get(a) for a in ("dataRef", "dataRefStart", "dataRefEnd")} - {None} <= data
        source_ids = {c.get("id") for c in segment.find("x:source", NS).xpath(".//x:pc | .//x:ph", namespaces=NS)}
        target_ids = {c.get("id") for c in segment.find("x:target", NS).xpath(".//x:pc | .//x:ph", namespaces=NS)}
        assert target_ids <= source_ids
    title = units[0]
    assert title.findtext("x:notes/x:note[@category='mirsad:glossary']", namespaces=NS) == "داعش → Daesh"
    link = file.find("x:unit[@id='body-2']", NS)
    [pc] = link.findall("x:segment/x:source/x:pc", NS)
    assert (pc.get("type"), pc.text) == ("link", ACTIVE)
    starts = link.find(f"x:originalData/x:data[@id='{pc.get('dataRefStart')}']", NS).text
    assert starts.startswith('<a href="https://example.org/a?b=1&amp;c=2"')
    assert link.find(f"x:originalData/x:data[@id='{pc.get('dataRefEnd')}']", NS).text == "</a>"
    code = file.find("x:unit/x:segment/x:source/x:ph[@disp='rm -rf']", NS)
    data = code.getparent().getparent().getparent().find(f"x:originalData/x:data[@id='{code.get('dataRef')}']", NS)
    assert data.text == "<code>rm -rf</code>"


def test_translate_toolkit_reads_the_export_as_a_cat_tool_does(briefing):
    *_, draft, exported = briefing
    store = Xliff2File.parsefile(str(exported))
    assert (store.sourcelanguage, store.gettargetlanguage()) == ("ar", "en")
    units = {unit.getid(): unit for unit in store.units}
    assert list(units) == [unit.id for unit in draft.units]
    assert units["title"].source == ACTIVE and units["title"].target == draft.unit("title").target
    assert all(unit.isfuzzy() for unit in store.units)  # state="initial": machine translation, to review
    assert "pc" in repr(units["body-2"].rich_source)


def cat_tool(exported, edits: dict[str, str | None]) -> bytes:
    """What a CAT tool writes back: targets set through translate-toolkit's
    API (text for plain units, the source's codes kept around new text for
    a unit that is one code, None for a target left empty), marked translated."""
    store = Xliff2File.parsefile(str(exported))
    for unit in store.units:
        if unit.getid() not in edits:
            continue
        text = edits[unit.getid()]
        if text is None:
            unit.target = ""
            continue
        rich = unit.rich_source
        if len(rich[0].sub) == 1 and isinstance(rich[0].sub[0], UnknownXML):  # <source><pc>...</pc></source>
            rich[0].sub[0].sub = [StringElem(text)]
            unit.rich_target = rich
        else:
            unit.target = text
        unit.marktranslated()
    return bytes(store)


def test_a_translated_file_comes_back_as_the_reviewed_translation_with_its_markup(briefing, tmp_path):
    from mirsad.markdown.api import split
    from mirsad.review.xliff import import_xliff

    _, project, drafts, draft, exported = briefing
    edited = tmp_path / "mt.en.xlf"
    edited.write_bytes(cat_tool(exported, {
        "title": "Daesh remains active in Sirte.",
        "body-2": "Daesh remains active in Sirte.",  # a link: its text changes, the link stays
        "body-8": "Clashes broke out south of Tripoli.",  # in bold, in a table cell
        "body-1": None,  # left empty
    }))
    result = import_xliff(edited, project, translator="Salma", drafts=drafts)

    assert result.path == project.translations / "mt.en.md"
    assert result.untranslated == ["body-1"] and not result.signed  # one unit untranslated: a draft
    assert "summary" in result.unconfirmed and "title" not in result.unconfirmed
    document = split(result.path.read_text(encoding="utf-8"), str(result.path))
    assert document.fields["title"] == "Daesh remains active in Sirte."
    assert document.fields["status"] == "draft" and "translator" not in document.fields
    assert document.fields["source_hash"] == draft.source_hash
    assert document.fields["summary"] == draft.unit("summary").target
    assert document.fields["key_points"] == [draft.unit("point-1").target]
    body = document.body
    assert "[Daesh remains active in Sirte.](https://example.org/a?b=1&c=2)" in body
    assert draft.unit("body-1").target in body  # the machine translation, kept for the empty unit
    assert "**Clashes broke out south of Tripoli.**" in body
    assert "`rm -rf`" in body and "- #" in body
    assert (project.translations / ".sources" / f"mt-{draft.source_hash}.md").exists()


def test_a_complete_file_signed_replaces_the_draft_and_keeps_it(briefing, tmp_path):
    from mirsad.review.markdown_file import TranslationFileExists
    from mirsad.review.xliff import import_xliff, write_xliff

    site, project, drafts, _, _ = briefing
    fr = next(d for d in drafts if d.lang == "fr")

    exported_fr = write_xliff(fr, tmp_path / "mt.fr.xlf", project.content)
    previous = site.translation("mt", "fr", "Mon titre", body="Mes mots.", status="draft").read_bytes()
    edited = tmp_path / "edited.xlf"
    edited.write_bytes(cat_tool(exported_fr, {"title": "Daech reste actif à Syrte.",
                                               "body-2": "Daech reste actif à Syrte."}))

    with pytest.raises(TranslationFileExists, match=r"mt\.fr\.md already exists.*--replace"):
        import_xliff(edited, project, translator="Salma", drafts=drafts)
    assert (project.translations / "mt.fr.md").read_bytes() == previous

    result = import_xliff(edited, project, translator="Salma", replace=True, drafts=drafts)
    assert result.signed and result.untranslated == []
    assert re.fullmatch(r"mt\.fr-\d{8}T\d{6}\d*Z\.md", result.replaced.name)
    assert result.replaced.parent == project.translations / ".replaced"
    assert result.replaced.read_bytes() == previous
    text = result.path.read_text(encoding="utf-8")
    assert "translator: Salma\nreviewed: 20" in text and "status: draft" not in text

    built = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])
    page = built.page("fr/briefings/mt.html")
    note = " ".join(page.find(".//div[@role='note']").text_content().split())
    assert "Salma" in note
    link = page.find(".//div[@class='briefing__body']//a[@href='https://example.org/a?b=1&c=2']")
    assert link is not None and link.text_content() == "Daech reste actif à Syrte."


def test_an_untouched_export_imports_to_the_machine_translation(briefing, tmp_path):
    """Nothing is lost or changed on the way: the body is the draft `invoke review` writes."""
    from mirsad.review.commands import write_draft
    from mirsad.review.xliff import import_xliff

    _, project, drafts, draft, exported = briefing
    result = import_xliff(exported, project, replace=True, drafts=drafts)
    reference = write_draft(draft, tmp_path / "review")
    assert result.path.read_text(encoding="utf-8") == reference.read_text(encoding="utf-8")


def unit_of(xml: str, unit_id: str) -> tuple[int, int]:
    start = xml.index(f'<unit id="{unit_id}">')
    return start, xml.index("</unit>", start)


def in_unit(unit_id: str, old: str, new: str):
    def change(xml: str) -> str:
        start, end = unit_of(xml, unit_id)
        assert old in xml[start:end], (unit_id, old)
        return xml[:start] + xml[start:end].replace(old, new, 1) + xml[end:]
    return change


def replace(old: str, new: str):
    def change(xml: str) -> str:
        assert old in xml, old
        return xml.replace(old, new, 1)
    return change


XXE = ('<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', "&xxe;")
LAUGHS = (('<?xml version="1.0"?>\n<!DOCTYPE xliff [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;">]>\n'), "&c;")

HOSTILE = {
    "malformed XML": (lambda xml: xml[: len(xml) // 2], r"not well-formed XML \(line \d+"),
    "an external entity (XXE)": (
        lambda xml: XXE[0] + in_unit("title", "</target>", XXE[1] + "</target>")(xml.split("\n", 1)[1]),
        "DOCTYPE"),
    "entity expansion": (
        lambda xml: LAUGHS[0] + in_unit("title", "</target>", LAUGHS[1] + "</target>")(xml.split("\n", 1)[1]),
        "DOCTYPE"),
    "a raw script element in a target": (
        in_unit("title", "</target>", '<script xmlns="http://www.w3.org/1999/xhtml">alert(1)</script></target>'),
        r"unit title: a raw <script> element"),
    "a script element in the XLIFF namespace": (
        in_unit("title", "</target>", "<script>alert(1)</script></target>"),
        r"unit title: <script> inline codes are not supported"),
    "a script in the original data": (
        in_unit("body-3", "&lt;em&gt;</data>", "&lt;script&gt;alert(1)&lt;/script&gt;&lt;em&gt;</data>"),
        r"unit body-3: its original data d1 is refused: it carries a <script> element"),
    "a javascript: link in the original data": (
        in_unit("body-2", "https://example.org/a?b=1&amp;amp;c=2", "javascript:alert(1)"),
        r"unit body-2: its original data d1 is refused: it carries a javascript: URL"),
    "other original data than the original's": (
        in_unit("body-3", "&lt;em&gt;</data>", "&lt;u&gt;</data>"),
        r"unit body-3: its <originalData> is not the original's markup"),
    "a javascript: URL typed in a target": (
        in_unit("title", "</target>", " javascript:alert(1)</target>"), r"unit title: a javascript: URL"),
    "markup typed as text in a target": (
        in_unit("title", "</target>", " &lt;img src=x onerror=alert(1)&gt;</target>"),
        r"unit title: markup typed as text"),
    "a unit the briefing does not have": (
        replace('<unit id="body-9">', '<unit id="body-99">'),
        r"unit body-99: no such segment in mt[^\n]*\n.*unit body-9: missing from the file"),
    "the same unit twice": (
        replace('<unit id="body-9">', '<unit id="body-8">'), r"unit body-8: the unit is in the file twice"),
    "another briefing's slug": (replace('<file id="mt"', '<file id="other"'),
                                r"<file id=\"other\"> trgLang=\"en\": no briefing has the slug 'other'"),
    "no slug": (replace('<file id="mt"', '<file'),
                r"<file id=\"\"> trgLang=\"en\": name the briefing \(its slug\)"),
    "a language the site does not have": (replace('trgLang="en"', 'trgLang="de"'),
                                          r"'de' is not a target language of this site"),
    "another source language": (replace('srcLang="ar"', 'srcLang="fa"'),
                                r"srcLang 'fa' is not the briefing's language 'ar'"),
    "another original file": (replace('original="briefings/mt.md"', 'original="briefings/x.md"'),
                              r"<file original='briefings/x.md'> is not the briefing's file 'briefings/mt.md'"),
    "an inline code the source does not have": (
        in_unit("body-3", "</pc></target>", '</pc><ph id="7" dataRef="d1"/></target>'),
        r"unit body-3: <ph id=\"7\"> is not an inline code of the source"),
    "a code pointing at other data": (
        in_unit("body-2", '<target><pc id="1" dataRefStart="d1"', '<target><pc id="1" dataRefStart="d2"'),
        r"unit body-2: <pc id=\"1\"> points at other original data"),
    "a source edited in the CAT tool": (
        in_unit("point-1", f"<source>{FRAGILE}</source>", "<source>نص آخر.</source>"),
        r"unit point-1: its source is not the original's segment as it is now"),
    "an XLIFF 1.2 file": (replace('version="2.1"', 'version="1.2"'), r"XLIFF version '1.2'"),
    "another root": (lambda xml: xml.replace("urn:oasis:names:tc:xliff:document:2.0", "urn:other"),
                     r"not an XLIFF 2 file"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_or_broken_files_are_refused_and_nothing_is_written(briefing, tmp_path, case):
    from mirsad.review.xliff import XliffRefused, import_xliff

    _, project, drafts, _, exported = briefing
    change, reason = HOSTILE[case]
    path = tmp_path / "hostile.xlf"
    path.write_text(change(exported.read_text(encoding="utf-8")), encoding="utf-8")
    before = {p: p.read_bytes() for p in project.content.rglob("*") if p.is_file()}
    with pytest.raises(XliffRefused) as refused:
        import_xliff(path, project, translator="Salma", replace=True, drafts=drafts)
    assert str(path) in str(refused.value)
    assert re.search(reason, str(refused.value), re.DOTALL), str(refused.value)
    assert {p: p.read_bytes() for p in project.content.rglob("*") if p.is_file()} == before


def test_a_file_exported_before_the_original_changed_is_refused_naming_the_units(tmp_path):
    from mirsad.review.commands import machine_drafts, select
    from mirsad.review.xliff import XliffRefused, import_xliff, write_xliff

    site, project = review_project(tmp_path)
    original = site.briefing("mt", ACTIVE, body=f"{FRAGILE}\n\n{CLASHES}")
    [draft] = select(machine_drafts(project), "mt", "en")
    exported = write_xliff(draft, tmp_path / "mt.en.xlf", project.content)
    original.write_text(original.read_text(encoding="utf-8").replace(CLASHES, ACTIVE), encoding="utf-8")

    with pytest.raises(XliffRefused) as refused:
        import_xliff(exported, project, translator="Salma")
    message = str(refused.value)
    assert f"{exported}: the original changed since this file was exported" in message
    assert f"{exported}: unit body-2: its source is not the original's segment as it is now" in message
    assert "body-1" not in message
    assert not (site.content / "translations").exists()


def test_invoke_xliff_export_and_import(tmp_path):
    """The commands themselves, in a project of their own (tasks.py copied beside its content)."""
    site, project = review_project(tmp_path)
    site.briefing("mt", ACTIVE, body=FRAGILE)
    project_of_its_own(tmp_path, project)

    def invoke(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=tmp_path, capture_output=True, text=True,
                              check=False)

    exported = invoke("xliff-export", "--slug", "mt", "--lang", "en", "--output", "mt.en.xlf")
    assert exported.returncode == 0, exported.stderr
    assert "mt.en.xlf: 2 units" in exported.stdout
    # Its own result only: the build it ran has its messages in a log.
    assert exported.stdout.count("\n") == 1 and exported.stderr == ""
    assert "Mirsad build report" in (tmp_path / "cache" / "review-build.log").read_text(encoding="utf-8")
    (tmp_path / "verbose.xlf").unlink(missing_ok=True)
    verbose = invoke("xliff-export", "--slug", "mt", "--lang", "en", "--output", "verbose.xlf", "--verbose")
    assert verbose.returncode == 0 and "Mirsad build report" in verbose.stdout + verbose.stderr
    again = invoke("xliff-export", "--slug", "mt", "--lang", "en", "--output", "mt.en.xlf")
    assert again.returncode == 1 and "mt.en.xlf already exists" in again.stderr

    (tmp_path / "done.xlf").write_bytes(cat_tool(tmp_path / "mt.en.xlf", {"body-1": "Libya is still fragile."}))
    imported = invoke("xliff-import", "done.xlf", "--translator", "Salma")
    assert imported.returncode == 0, imported.stderr
    written = site.content / "translations" / "mt.en.md"
    assert f"{written}: signed by Salma" in imported.stdout
    assert "Libya is still fragile." in written.read_text(encoding="utf-8")
    refused = invoke("xliff-import", "done.xlf", "--translator", "Salma")
    assert refused.returncode == 1 and "mt.en.md already exists" in refused.stderr

    (tmp_path / "empty.xlf").write_bytes(cat_tool(tmp_path / "mt.en.xlf", {"body-1": None}))
    replaced = invoke("xliff-import", "empty.xlf", "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "untranslated (machine translation kept): body-1" in replaced.stdout
    assert "previous file kept as " in replaced.stdout and "status: draft" in written.read_text(encoding="utf-8")
