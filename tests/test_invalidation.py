"""Incremental rebuilds: what is kept between builds (the translation memory,
the PDF cache) is reused exactly when nothing it depends on changed, and only
then. Each test builds a tiny site twice with the real test models and reads
what the second build did from its own record, `cache/last-build.json`."""

from __future__ import annotations

import compileall
import json
import shutil
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from conftest import ROOT
from test_machine_translation import ACTIVE, CLASHES, FIXTURES, FRAGILE, install


@pytest.fixture
def project(site, tmp_path):
    """Two briefings, machine translated into en and fr (French through
    English), with their PDFs and digests; the theme is a private copy."""
    install(tmp_path / "models")
    shutil.copytree(ROOT / "themes" / "mirsad", tmp_path / "theme")
    site.briefing("alpha", "داعش لا يزال نشطا في سرت.", body=f"{ACTIVE}\n\n{FRAGILE}")
    site.briefing("beta", "وقعت اشتباكات جنوب طرابلس.", body=CLASHES, date="2017-02-01 09:00")
    site.settings = {"THEME": str(tmp_path / "theme"),
                     "MIRSAD_MT": {"models_dir": str(tmp_path / "models"),
                                   "memory": str(tmp_path / "cache" / "tm.sqlite")}}
    return site


def build(site, **changes) -> dict:
    """Build; return this build's record (stage times and counts)."""
    settings = {**site.settings}
    for key, value in changes.items():
        settings[key] = {**settings.get(key, {}), **value} if isinstance(value, dict) else value
    built = site.build(**settings)
    assert not built.errors, built.errors
    record = json.loads((site.root / "cache" / "last-build.json").read_text())
    record["built"] = built
    return record


def counts(record: dict) -> tuple[int, int, int, int]:
    got = record["counts"]
    return (got.get("segments_translated", 0), got.get("segments_reused", 0),
            got.get("pdfs_rendered", 0), got.get("pdfs_reused", 0))


PDFS = 2 * 3 + 3  # two briefings in three languages, and a digest per language
SEGMENTS = 2 * (4 + 3)  # ar→en then en→fr: titles, sentences, tag/category names (none here)


def test_unchanged_site_translates_and_renders_nothing(project):
    first = build(project)
    translated, _, rendered, _ = counts(first)
    assert translated > 0 and rendered == PDFS and first["counts"]["search_indexes_built"] == 3
    second = build(project)
    assert counts(second) == (0, translated, 0, PDFS)
    assert second["counts"]["search_indexes_reused"] == 3 and "search_indexes_built" not in second["counts"]
    assert "window.MIRSAD_SEARCH" in second["built"].text("en/search-index.js")
    assert second["counts"]["summaries_computed"] == 0 and second["counts"]["summaries_reused"] > 0


def test_summary_setting_or_text_change_recomputes_the_points_it_affects(project):
    first = build(project)
    computed = first["counts"]["summaries_computed"]
    assert build(project, MIRSAD_SUMMARY={"max_points": 2})["counts"]["summaries_computed"] == computed
    project.briefing("beta", "وقعت اشتباكات جنوب طرابلس.", body=f"{CLASHES}\n\n{FRAGILE}",
                     date="2017-02-01 09:00")
    record = build(project, MIRSAD_SUMMARY={"max_points": 2})
    assert 0 < record["counts"]["summaries_computed"] < computed


def test_bytecode_beside_the_plugins_is_no_part_of_the_code_revisions():
    """Python writes __pycache__ folders beside the plugins' sources (unless
    PYTHONDONTWRITEBYTECODE is set): the build neither fails on them nor
    recomputes every key point and search index once they appear."""
    from mirsad.search.cache import code_revision
    from mirsad.summary.summarise import _code_revision

    revisions = [_code_revision, code_revision.__wrapped__]
    before = [revision() for revision in revisions]
    assert compileall.compile_dir(ROOT / "plugins" / "mirsad" / "text", quiet=1)
    assert compileall.compile_dir(ROOT / "plugins" / "mirsad" / "search", quiet=1)
    assert (ROOT / "plugins" / "mirsad" / "text" / "stopwords" / "__pycache__").is_dir()
    assert [revision() for revision in revisions] == before


def test_an_unchanged_site_is_searchable_without_analysing_its_text_again(project, monkeypatch):
    build(project)

    def analysed(text: str) -> list[str]:
        raise AssertionError(f"the text of an unchanged site was analysed: {text[:40]!r}")

    monkeypatch.setattr("mirsad.search.documents.words", analysed)
    assert build(project)["counts"]["search_indexes_reused"] == 3
    monkeypatch.undo()
    assert build(project, MIRSAD_SEARCH={"body_words": 3})["counts"]["search_indexes_built"] == 3


def test_an_edit_rebuilds_the_search_index_of_every_language_it_shows_in(project):
    build(project)
    project.briefing("beta", "وقعت اشتباكات جنوب طرابلس.", body=f"{CLASHES}\n\n{FRAGILE}",
                     date="2017-02-01 09:00")
    record = build(project)
    assert record["counts"]["search_indexes_built"] == 3
    assert "fragile" in record["built"].text("en/search-index.js")


def test_one_edited_briefing_redoes_only_its_sentences_and_pdfs(project):
    build(project)
    project.briefing("beta", "وقعت اشتباكات جنوب طرابلس.", body=f"{CLASHES}\n\n{FRAGILE}",
                     date="2017-02-01 09:00")
    translated, _, rendered, reused = counts(build(project))
    # FRAGILE is already in the memory (alpha has it): nothing to translate.
    assert translated == 0
    assert (rendered, reused) == (3 + 3, 3)  # beta in 3 languages and the 3 digests; alpha reused


def test_glossary_change_retranslates_only_the_sentences_using_the_term(project):
    build(project)
    project.write("glossary.yml", "داعش: {en: Daesh, fr: l'EI}\n")
    record = build(project)
    translated, reused, rendered, _ = counts(record)
    # alpha's title and first sentence (the same text) contain داعش: one
    # segment each into en and fr; the rest is reused.
    assert translated == 2 and reused > 0
    assert "Daesh is still active" in record["built"].text("en/briefings/alpha.html")
    assert rendered == 2 + 2  # alpha's and the digest's en and fr PDFs; Arabic ones unchanged


def test_new_model_version_retranslates_what_depends_on_it_and_says_so(project, tmp_path):
    first = build(project)
    archive = tmp_path / "translate-ar_en-test-1.1.argosmodel"
    _with_version(FIXTURES / "translate-ar_en-test-1.0.argosmodel", archive, "1.1")
    from mirsad.mt.models.packages import install_archive

    install_archive(archive, tmp_path / "models")
    record = build(project)
    # Both languages depend on it (French goes through English): everything again.
    assert counts(record)[:2] == (counts(first)[0], 0)
    assert "ar→en 1.1" in record["built"].text("en/briefings/alpha.html")


def test_new_assembly_code_reassembles_from_the_memory_without_the_engine(project, monkeypatch):
    """A machine-translated segment is kept with the revision of the code that
    put its markup, hashtags and glossary terms back (an upgrade of Mirsad may
    fix them): other code assembles it again, from the sentences the engine
    gave, which the memory keeps."""
    from mirsad.mt import articles

    def rows() -> dict[str, int]:
        with sqlite3.connect(project.settings["MIRSAD_MT"]["memory"]) as db:
            return dict(db.execute("SELECT kind, count(*) FROM segments GROUP BY kind"))

    first = build(project)
    before = rows()
    monkeypatch.setattr(articles, "assembly_revision", lambda: "another revision")
    assert counts(build(project))[:2] == (counts(first)[0], 0)
    assert rows() == {"raw": before["raw"], "final": 2 * before["final"]}  # no sentence to the engine again


def test_engine_setting_change_retranslates_and_an_unrelated_one_reuses(project):
    first = build(project)
    translated = counts(first)[0]
    assert counts(build(project, MIRSAD_SEARCH={"boosts": {"title": 3, "terms": 2, "body": 1}}))[::2] == (0, 0)
    assert counts(build(project, MIRSAD_MT={"beam_size": 1}))[0] == translated


@pytest.mark.parametrize("edited, old, new, pdfs_rendered", [
    ("static/css/pdf.css", "@page", "/* edited */\n@page", PDFS),
    ("templates/pdf/briefing.html", "</body>", "<p>edited</p></body>", 2 * 3),  # not the digests
    ("templates/pdf/_briefing.html", "{% include", "<p>edited</p>{% include", PDFS),  # in both
    ("templates/pdf/briefing.html", "</body>", "{# a comment #}</body>", 0),  # same HTML, same PDFs
    ("templates/article.html", "{% block content %}", "{% block content %}<p>edited</p>", 0),
])
def test_theme_change_rerenders_exactly_the_pdfs_made_from_it(project, tmp_path, edited, old, new,
                                                              pdfs_rendered):
    build(project)
    path = tmp_path / "theme" / edited
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    translated, _, rendered, _ = counts(build(project))
    assert (translated, rendered) == (0, pdfs_rendered)


def test_page_size_setting_rerenders_every_pdf(project):
    build(project)
    assert counts(build(project, MIRSAD_PDF={"page_size": "letter"}))[2] == PDFS


def test_record_has_every_stage_time(project):
    record = build(project)
    assert set(record["stages"]) >= {"read", "translate", "summarise", "pdf", "html", "search"}
    assert all(seconds >= 0 for seconds in record["stages"].values())
    assert record["total"] >= sum(record["stages"].values()) * 0.99


def _with_version(source: Path, target: Path, version: str) -> None:
    """A copy of an Argos package whose metadata says `version`."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename.endswith("metadata.json"):
                metadata = json.loads(data)
                metadata["package_version"] = version
                data = json.dumps(metadata).encode()
            new.writestr(item, data)


def test_a_changed_image_rerenders_the_pdfs_that_show_it(project):
    project.write("images/map.png", png(0))
    project.briefing("beta", "وقعت اشتباكات جنوب طرابلس.", body=f"{CLASHES}\n\n![خريطة](../../images/map.png)",
                     date="2017-02-01 09:00")
    build(project)
    project.write("images/map.png", png(255))  # same name, another picture
    translated, _, rendered, _ = counts(build(project))
    assert (translated, rendered) == (0, 3 + 3)  # beta in 3 languages, and the digests that show it


def png(grey: int) -> bytes:
    """A one-pixel greyscale PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes([0, grey])))
            + chunk(b"IEND", b""))
