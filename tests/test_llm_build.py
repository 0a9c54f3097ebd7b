"""Whole builds translated by real llama.cpp servers (tests/llama_server.py,
the tiny test model): the corpus comes out on the pages with the model and
the server software named, the glossary and reviewed examples reach the
prompt and the memory's key, a second build asks the servers nothing, and a
server killed in the middle of a build leaves its work to the other one,
or, alone, leaves the language untranslated (nothing half-published)."""

from __future__ import annotations

import llama_server
import pytest
from conftest import missing_tool
from llama_server import servers  # noqa: F401 (a fixture)
from openai_wire_server import WireServer
from test_libretranslate_build import final_rows, kill_during_translation
from test_machine_translation import ACTIVE, CLASHES, FRAGILE, _report, body_text

from mirsad.mt.engines import openai

EN = {FRAGILE: "The security situation in Libya remains fragile.", ACTIVE: "ISIS is still active in Sirte.",
      CLASHES: "Clashes took place south of Tripoli."}
FR = {FRAGILE: "La situation sécuritaire en Libye reste fragile.", ACTIVE: "Daech est toujours actif à Syrte.",
      CLASHES: "Des affrontements ont eu lieu au sud de Tripoli."}


def write_site(site):
    site.briefing("one", FRAGILE, body=f"{ACTIVE}\n\n{CLASHES}")
    site.briefing("two", CLASHES, body=FRAGILE)


def mt(site, name, servers, **options):
    return {"models_dir": str(site.root / "no-models"), "memory": str(site.root / f"{name}.sqlite"),
            "servers": [s if isinstance(s, dict) else s.entry() for s in servers], **options}


def published(built) -> str:
    """Every published file's text (pages, feeds, sitemap, search index)."""
    return "\n".join(path.read_text(errors="replace") for path in built.output.rglob("*") if path.is_file()
                     and path.suffix in (".html", ".xml", ".json", ".txt", ".js"))


def test_llm_build_publishes_the_models_translations(site, servers):
    write_site(site)
    built = site.build(MIRSAD_MT=mt(site, "llm", servers))
    assert not built.errors
    assert body_text(built, "en/briefings/one.html") == f"{EN[ACTIVE]} {EN[CLASHES]}"
    assert body_text(built, "fr/briefings/one.html") == f"{FR[ACTIVE]} {FR[CLASHES]}"
    assert built.page("fr/briefings/two.html").find(".//h1").text_content().strip() == FR[CLASHES]
    provenance = " ".join(built.page("fr/briefings/one.html").find(
        ".//div[@class='provenance provenance--machine']").text_content().split())
    assert f"{llama_server.ALIAS} via llama-cpp-python" in provenance and "via English" not in provenance
    everything = published(built)
    assert "<|assistant|>" not in everything and "<|user|>" not in everything and "Translate the news" not in everything
    # A second build takes every segment from the memory: no request at all.
    asked = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openai.OpenAIServer, "_translate_one", lambda self, *args: asked.append(args))
        again = site.build(MIRSAD_MT=mt(site, "llm", servers))
    assert not again.errors and asked == []
    assert body_text(again, "en/briefings/one.html") == f"{EN[ACTIVE]} {EN[CLASHES]}"


def test_llm_prompt_gets_glossary_and_reviewed_examples(site, servers):
    """The glossary's renderings and the reviewed translation of a similar
    segment are in the request the server gets, and in the memory's key."""
    write_site(site)
    site.write("glossary.yml", "داعش: {en: ISIS, fr: Daech}\n")
    site.briefing("reviewed", FRAGILE + " اليوم", body=CLASHES)
    site.translation("reviewed", "en", EN[FRAGILE] + " today", body=EN[CLASHES])
    sent = []
    original = openai.OpenAIServer._translate_one

    def recorded(self, connection, text, source, target, context):
        sent.append((text, target, context))
        return original(self, connection, text, source, target, context)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openai.OpenAIServer, "_translate_one", recorded)
        built = site.build(MIRSAD_MT=mt(site, "examples", servers))
    assert not built.errors
    active = [context for text, target, context in sent if text == ACTIVE and target == "en"]
    assert active and active[0].terms == (("داعش", "ISIS"),)
    fragile = [context for text, target, context in sent if text == FRAGILE and target == "en"]
    assert fragile and (FRAGILE + " اليوم", EN[FRAGILE] + " today") in fragile[0].examples  # the titles
    clashes = [context for text, target, context in sent if text == CLASHES and target == "en"]
    assert clashes and clashes[0].examples[0] == (CLASHES, EN[CLASHES])  # the bodies' one block each
    assert body_text(built, "en/briefings/one.html") == f"{EN[ACTIVE]} {EN[CLASHES]}"


def recording(patch) -> list[tuple[str, str]]:
    """(text, target) of every request the build sends to a server."""
    sent = []
    original = openai.OpenAIServer._translate_one

    def recorded(self, connection, text, source, target, context):
        sent.append((text, target))
        return original(self, connection, text, source, target, context)

    patch.setattr(openai.OpenAIServer, "_translate_one", recorded)
    return sent


def test_llm_glossary_change_retranslates_only_the_segments_it_touches(site, servers):
    """A segment's glossary terms are part of its memory key (its prompt
    carries them): a new entry re-translates the segments with that term."""
    write_site(site)
    built = site.build(MIRSAD_MT=mt(site, "keys", servers))
    assert not built.errors
    site.write("glossary.yml", "داعش: {en: ISIS, fr: Daech}\n")
    with pytest.MonkeyPatch.context() as patch:
        sent = recording(patch)
        again = site.build(MIRSAD_MT=mt(site, "keys", servers))
    assert not again.errors
    # The segment with the term, and nothing else: the answer holds the rendering
    # the prompt asked for, so the pipeline needs no translation of the term alone (translate.py).
    assert sorted(sent) == sorted([(ACTIVE, "en"), (ACTIVE, "fr")])
    assert body_text(again, "en/briefings/one.html") == f"{EN[ACTIVE]} {EN[CLASHES]}"
    assert body_text(again, "fr/briefings/one.html") == f"{FR[ACTIVE]} {FR[CLASHES]}"


def test_llm_server_killed_mid_build_another_takes_over(site, tmp_path, servers, monkeypatch):
    write_site(site)
    victim = llama_server.LlamaServer(tmp_path / "victim")
    try:
        timers = kill_during_translation(monkeypatch, victim, pool=openai.OpenAIPool)
        built = site.build(MIRSAD_MT=mt(site, "killed", [victim, servers[0]], server_retries=0, llm_timeout=30))
        assert timers and victim.process.returncode is not None  # killed during the build
    finally:
        victim.stop()
    assert not built.errors
    assert body_text(built, "en/briefings/one.html") == f"{EN[ACTIVE]} {EN[CLASHES]}"
    assert any(victim.url in w and "set aside" in w for w in built.warnings)


def test_llm_sole_server_killed_builds_placeholders(site, tmp_path, monkeypatch):
    if not llama_server.available():
        missing_tool(f"llama-cpp-python's venv {llama_server.VENV} is missing: run `make setup`")
    write_site(site)
    victim = llama_server.LlamaServer(tmp_path / "victim")
    try:
        kill_during_translation(monkeypatch, victim, pool=openai.OpenAIPool)
        built = site.build(MIRSAD_MT=mt(site, "alone", [victim], server_retries=0))
    finally:
        victim.stop()
    assert built.page("en/briefings/one.html").find(".//div[@class='provenance provenance--missing']") is not None
    assert "MISSING ar→en" in _report(built)
    assert any("no OpenAI-compatible server answers" in w for w in built.warnings)
    assert final_rows(site.root / "alone.sqlite") == 0


def test_llm_refusing_model_publishes_no_refusal(site):
    write_site(site)
    refusing = WireServer("refusal")
    try:
        built = site.build(MIRSAD_MT=mt(site, "refused", [{"url": refusing.url, "api": "openai",
                                                           "model": llama_server.ALIAS}]))
    finally:
        refusing.stop()
    assert "I cannot translate" not in published(built)
    assert built.page("en/briefings/one.html").find(".//div[@class='provenance provenance--missing']") is not None
    assert any("a refusal or a comment" in w for w in built.warnings)
