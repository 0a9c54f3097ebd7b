"""The review loop's first step: `invoke review` writes a draft reviewed
translation pre-filled from the machine translation; the page stays the
machine translation until an editor signs the draft; the engine's
confidence is kept per segment and the least confident sentences are
reported."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys

import pytest
from lxml import html as lxml_html

from review_support import MARKED_UP, project_of_its_own, review_project
from test_machine_translation import ACTIVE, CLASHES, FRAGILE

UNKNOWN = "قرأ الطالب كتابا جديدا عن تاريخ المغرب."  # no sentence of the test models' corpus


@pytest.fixture
def project(tmp_path):
    site, project = review_project(tmp_path)
    site.briefing("mt", ACTIVE, body=MARKED_UP, key_points=f'["{FRAGILE}"]', summary=f'"{CLASHES}"')
    return site, project


def provenance(built, path: str) -> str:
    return " ".join(built.page(path).find(".//div[@role='note']").text_content().split())


def test_a_draft_is_prefilled_from_the_machine_translation_with_its_markup(project):
    from mirsad.i18n.api import source_hash
    from mirsad.markdown.api import split
    from mirsad.review.commands import machine_drafts, select, write_draft

    site, project = project
    [draft] = select(machine_drafts(project), "mt", "en")
    path = write_draft(draft, project.translations)

    assert path == site.content / "translations" / "mt.en.md"
    document = split(path.read_text(encoding="utf-8"), str(path))
    assert document.fields["title"] == "ISIS is still active in Sirte."
    assert document.fields["summary"] == "Clashes took place south of Tripoli."
    assert document.fields["key_points"] == ["The security situation in Libya remains fragile."]
    assert document.fields["status"] == "draft"
    assert "translator" not in document.fields and "reviewed" not in document.fields
    assert document.fields["source_hash"] == source_hash(str(site.content / "briefings" / "mt.md"))
    body = document.body
    assert "[ISIS is still active in Sirte.](https://example.org/a?b=1&c=2)" in body
    assert "- *Clashes took place south of Tripoli.*" in body
    assert "- #ISIS" in body
    assert "| The security situation in Libya remains fragile. | **Clashes took place south of Tripoli.** |" in body
    # The original as it was drafted from, for the review pages' diff.
    kept = site.content / "translations" / ".sources" / f"mt-{document.fields['source_hash']}.md"
    assert kept.read_bytes() == (site.content / "briefings" / "mt.md").read_bytes()


def test_an_unsigned_draft_leaves_the_machine_translation_published_and_a_signed_one_wins(project):
    from mirsad.review.commands import machine_drafts, select, write_draft

    site, project = project
    machine = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"]).text("en/briefings/mt.html")
    [draft] = select(machine_drafts(project), "mt", "en")
    path = write_draft(draft, project.translations)

    unsigned = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])
    assert provenance(unsigned, "en/briefings/mt.html").startswith("Machine translation — Argos ar→en 1.0")
    assert unsigned.text("en/briefings/mt.html") == machine

    edited = path.read_text(encoding="utf-8").replace("status: draft\n", "translator: Salma\nreviewed: 2026-12-04\n")
    path.write_text(edited.replace("remains fragile.", "is still fragile."), encoding="utf-8")
    signed = site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])
    page = signed.page("en/briefings/mt.html")
    assert provenance(signed, "en/briefings/mt.html").startswith("Reviewed translation by Salma")
    body = page.find(".//div[@class='briefing__body']")
    assert "The security situation in Libya is still fragile." in body.text_content()
    link = body.find(".//a[@href='https://example.org/a?b=1&c=2']")
    assert link is not None and link.text_content() == "ISIS is still active in Sirte."
    assert body.find(".//li/em") is not None and body.find(".//table//strong") is not None
    # Its body renders exactly as the machine translation did, but for the editor's change.
    before = lxml_html.fromstring(machine).find(".//div[@class='briefing__body']")
    def markup(element) -> str:
        return " ".join(lxml_html.tostring(element, encoding="unicode").split())

    assert markup(body).replace("is still fragile", "remains fragile") == markup(before)


def test_review_never_overwrites_what_an_editor_wrote(project):
    from mirsad.review.commands import machine_drafts, select, write_draft
    from mirsad.review.markdown_file import TranslationFileExists

    site, project = project
    mine = site.translation("mt", "en", "My own title", body="My own words.")
    written = mine.read_bytes()
    [draft] = select(machine_drafts(project), "mt", "en")
    with pytest.raises(TranslationFileExists, match=r"mt\.en\.md already exists"):
        write_draft(draft, project.translations)
    assert mine.read_bytes() == written
    assert sorted(p.name for p in mine.parent.iterdir()) == ["mt.en.md"]  # no temporary file left


def test_invoke_review_all_drafts_only_briefings_without_a_review(tmp_path):
    """The command itself, in a project of its own (tasks.py copied beside its content)."""
    site, project = review_project(tmp_path)
    site.briefing("fresh", ACTIVE, body=FRAGILE)
    site.briefing("done", FRAGILE, body=CLASHES)
    reviewed = site.translation("done", "fr", "Titre", body="Texte.", translator='"Ali"', reviewed="2026-12-01")
    kept = reviewed.read_bytes()
    project_of_its_own(tmp_path, project)
    invoke = [sys.executable, "-m", "invoke", "review"]
    result = subprocess.run([*invoke, "--all"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    translations = site.content / "translations"
    assert sorted(p.name for p in translations.glob("*.md")) == ["done.en.md", "done.fr.md", "fresh.en.md",
                                                                "fresh.fr.md"]
    assert reviewed.read_bytes() == kept
    assert "status: draft" in (translations / "done.en.md").read_text(encoding="utf-8")

    again = subprocess.run([*invoke, "--slug", "fresh", "--lang", "en"], cwd=tmp_path, capture_output=True,
                           text=True)
    assert again.returncode == 1 and "fresh.en.md already exists" in again.stderr
    unknown = subprocess.run([*invoke, "--slug", "nosuch"], cwd=tmp_path, capture_output=True, text=True)
    assert unknown.returncode == 1 and "no briefing has the slug 'nosuch'" in unknown.stderr


def test_the_memory_keeps_each_segments_confidence_and_the_report_lists_the_least_confident(tmp_path, capsys):
    site, project = review_project(tmp_path, low_confidence=0.999, least_confident_listed=1)
    site.briefing("mt", ACTIVE, body=f"{FRAGILE}\n\n{UNKNOWN}")
    site.build(MIRSAD_MT=project.settings["MIRSAD_MT"])

    with sqlite3.connect(project.settings["MIRSAD_MT"]["memory"]) as db:
        rows = {(pair, source): confidence for pair, source, confidence in
                db.execute("SELECT pair, source, confidence FROM segments WHERE kind = 'final'")}
    assert rows[("ar→en", FRAGILE)] > 0.9  # a sentence the test model was trained on
    assert 0 < rows[("ar→en", UNKNOWN)] < 0.9  # one it never saw
    # Through English, a French sentence is as sure as its less sure leg.
    assert rows[("ar→fr", UNKNOWN)] <= rows[("ar→en", UNKNOWN)]
    report = capsys.readouterr().err
    scored = [line.strip() for line in report.splitlines() if re.match(r"\s*\d\.\d\d mt \[", line)]
    flagged = [line.strip() for line in report.splitlines() if line.strip().startswith("mt [")]
    assert "sentence(s) below confidence 0.999" in report and len(scored) == 1  # least_confident_listed
    unflagged = [confidence for (pair, source), confidence in rows.items() if source != UNKNOWN]
    assert scored[0].startswith(f"{min(unflagged):.2f} mt [")
    # What the model makes of a sentence it never saw fails the checks: listed apart, with the reason.
    assert {line[:16] for line in flagged} == {"mt [en] body-2: ", "mt [fr] body-2: "}


def test_a_memory_without_confidences_is_upgraded_in_place(tmp_path):
    """Memories written before confidences were kept still open; their segments count as unscored."""
    from mirsad.mt.engines.engine import Translation
    from mirsad.mt.memory import TranslationMemory

    path = tmp_path / "tm.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE segments (key TEXT PRIMARY KEY, kind TEXT NOT NULL, pair TEXT NOT NULL, "
                   "engine TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, created REAL NOT NULL)")
        db.execute("INSERT INTO segments VALUES ('k', 'raw', 'ar→en', 'e', 'س', 'S', 0)")
    memory = TranslationMemory(str(path))
    assert memory.get_many(["k"]) == {"k": Translation("S", None)}
    memory.put("k2", "raw", "ar→en", "e", "ص", Translation("T", 0.25))
    memory.commit()
    assert TranslationMemory(str(path)).get_many(["k", "k2"])["k2"] == Translation("T", 0.25)


def test_a_signed_review_survives_rebuilds_an_edit_of_the_original_and_review_all(tmp_path):
    """Nothing an editor wrote is lost by what comes after signing: a
    rebuild, an edit of the original (the page keeps the review and says it
    may be out of date) or `invoke review --all`."""
    from mirsad.review.commands import machine_drafts, select, write_draft

    site, project = review_project(tmp_path)
    mt = project.settings["MIRSAD_MT"]
    site.briefing("mt", ACTIVE, body=f"{FRAGILE}\n\n{CLASHES}")
    [draft] = select(machine_drafts(project), "mt", "en")
    path = write_draft(draft, project.translations)
    signed = path.read_text(encoding="utf-8").replace("status: draft\n", "translator: Salma\nreviewed: 2026-12-04\n")
    path.write_text(signed.replace("remains fragile.", "is still fragile."), encoding="utf-8")
    written = path.read_bytes()

    def body(built) -> str:
        return built.page("en/briefings/mt.html").find(".//div[@class='briefing__body']").text_content()

    for _ in range(2):
        assert "is still fragile." in body(site.build(MIRSAD_MT=mt))
        assert path.read_bytes() == written

    site.briefing("mt", ACTIVE, body=f"{FRAGILE}\n\n{CLASHES}\n\n{UNKNOWN}")
    edited = site.build(MIRSAD_MT=mt)
    assert "is still fragile." in body(edited) and UNKNOWN not in body(edited)
    assert provenance(edited, "en/briefings/mt.html").startswith("Reviewed translation by Salma")
    assert "may be out of date" in provenance(edited, "en/briefings/mt.html")
    assert any("mt.en.md was reviewed against an earlier version" in w for w in edited.warnings)
    assert path.read_bytes() == written

    project_of_its_own(tmp_path, project)
    result = subprocess.run([sys.executable, "-m", "invoke", "review", "--all"], cwd=tmp_path, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == written
    assert sorted(p.name for p in path.parent.glob("*.md")) == ["mt.en.md", "mt.fr.md"]
