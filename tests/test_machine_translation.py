"""Offline machine translation with the repo's tiny real Argos packages
(tests/fixtures/models, rebuilt by tools/build_test_models.py): they
reproduce their training sentences exactly, so pages can be checked word
for word."""

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import network_guard
from conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "models"
FRAGILE = "الوضع الأمني في ليبيا لا يزال هشا."
ACTIVE = "داعش لا يزال نشطا في سرت."
CLASHES = "وقعت اشتباكات جنوب طرابلس."


# pairs → a models folder `invoke models --from` filled once per session (each
# install tries its models in a CTranslate2 process: seconds), copied for each
# test with its files' times, which the install record checks.
_INSTALLED: dict[tuple[str, ...], Path] = {}


def install(models: Path, pairs=("ar_en", "en_fr")) -> Path:
    from pelican.settings import read_settings
    from mirsad.tasks.models import install_for_site

    pairs = tuple(pairs)
    if pairs not in _INSTALLED:
        root = Path(tempfile.mkdtemp(prefix="mirsad-test-models-"))
        atexit.register(shutil.rmtree, root, True)
        (root / "archives").mkdir()
        for pair in pairs:
            shutil.copy(FIXTURES / f"translate-{pair}-test-1.0.argosmodel", root / "archives")
        settings = read_settings(str(ROOT / "pelicanconf.py"),
                                 override={"MIRSAD_MT": {"models_dir": str(root / "models")}})
        install_for_site(settings, root / "archives")
        _INSTALLED[pairs] = root / "models"
    shutil.copytree(_INSTALLED[pairs], models, dirs_exist_ok=True)
    return models


def build(site, **extra):
    return site.build(MIRSAD_MT={**site.mt, **extra})


def body_text(built, path):
    return " ".join(built.page(path).find(".//div[@class='briefing__body']").text_content().split())


def test_briefing_without_reviewed_translation_gets_english_and_french(mt_site):
    install(mt_site.models)
    mt_site.briefing("mt", "داعش لا يزال نشطا في سرت.", body=f"{FRAGILE} {ACTIVE}\n\n{CLASHES}")
    built = build(mt_site)
    assert body_text(built, "en/briefings/mt.html") == (
        "The security situation in Libya remains fragile. ISIS is still active in Sirte. "
        "Clashes took place south of Tripoli.")
    assert body_text(built, "fr/briefings/mt.html") == (
        "La situation sécuritaire en Libye reste fragile. Daech est toujours actif à Syrte. "
        "Des affrontements ont eu lieu au sud de Tripoli.")
    assert built.page("en/briefings/mt.html").findtext(".//h1") == "ISIS is still active in Sirte."
    assert len(built.page("en/briefings/mt.html").findall(".//div[@class='briefing__body']/p")) == 2
    assert network_guard.ATTEMPTS == []


def test_provenance_names_the_model_and_the_pivot(mt_site):
    install(mt_site.models)
    mt_site.briefing("mt", "عنوان", body=FRAGILE)
    built = build(mt_site)
    en = " ".join(built.page("en/briefings/mt.html").find(".//div[@role='note']").text_content().split())
    fr = " ".join(built.page("fr/briefings/mt.html").find(".//div[@role='note']").text_content().split())
    ar = " ".join(built.page("ar/briefings/mt.html").find(".//p[@class='provenance provenance--original']").text_content().split())
    assert "Machine translation — Argos ar→en 1.0, not reviewed" in en
    assert "via anglais" in fr and "Argos ar→en 1.0 + Argos en→fr 1.0" in fr
    assert "النص الأصلي" in ar


def test_french_reuses_the_english_leg_instead_of_translating_twice(mt_site):
    install(mt_site.models)
    mt_site.briefing("mt", "عنوان", body=f"{FRAGILE} {ACTIVE}")
    built = build(mt_site)
    memory = sqlite3.connect(mt_site.mt["memory"])
    legs = dict(memory.execute("SELECT pair, count(*) FROM segments WHERE kind='raw' GROUP BY pair"))
    sources = [row[0] for row in memory.execute("SELECT source FROM segments WHERE kind='raw' AND pair='ar→en'")]
    assert len(sources) == len(set(sources))  # each Arabic sentence went through ar→en once
    assert legs["en→fr"] <= legs["ar→en"]
    assert "ar→fr: 3 segments translated" in _report(built)  # title + 2 sentences


def test_direct_package_is_preferred_to_the_pivot(mt_site):
    if not (FIXTURES / "translate-ar_fr-test-1.0.argosmodel").exists():
        pytest.skip("no direct ar→fr test package built")
    install(mt_site.models, ("ar_en", "en_fr", "ar_fr"))
    mt_site.briefing("mt", "عنوان", body=FRAGILE)
    built = build(mt_site)
    note = built.page("fr/briefings/mt.html").find(".//div[@role='note']").text_content()
    assert "Argos ar→fr" in note and "via" not in note


def test_unchanged_content_is_never_translated_twice(mt_site):
    install(mt_site.models)
    mt_site.briefing("mt", "عنوان", body=f"{FRAGILE}\n\n{ACTIVE}")
    build(mt_site)
    second = build(mt_site)
    assert "ar→en: 0 segments translated" in _report(second)
    mt_site.briefing("mt", "عنوان", body=f"{FRAGILE}\n\n{CLASHES}")
    third = build(mt_site)
    assert "ar→en: 1 segments translated, 2 reused" in _report(third)
    assert "Clashes took place south of Tripoli." in body_text(third, "en/briefings/mt.html")


def _report(built) -> str:
    from mirsad.common.report import report
    return "\n".join(line for lines in report(built.settings).values() for line in lines)


def test_glossary_terms_come_out_as_written_in_every_language(mt_site):
    install(mt_site.models)
    mt_site.write("glossary.yml", "داعش: {en: Daesh, fr: l'EI}\nسرت: {keep: true}\n")
    mt_site.briefing("mt", "عنوان", body=f"{ACTIVE}\n\n{FRAGILE}")
    built = build(mt_site)
    assert body_text(built, "en/briefings/mt.html") == (
        "Daesh is still active in سرت. The security situation in Libya remains fragile.")
    assert "l'EI" in body_text(built, "fr/briefings/mt.html")
    assert "Daech" not in body_text(built, "fr/briefings/mt.html")


def test_markup_survives_translation(mt_site):
    install(mt_site.models)
    mt_site.briefing("mt", "عنوان", body="""
        ## خلفية

        - الوضع الأمني في **ليبيا** لا يزال هشا.
        - داعش لا يزال نشطا في [سرت](https://example.org/sirte?a=1&b=2).

        > تبقى الطرق الصحراوية خطرة.

        | المدينة | العدد |
        |---|---|
        | سرت | ٣٥٠ |

        لم تؤكد السلطات هذه المعلومات. الأمر `rm -rf /` لا يترجم.

        ![ليبيا](map.png)
        """)
    built = build(mt_site)
    body = built.page("en/briefings/mt.html").find(".//div[@class='briefing__body']")
    assert body.findtext("h2") == "Background"
    items = [" ".join(li.text_content().split()) for li in body.findall("ul/li")]
    assert items == ["The security situation in Libya remains fragile.", "ISIS is still active in Sirte."]
    assert body.find("ul/li/strong").text == "Libya"
    link = body.find("ul/li/a")
    assert (link.text, link.get("href")) == ("Sirte", "https://example.org/sirte?a=1&b=2")
    assert body.findtext("blockquote/p") == "Desert roads remain dangerous."
    assert [td.text for td in body.findall(".//tbody/tr/td")] == ["Sirte", "350"]
    codes = body.findall(".//code")
    assert [c.text for c in codes] == ["rm -rf /"]
    assert "The authorities have not confirmed this information." in body.text_content()
    assert body.find(".//img").get("alt") == "Libya"


def test_hashtags_are_translated_consistently(mt_site):
    install(mt_site.models)
    mt_site.briefing("mt", "عنوان", body="كشفت مصادر مطلعة النقاب عن وجود مئات من مقاتلي تنظيم #داعش لا يزالون يتحركون في محيط مدينة #سرت عبر الطرقات الصحراوية المتشعبة")
    built = build(mt_site)
    # The engine reads the hashtags as written; the output's own take their places, as the glossary says.
    assert body_text(built, "en/briefings/mt.html") == (
        "Informed sources revealed that hundreds of #ISIS fighters are still moving around the city of #Sirte "
        "along the branching desert roads")
    assert body_text(built, "fr/briefings/mt.html") == (
        "Des sources informées ont révélé que des centaines de combattants de #Daech se déplacent toujours autour "
        "de la ville de #Syrte par les routes désertiques ramifiées")


def test_reviewed_translation_wins_over_machine(mt_site):
    install(mt_site.models)
    mt_site.briefing("r", "عنوان", body=FRAGILE)
    mt_site.translation("r", "en", "Reviewed title", body="A human wrote this.")
    built = build(mt_site)
    assert body_text(built, "en/briefings/r.html") == "A human wrote this."
    assert body_text(built, "fr/briefings/r.html") == "La situation sécuritaire en Libye reste fragile."


def test_missing_model_completes_the_build_and_says_so(mt_site):
    mt_site.briefing("m", "عنوان", body=FRAGILE)
    built = build(mt_site)
    page = built.page("en/briefings/m.html")
    notice = " ".join(page.find(".//div[@class='provenance provenance--missing']").text_content().split())
    assert "not available in English yet" in notice
    assert page.find(".//div[@class='briefing__body']").get("lang") == "ar"
    # Not an English version: not in any hreflang set, and not indexed.
    assert [l.get("hreflang") for l in page.findall(".//head/link[@hreflang]")] == ["ar", "x-default"]
    assert page.find(".//meta[@name='robots']").get("content") == "noindex"
    assert built.page("en/index.html").findall(".//article") == []
    assert any("no translation model for ar→en" in w and "invoke models --from DIR" in w for w in built.warnings)
    assert "MISSING ar→en" in _report(built)


def test_missing_model_fails_a_strict_build(mt_site):
    from mirsad.mt.plugin import MissingModelError

    mt_site.briefing("m", "عنوان", body=FRAGILE)
    with pytest.raises(MissingModelError, match="ar→en.*invoke models"):
        build(mt_site, strict=True)


def test_corrupt_or_wrong_package_is_refused_by_name(tmp_path):
    from mirsad.mt.models.packages import PackageError, check_archive

    corrupt = tmp_path / "broken.argosmodel"
    corrupt.write_bytes((FIXTURES / "translate-ar_en-test-1.0.argosmodel").read_bytes()[:5000])
    with pytest.raises(PackageError, match="broken.argosmodel: not a valid"):
        check_archive(corrupt)
    with pytest.raises(PackageError, match="translates en→fr, not ar→en"):
        check_archive(FIXTURES / "translate-en_fr-test-1.0.argosmodel", ("ar", "en"))


def test_models_from_folder_lists_what_is_missing(tmp_path):
    from pelican.settings import read_settings
    from mirsad.tasks.models import install_for_site
    from mirsad.mt.models.packages import PackageError

    folder = tmp_path / "archives"
    folder.mkdir()
    shutil.copy(FIXTURES / "translate-ar_en-test-1.0.argosmodel", folder)
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": {"models_dir": str(tmp_path / "m")}})
    with pytest.raises(PackageError, match="no .argosmodel or model folder for en→fr"):
        install_for_site(settings, folder)


def test_tag_and_category_names_are_translated_with_stable_urls(mt_site):
    install(mt_site.models)
    mt_site.write("taxonomy.yml", "categories:\n  أمن: {slug: security, en: Security (desk)}\n")
    mt_site.briefing("mt", "عنوان", body=FRAGILE, tags="[طرابلس, سرت]", category="أمن")
    built = build(mt_site)
    en = built.page("en/briefings/mt.html")
    tags = [(a.text, a.get("href")) for a in en.findall(".//ul[@class='tag-list']//a")]
    assert tags == [("Tripoli", "../../en/tags/trbls.html"), ("Sirte", "../../en/tags/srt.html")]
    fr = [a.text for a in built.page("fr/briefings/mt.html").findall(".//ul[@class='tag-list']//a")]
    assert fr == ["Tripoli", "Syrte"]
    # A name written in taxonomy.yml wins over the machine's; French has none there.
    assert en.find(".//span[@class='briefing-meta__category']/a").text == "Security (desk)"
    assert built.page("fr/briefings/mt.html").find(".//span[@class='briefing-meta__category']/a").text == "Sécurité"


def test_damaged_memory_is_moved_aside_and_the_build_goes_on(mt_site):
    install(mt_site.models)
    memory = Path(mt_site.mt["memory"])
    memory.parent.mkdir(parents=True, exist_ok=True)
    memory.write_bytes(b"this is not an SQLite database" * 100)
    mt_site.briefing("mt", "عنوان", body=FRAGILE)
    built = build(mt_site)
    assert body_text(built, "en/briefings/mt.html") == "The security situation in Libya remains fragile."
    assert any("translation memory is damaged" in w and "moved to" in w for w in built.warnings)
    kept = list(memory.parent.glob("tm.sqlite.damaged-*"))
    assert kept and kept[0].read_bytes().startswith(b"this is not an SQLite")
    assert "ar→en: 0 segments translated" in _report(build(mt_site))  # the new memory works


# --- batches -------------------------------------------------------------------

@given(st.lists(st.integers(1, 300), max_size=200), st.integers(1, 40), st.integers(1, 4096))
@settings(max_examples=200, deadline=None, derandomize=True)
def test_batches_hold_every_sentence_once_within_both_limits(lengths, most_examples, most_tokens):
    from mirsad.mt.engines.engine import length_groups

    groups = length_groups(lengths, most_examples, most_tokens)
    assert sorted(i for group in groups for i in group) == list(range(len(lengths)))
    for group in groups:
        longest = max(lengths[i] for i in group)
        assert len(group) <= most_examples
        assert len(group) == 1 or len(group) * longest <= most_tokens  # one too long sentence goes alone
    order = [lengths[i] for group in groups for i in group]
    assert order == sorted(order)  # similar lengths together, so each call's output cap fits them


def test_small_token_batches_translate_the_same_as_large_ones(tmp_path):
    from mirsad.mt.engines.engine import CTranslate2Engine, EngineOptions
    from mirsad.mt.models.packages import install_archive

    package = install_archive(FIXTURES / "translate-ar_en-test-1.0.argosmodel", tmp_path, ("ar", "en"))
    sentences = [FRAGILE, ACTIVE, CLASHES, " ".join([FRAGILE, ACTIVE, CLASHES]), "سرت.", FRAGILE * 3]
    large = CTranslate2Engine(package, EngineOptions(intra_threads=1)).translate(sentences)
    # 24 tokens a batch: five engine calls instead of one (the sentences are 2 to 37 tokens long).
    small = CTranslate2Engine(package, EngineOptions(intra_threads=1, max_batch_tokens=24)).translate(sentences)
    assert small == large
    assert large[0].text == "The security situation in Libya remains fragile."


def test_a_stopped_translation_keeps_the_chunks_it_finished(tmp_path, monkeypatch):
    """A cold build of a large archive translates for hours: stopped midway
    (here after its first chunk of sentences), it keeps what it finished."""
    from mirsad.mt import routing
    from mirsad.mt.engines.engine import CTranslate2Engine, EngineOptions
    from mirsad.mt.memory import TranslationMemory, segment_key
    from mirsad.mt.models.packages import install_archive

    package = install_archive(FIXTURES / "translate-ar_en-test-1.0.argosmodel", tmp_path / "models", ("ar", "en"))
    engine = CTranslate2Engine(package, EngineOptions(intra_threads=1))

    class StoppedAfterOneChunk:  # the real engine; the build is stopped (Ctrl-C) at its second call
        identity, label, calls = engine.identity, engine.label, 0

        def translate(self, texts):
            self.calls += 1
            if self.calls > 1:
                raise KeyboardInterrupt
            return engine.translate(texts)

    monkeypatch.setattr(routing, "PROGRESS_CHUNK", 2)
    path = str(tmp_path / "tm.sqlite")
    memory = TranslationMemory(path)
    with pytest.raises(KeyboardInterrupt):
        routing.CachedEngine(StoppedAfterOneChunk(), "ar→en", memory, routing.Stats()).translate(
            [FRAGILE, ACTIVE, CLASHES])
    memory.close()
    keys = {text: segment_key("raw", text, "ar→en", engine.identity) for text in (FRAGILE, ACTIVE, CLASHES)}
    kept = TranslationMemory(path).get_many(keys.values())
    assert {key: kept[key].text for key in kept} == {
        keys[FRAGILE]: "The security situation in Libya remains fragile.", keys[ACTIVE]: engine.translate([ACTIVE])[0].text}
