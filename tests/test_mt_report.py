"""invoke mt-report (mirsad.review.quality, quality_page): real builds with
the test models through machine_drafts, reviewed translations written as an
editor would, scores checked against sacrebleu run directly on the same
strings."""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess

import pytest
import yaml
from conftest import ROOT, missing_tool
from review_support import review_project
from sacrebleu.metrics import CHRF, TER
from test_machine_translation import ACTIVE, CLASHES, FRAGILE

from mirsad.review.commands import ReviewError, machine_drafts, plain, select
from mirsad.review.markdown_file import file_text
from mirsad.review.quality import block_texts, char_edit_distance, report
from mirsad.review.quality_page import render, write_report

HOSTILE = '<script>alert("mt")</script> & <b>bold</b>'
EDITED_BODY = "The security situation in Libya is still fragile, officials say. ISIS remains active near Sirte."


def _text(fragment: str) -> str:
    return " ".join(plain(fragment).split())


def _reviewed(site, slug: str, lang: str, fields: dict, body_markdown: str) -> None:
    front = yaml.safe_dump({"translator": "Desk", "reviewed": "2026-12-01", **fields}, allow_unicode=True,
                           sort_keys=False)
    site.write(f"translations/{slug}.{lang}.md", f"---\n{front}---\n\n{body_markdown}\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A site with four reviewed briefings (in English): one equal to its
    machine translation, one edited, one whose original changed since, one
    with a hostile title; and a French one with no machine translation
    (the en→fr model is removed before the second build)."""
    root = tmp_path_factory.mktemp("mt-report")
    site, project = review_project(root)
    bodies = {"same": f"{FRAGILE} {ACTIVE}\n\n{CLASHES}", "edited": f"{FRAGILE} {ACTIVE}",
              "stale": ACTIVE, "hostile": CLASHES}
    for slug, body in bodies.items():
        site.briefing(slug, "الوضع في ليبيا", body=body)
    first = {d.slug: d for d in select(machine_drafts(project), lang="en")}
    same, edited = first["same"], first["edited"]
    # An editor accepted the machine translation as it is: the repo's own
    # writer (invoke review's), signed.
    site.write("translations/same.en.md", file_text(
        {"title": plain(same.targets("title")[0]), "translator": "Desk", "reviewed": "2026-12-01",
         "source_hash": same.source_hash}, same.machine_html, draft=False))
    _reviewed(site, "edited", "en", {"title": "The situation in Libya", "source_hash": edited.source_hash},
              EDITED_BODY)
    _reviewed(site, "stale", "en", {"title": "Stale", "source_hash": first["stale"].source_hash}, "Old text.")
    _reviewed(site, "hostile", "en", {"title": HOSTILE, "source_hash": first["hostile"].source_hash},
              f"Clashes {HOSTILE}")
    _reviewed(site, "edited", "fr", {"title": "La situation", "source_hash": edited.source_hash}, "Texte.")
    shutil.rmtree(root / "models" / "translate-en_fr")
    original = site.content / "briefings" / "stale.md"
    original.write_text(original.read_text(encoding="utf-8") + f"\n{FRAGILE}\n", encoding="utf-8")
    drafts = machine_drafts(project)
    return {"site": site, "project": project, "first": first, "drafts": drafts,
            "report": report(drafts, root)}


def _model(result, pair):
    models = [model for model in result["models"] if model["pair"] == pair]
    assert len(models) == 1, result["models"]
    return models[0]


def _briefing(model, slug):
    return next(entry for entry in model["per_briefing"] if entry["slug"] == slug)


def test_a_review_equal_to_the_machine_translation_scores_100_and_0(built):
    same = _briefing(_model(built["report"], "ar-en"), "same")
    assert same["body_alignment"] == "blocks" and same["blocks"] == {"machine": 2, "reviewed": 2}
    assert same["segments"] == 3  # title + two paragraphs
    assert same["scores"]["chrf_pp"] == 100.0
    assert same["scores"]["ter"] == 0.0 and same["scores"]["ter_word_edits"] == 0
    assert same["scores"]["char_edit_distance"] == 0 and same["scores"]["char_edit_ratio"] == 0.0


def test_an_edited_review_scores_as_sacrebleu_does_on_the_same_strings(built):
    draft = built["first"]["edited"]
    machine = [_text(draft.targets("title")[0]), _text(draft.machine_html)]
    reviewed = ["The situation in Libya", EDITED_BODY]
    assert machine[1] != reviewed[1]
    chrf = CHRF(word_order=2).corpus_score(machine, [reviewed])
    ter = TER().corpus_score(machine, [reviewed])
    scores = _briefing(_model(built["report"], "ar-en"), "edited")["scores"]
    assert scores["chrf_pp"] == pytest.approx(chrf.score, abs=1e-3) and scores["chrf_pp"] < 100
    assert scores["ter"] == pytest.approx(ter.score, abs=1e-3) and scores["ter"] > 0
    assert (scores["ter_word_edits"], scores["reference_words"]) == (ter.num_edits, ter.ref_length)
    distance = sum(_levenshtein(m, r) for m, r in zip(machine, reviewed))
    assert scores["char_edit_distance"] == distance > 0
    assert scores["char_edit_ratio"] == pytest.approx(distance / sum(map(len, reviewed)), abs=1e-6)


def test_the_overall_figures_are_corpus_level_over_every_segment(built):
    model = _model(built["report"], "ar-en")
    drafts = {d.slug: d for d in select(built["drafts"], lang="en")}
    machine, reviewed = [], []
    for entry in model["per_briefing"]:
        draft = drafts[entry["slug"]]
        machine += [_text(draft.targets("title")[0]), *block_texts(draft.machine_html)]
        reviewed += [" ".join(draft.reviewed.title.split()), *block_texts(draft.reviewed.html)]
    overall = model["overall"]
    assert model["segments"] == len(machine) and model["briefings"] == 3
    assert overall["chrf_pp"] == pytest.approx(CHRF(word_order=2).corpus_score(machine, [reviewed]).score, abs=1e-3)
    assert overall["ter"] == pytest.approx(TER().corpus_score(machine, [reviewed]).score, abs=1e-3)
    assert model["signatures"]["chrf_pp"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:2")
    assert "version:2.6.0" in model["signatures"]["ter"]
    assert model["identity"].startswith("argos:ar-en:1.0:") and model["engine"] == "Argos ar→en 1.0"


def test_out_of_date_reviews_are_skipped_and_listed(built):
    result = built["report"]
    assert {"slug": "stale", "lang": "en", "path": "content/translations/stale.en.md",
            "reason": "outdated"} in result["skipped"]
    assert all(entry["slug"] != "stale" for model in result["models"] for entry in model["per_briefing"])
    assert "content/translations/stale.en.md" in render(result)


def test_the_html_escapes_hostile_text_and_sets_lang_and_dir(built, tmp_path):
    json_path, html_path = write_report(built["report"], tmp_path / "report")
    page = html_path.read_text(encoding="utf-8")
    assert "<script" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&quot;mt&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert '<span lang="en" dir="ltr">' in page and '<html lang="en" dir="ltr">' in page
    assert "http" not in page.split("<body>")[0]  # nothing to fetch: works from file://
    assert json.loads(json_path.read_text(encoding="utf-8")) == built["report"]
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["mt-report.html", "mt-report.json"]


def test_an_unwritable_output_is_refused_with_its_name(built, tmp_path):
    in_the_way = tmp_path / "report"
    in_the_way.write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(ReviewError, match=f"cannot write the report into {in_the_way}"):
        write_report(built["report"], in_the_way)
    assert in_the_way.read_text(encoding="utf-8") == "a file, not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_a_review_without_machine_translation_is_skipped(built):
    assert {"slug": "edited", "lang": "fr", "path": "content/translations/edited.fr.md",
            "reason": "no-machine-translation"} in built["report"]["skipped"]
    assert all(model["target_lang"] == "en" for model in built["report"]["models"])


def test_the_sample_site_gives_both_pairs_with_finite_numbers(tmp_path):
    site, project = review_project(tmp_path)
    shutil.rmtree(site.content)
    shutil.copytree(ROOT / "content", site.content)
    result = report(machine_drafts(project), tmp_path)
    assert {model["pair"] for model in result["models"]} == {"ar-en", "ar-fr"}
    assert result["skipped"] == [] and result["totals"]["briefings"] == 8
    for model in result["models"]:
        assert model["briefings"] == 4 and model["segments"] >= 4 * 3
        numbers = [*model["overall"].values(), *(v for b in model["per_briefing"] for v in b["scores"].values())]
        assert all(isinstance(n, (int, float)) and math.isfinite(n) for n in numbers)
        assert 0 < model["overall"]["chrf_pp"] < 100 and model["overall"]["ter"] > 0
    json_path, html_path = write_report(result, tmp_path / "out")
    assert json.loads(json_path.read_text(encoding="utf-8"))["totals"]["segments"] == result["totals"]["segments"]
    assert '<span lang="fr" dir="ltr">' in html_path.read_text(encoding="utf-8")


def _levenshtein(a: str, b: str) -> int:
    """The textbook dynamic programme, to check the vectorised one."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def test_the_character_edit_distance_is_levenshtein():
    rng = random.Random(17)
    for _ in range(300):
        a = "".join(rng.choice("abcé ب") for _ in range(rng.randrange(0, 12)))
        b = "".join(rng.choice("abcé ب") for _ in range(rng.randrange(0, 12)))
        assert char_edit_distance(a, b) == _levenshtein(a, b), (a, b)
    assert char_edit_distance("kitten", "sitting") == 3


@pytest.mark.nu
def test_the_html_passes_the_nu_checker(built, tmp_path):
    java, vnu = shutil.which("java"), ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not java or not vnu.exists():
        missing_tool("the Nu checker needs java and node_modules/vnu-jar (run `make setup`)")
    _, html_path = write_report(built["report"], tmp_path)
    result = subprocess.run([java, "-jar", str(vnu), "--errors-only", "--format", "json", str(html_path)],
                            check=False, capture_output=True, text=True, timeout=300)
    assert json.loads(result.stderr or '{"messages": []}')["messages"] == []
