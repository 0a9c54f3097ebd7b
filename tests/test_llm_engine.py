"""The OpenAI-compatible engine against real llama.cpp servers on 127.0.0.1
(llama-cpp-python's server with the tiny test model, tests/llama_server.py):
it reproduces the test corpus under the engine's own prompt, its identity
and label come from what the server reports, the prompt carries the
glossary and the newsroom's reviewed examples, and its faults: a dead
server, a hung one, HTTP 500, malformed, oversized and cut answers,
refusals and the source copied back (tests/openai_wire_server.py)."""

from __future__ import annotations

import hashlib
import logging
import threading

import llama_server
import pytest
from llama_server import servers  # noqa: F401 (a fixture)
from openai_wire_server import WireServer
from test_parity import CORPUS, corpus_pairs

from mirsad.common.settings import SettingsError
from mirsad.mt.config import DEFAULTS, _server_kinds
from mirsad.mt.engines.libretranslate import ServerError, ServersUnavailable
from mirsad.mt.engines.llm_prompt import ExampleIndex, PromptContext, messages
from mirsad.mt.engines.openai import LLMSettings, OpenAIEngine, OpenAIPool, RefusedOutput, llm_settings, refusal

AR_EN = corpus_pairs("ar", "en")
EN_FR = corpus_pairs("en", "fr")
SOME = list(AR_EN)[:6]


def pool(*urls, **options) -> OpenAIPool:
    return OpenAIPool(LLMSettings(tuple(urls), llama_server.ALIAS, **{"timeout": 30.0, "retries": 1, **options}))


def engine(shared, source="ar", target="en", context=lambda text: PromptContext()) -> OpenAIEngine:
    return OpenAIEngine(shared, source, target, context)


def texts(translations) -> list[str]:
    return [t.text for t in translations]


def dead_url() -> str:
    return f"http://127.0.0.1:{llama_server.free_port()}/v1"


def test_llm_reproduces_the_corpus_on_llama_cpp(servers):
    shared = pool(*(s.url for s in servers), concurrency=2)
    assert texts(engine(shared).translate(list(AR_EN))) == list(AR_EN.values())
    assert texts(engine(shared, "en", "fr").translate(list(EN_FR))) == list(EN_FR.values())
    assert threading.active_count() == 1  # every request thread joined


def test_llm_fixture_is_built_from_the_current_corpus():
    digest = hashlib.sha256(CORPUS.read_bytes()).hexdigest()
    assert f"corpus sha256 {digest}" in (llama_server.MODEL.parent / "README.md").read_text(encoding="utf-8"), \
        "rebuild with tools/build_test_llm.py (its docstring says how)"


def test_llm_provenance_is_what_the_server_reports(servers):
    shared = pool(servers[0].url)
    ar_en = engine(shared)
    assert ar_en.label == f"{llama_server.ALIAS} via llama-cpp-python"  # /v1/models: owned_by "me"
    assert shared.version.startswith(f"llama-cpp-python:{llama_server.ALIAS}:")
    assert "prompt1" in ar_en.identity and "seed0" in ar_en.identity
    assert ar_en.identity != engine(pool(servers[0].url, seed=7)).identity
    # Confidence from the tokens' log-probabilities: the test model is sure of its corpus.
    assert all(0.9 < t.confidence <= 1 for t in ar_en.translate(SOME[:2]))


def test_llm_prompt_carries_glossary_and_examples(servers):
    """The glossary's renderings and reviewed examples go into the request
    (and the memory key); the test model still gives its corpus line."""
    text = next(t for t in AR_EN if "داعش" in t)
    context = PromptContext(terms=(("داعش", "ISIS"),), examples=((SOME[0], AR_EN[SOME[0]]),))
    sent = messages("ar", "en", text, context)
    assert "داعش = ISIS" in sent[0]["content"]
    assert sent[1:] == [{"role": "user", "content": SOME[0]}, {"role": "assistant", "content": AR_EN[SOME[0]]},
                        {"role": "user", "content": text}]
    assert context.key() and context.key() != PromptContext(terms=context.terms).key() and PromptContext().key() == ""
    shared = pool(servers[0].url)
    assert texts(engine(shared, context=lambda t: context).translate([text])) == [AR_EN[text]]


def test_llm_examples_are_the_most_similar_reviewed_segments():
    index = ExampleIndex([("مصادر ليبية في سرت", "Libyan sources in Sirte"), ("الخلاصة", "Conclusion"),
                          ("مصادر ليبية", "Libyan sources")])
    assert index.most_similar("مصادر ليبية: داعش", 1) == (("مصادر ليبية", "Libyan sources"),)
    assert index.most_similar("مصادر ليبية في سرت", 2) == (("مصادر ليبية في سرت", "Libyan sources in Sirte"),
                                                           ("مصادر ليبية", "Libyan sources"))
    assert index.most_similar("كلمات أخرى") == ()


def test_llm_two_servers_one_dead(servers, caplog):
    dead = dead_url()
    with caplog.at_level(logging.WARNING):
        outputs = engine(pool(dead, servers[0].url)).translate(SOME)
    assert texts(outputs) == [AR_EN[t] for t in SOME]
    assert any(dead in m and "does not answer" in m for m in caplog.messages)


def test_llm_no_server_answering():
    with pytest.raises(ServersUnavailable, match="no OpenAI-compatible server answers for ar→en"):
        engine(pool(dead_url())).translate(SOME[:1])


def test_llm_server_killed_while_translating(tmp_path, servers, caplog):
    doomed = llama_server.LlamaServer(tmp_path / "doomed")
    shared = pool(doomed.url, servers[0].url, retries=0)
    doomed.pause()  # its requests wait (the tiny model would answer them all in under a second) ...
    killer = threading.Timer(1.0, doomed.kill)  # ... until it is killed with them in flight
    killer.start()
    try:
        with caplog.at_level(logging.WARNING):
            outputs = engine(shared).translate(list(AR_EN))
    finally:
        killer.join()
        doomed.stop()
    assert texts(outputs) == list(AR_EN.values())
    assert any(doomed.url in m and "set aside" in m for m in caplog.messages)


def test_llm_server_hanging_past_the_timeout(tmp_path, servers, caplog):
    hung = llama_server.LlamaServer(tmp_path / "hung")
    try:
        shared = pool(hung.url, servers[0].url, timeout=1.0, retries=0)
        hung.pause()  # described, then never answers again
        with caplog.at_level(logging.WARNING):
            outputs = engine(shared).translate(SOME)
        assert texts(outputs) == [AR_EN[t] for t in SOME]
        assert any(hung.url in m and "set aside" in m and "timed out" in m for m in caplog.messages)
    finally:
        hung.stop()


@pytest.mark.parametrize("fault, reason", [("500", "HTTP 500"), ("malformed", "not JSON"),
                                           ("oversized", "over 1000000 bytes")])
def test_llm_failing_answers_set_the_server_aside(servers, caplog, fault, reason):
    broken = WireServer(fault)
    try:
        with caplog.at_level(logging.WARNING):
            outputs = engine(pool(broken.url, servers[0].url, retries=0)).translate(SOME)
    finally:
        broken.stop()
    assert texts(outputs) == [AR_EN[t] for t in SOME]  # the working server did it all
    assert broken.requests and broken.requests[0]["temperature"] == 0 and broken.requests[0]["seed"] == 0
    assert any(broken.url in m and "set aside" in m and reason in m for m in caplog.messages)


def test_llm_answer_cut_at_max_tokens_is_kept_and_counted(caplog):
    """As the local engine keeps a sentence that never ends: reported, not a server fault."""
    looping = WireServer("cut")
    try:
        ar_en = engine(pool(looping.url))
        with caplog.at_level(logging.WARNING):
            outputs = ar_en.translate(SOME[:2])
    finally:
        looping.stop()
    assert texts(outputs) == ["Libyan Libyan Libyan"] * 2 and ar_en.unfinished == 2
    assert all(t.confidence is None for t in outputs)  # no logprobs in that answer
    assert sum("reached max_tokens (512)" in m for m in caplog.messages) == 2
    assert not any("set aside" in m for m in caplog.messages)


def test_llm_answer_without_a_required_rendering_is_reported(caplog):
    """The glossary's renderings are checked in every answer; the pipeline
    then translates around a term the model left out (translate.py)."""
    looping = WireServer("cut")
    try:
        shared = pool(looping.url)
        with caplog.at_level(logging.WARNING):
            engine(shared, context=lambda text: PromptContext(terms=(("داعش", "ISIS"),))).translate(SOME[:1])
    finally:
        looping.stop()
    assert shared.glossary_misses == [("ar", "en")]
    assert any("left out the required rendering(s) ['ISIS']" in m for m in caplog.messages)


@pytest.mark.parametrize("fault, reason", [("refusal", "a refusal or a comment"), ("copy", "the source copied back")])
def test_llm_refusals_publish_nothing(fault, reason):
    refusing = WireServer(fault)
    try:
        with pytest.raises(RefusedOutput, match=reason) as error:
            engine(pool(refusing.url)).translate([SOME[2]])
    finally:
        refusing.stop()
    assert isinstance(error.value, ServersUnavailable) and SOME[2][:30] in str(error.value)


def test_llm_refusal_check():
    assert refusal("مصادر ليبية", "I cannot translate this.") == "a refusal or a comment instead of a translation"
    assert refusal("مصادر ليبية", "Here is the translation: Libyan sources")
    assert refusal("The sources said nothing at all.", "The sources said nothing at all.") == "the source copied back"
    assert refusal("AFRICOM", "AFRICOM") == ""  # a name comes back as written
    assert refusal("I cannot go, he said.", "Je ne peux pas y aller, dit-il.") == ""  # as the source says it
    assert refusal("مصادر ليبية", "Libyan sources") == ""


def test_llm_settings_are_checked(monkeypatch):
    options = dict(DEFAULTS)
    entry = {"url": "http://127.0.0.1:8080/v1", "api": "openai", "model": "m"}
    assert _server_kinds([entry]) == ([], [entry])
    assert _server_kinds(["http://10.0.0.5:5000", {"url": "http://10.0.0.6:5000"}]) == (
        ["http://10.0.0.5:5000", "http://10.0.0.6:5000"], [])
    with pytest.raises(SettingsError, match="mixes LibreTranslate and OpenAI-compatible"):
        _server_kinds(["http://10.0.0.5:5000", entry])
    with pytest.raises(SettingsError, match="same \"model\""):
        llm_settings([entry, {**entry, "model": "other"}], options)
    with pytest.raises(SettingsError, match="MIRSAD_TEST_KEY"):
        llm_settings([{**entry, "api_key_env": "MIRSAD_TEST_KEY"}], options)
    monkeypatch.setenv("MIRSAD_TEST_KEY", "sekrit")
    assert llm_settings([{**entry, "api_key_env": "MIRSAD_TEST_KEY"}], options).api_key == "sekrit"
    with pytest.raises(SettingsError, match="llm_max_tokens"):
        llm_settings([entry], {**options, "llm_max_tokens": 0})


def test_llm_key_from_the_environment(tmp_path, servers, monkeypatch, caplog):
    """A server started with a key (llama-cpp-python's --api_key) answers
    the key named by "api_key_env", sent as a Bearer token; without it, 401."""
    locked = llama_server.LlamaServer(tmp_path / "locked", api_key="test-key-7f3a")
    try:
        monkeypatch.setenv("MIRSAD_TEST_LLM_KEY", "test-key-7f3a")
        settings = llm_settings([locked.entry(api_key_env="MIRSAD_TEST_LLM_KEY")], dict(DEFAULTS))
        outputs = OpenAIEngine(OpenAIPool(settings), "ar", "en", lambda text: PromptContext()).translate(SOME[:2])
        assert texts(outputs) == [AR_EN[t] for t in SOME[:2]]
        with caplog.at_level(logging.WARNING):
            keyless = pool(locked.url)
        assert all(server.set_aside for server in keyless.servers)
        assert any(locked.url in m and "HTTP 401" in m for m in caplog.messages)
    finally:
        locked.stop()


def test_llm_server_refusing_the_model_name(servers):
    shared = OpenAIPool(LLMSettings((servers[0].url,), "no-such-model", timeout=10.0))
    assert all(server.set_aside for server in shared.servers)
    with pytest.raises(ServersUnavailable):
        engine(shared).translate(SOME[:1])
    assert not isinstance(ServerError("x"), ServersUnavailable)
