"""The LibreTranslate engine against real LibreTranslate 1.9.6 servers on
127.0.0.1 (tests/libretranslate_server.py): same output as the local engine
for the same package, provenance from what the server reports, offline, and
its faults: a dead server, one that hangs past the timeout, one answering
500, and answers that cannot be right (through a tampering proxy, or a
server of our own speaking LibreTranslate's wire format): each a failure of
that server, its work done by another, or none left (ServersUnavailable)."""

from __future__ import annotations

import http.server
import json
import logging
import subprocess
import threading
import urllib.request
from pathlib import Path

import time

import libretranslate_server as lt
import pytest
from conftest import missing_tool
from libretranslate_wire import WireServer, always, translated
from test_parity import OFF_CORPUS, corpus_pairs

from mirsad.mt.engines.engine import EngineOptions
from mirsad.mt.engines.engine_process import EngineProcess
from mirsad.mt.engines.libretranslate import (
    LibreTranslateEngine,
    ServerPool,
    ServerSettings,
    ServersUnavailable,
)
from mirsad.mt.models.packages import install_archive

AR = list(corpus_pairs("ar", "en")) + OFF_CORPUS["ar"]
EN = list(corpus_pairs("en", "fr")) + OFF_CORPUS["en"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not lt.available():
        missing_tool(f"LibreTranslate's venv {lt.VENV} is missing: run `make setup`")
    yield from lt.guarded_servers(lambda name: lt.Server(tmp_path_factory.mktemp(f"lt-{name}")))


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The local engine on the same packages, in its own process."""
    models = tmp_path_factory.mktemp("models")
    engines = {}
    for pair in ("ar_en", "en_fr"):
        package = install_archive(lt.PACKAGES[pair], models)
        engines[pair] = EngineProcess(package, EngineOptions(intra_threads=1))
    yield engines
    for engine in engines.values():
        engine.close()


def pool(*urls, **options) -> ServerPool:
    return ServerPool(ServerSettings(tuple(urls), **{"timeout": 20.0, "retries": 1, "batch_size": 8, **options}))


def texts(translations) -> list[str]:
    return [t.text for t in translations]


def dead_url() -> str:
    return f"http://127.0.0.1:{lt.free_port()}"  # nothing listens there


def test_libretranslate_output_equals_the_local_engine(servers, local):
    shared = pool(*(s.url for s in servers))
    ar_en, en_fr = LibreTranslateEngine(shared, "ar", "en"), LibreTranslateEngine(shared, "en", "fr")
    assert texts(ar_en.translate(AR)) == texts(local["ar_en"].translate(AR))
    assert texts(en_fr.translate(EN)) == texts(local["en_fr"].translate(EN))
    # The corpus itself comes back, through the server as locally.
    assert texts(ar_en.translate(list(corpus_pairs("ar", "en")))) == list(corpus_pairs("ar", "en").values())


def test_libretranslate_format_text_would_rewrite_the_models_output(servers, local):
    """Why the engine sends format "html": LibreTranslate's text path
    (language.py, improve_translation_formatting) changes the model's output."""
    body = json.dumps({"q": AR, "source": "ar", "target": "en", "format": "text"}).encode()
    request = urllib.request.Request(f"{servers[0].url}/translate", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        rewritten = json.load(answer)["translatedText"]
    assert rewritten != texts(local["ar_en"].translate(AR))


def test_libretranslate_provenance_is_what_the_server_reports(servers):
    shared = pool(servers[0].url, model_version="ar_en test 1.0")
    engine = LibreTranslateEngine(shared, "ar", "en")
    assert shared.version == "1.9.6"  # /spec; no route reports the packages' versions
    assert engine.label == "LibreTranslate 1.9.6 ar→en (ar_en test 1.0)"
    assert engine.identity != LibreTranslateEngine(pool(servers[0].url), "ar", "en").identity
    assert {("ar", "en"), ("en", "fr"), ("ar", "fr")} <= shared.pairs()  # ar→fr: its own pivot
    assert all(t.confidence is None for t in engine.translate(AR[:2]))


def test_libretranslate_two_servers_one_dead(servers, local, caplog):
    dead = dead_url()
    with caplog.at_level(logging.WARNING):
        shared = pool(dead, servers[0].url)
        outputs = LibreTranslateEngine(shared, "ar", "en").translate(AR)
    assert texts(outputs) == texts(local["ar_en"].translate(AR))
    assert any(dead in m and "does not answer" in m for m in caplog.messages)


def test_libretranslate_no_server_answering(servers):
    shared = pool(dead_url(), dead_url())
    assert shared.pairs() == set()
    with pytest.raises(ServersUnavailable, match="no LibreTranslate server answers for ar→en"):
        LibreTranslateEngine(shared, "ar", "en").translate(AR[:3])


def test_libretranslate_server_hanging_past_the_timeout(tmp_path, servers, local, caplog):
    hung = lt.Server(tmp_path / "hung")
    try:
        shared = pool(hung.url, servers[0].url, timeout=1.0, retries=0, batch_size=4)
        hung.pause()  # described, then never answers again
        with caplog.at_level(logging.WARNING):
            outputs = LibreTranslateEngine(shared, "ar", "en").translate(AR)
        assert texts(outputs) == texts(local["ar_en"].translate(AR))
        assert any(hung.url in m and "set aside" in m and "timed out" in m for m in caplog.messages)
        assert threading.active_count() == 1  # every request thread joined
    finally:
        hung.stop()


def test_libretranslate_server_answering_500(tmp_path, servers, local):
    """A real 500: the package's model damaged after the server started
    (CTranslate2 loads it at the first translation and fails)."""
    broken = lt.Server(tmp_path / "broken", pairs=("ar_en", "en_fr"))
    try:
        for model in (tmp_path / "broken" / "packages").glob("*/model/model.bin"):
            model.write_bytes(b"damaged")
        alone = pool(broken.url, retries=1)
        with pytest.raises(ServersUnavailable, match=broken.url.replace(".", r"\.")):
            LibreTranslateEngine(alone, "ar", "en").translate(AR[:3])
        shared = pool(broken.url, servers[0].url, retries=1)
        assert texts(LibreTranslateEngine(shared, "ar", "en").translate(AR)) == texts(local["ar_en"].translate(AR))
    finally:
        broken.stop()


class Tampering(http.server.ThreadingHTTPServer):
    """A broken proxy in front of a real server: it passes requests on and
    spoils the answers of /translate as told."""

    def __init__(self, upstream: str, spoil):
        self.upstream, self.spoil = upstream, spoil
        super().__init__(("127.0.0.1", 0), _Forward)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Forward(http.server.BaseHTTPRequestHandler):
    def _pass(self, body=None):
        request = urllib.request.Request(self.server.upstream + self.path, body,
                                         {"Content-Type": "application/json"} if body else {})
        with urllib.request.urlopen(request, timeout=30) as answer:
            payload = json.load(answer)
        if self.path == "/translate":
            payload = self.server.spoil(payload, json.loads(body))
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._pass()

    def do_POST(self):
        self._pass(self.rfile.read(int(self.headers["Content-Length"])))

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("spoil, message", [
    (lambda answer, asked: {"translatedText": answer["translatedText"][:-1]}, "answered 7"),
    (lambda answer, asked: {"translatedText": asked["q"]}, "mostly not in Latin script"),
], ids=["one-sentence-short", "wrong-language"])
def test_libretranslate_wrong_answer_is_a_failed_server_named_in_the_error(servers, spoil, message):
    proxy = Tampering(servers[0].url, spoil)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        engine = LibreTranslateEngine(pool(proxy.url, retries=0), "ar", "en")
        with pytest.raises(ServersUnavailable, match=proxy.url.replace(".", r"\.") + ".*" + message):
            engine.translate(AR[:8])
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join()


def _slow(request):
    time.sleep(8)
    return translated(request["q"])


# What a broken or hostile server answers to /translate, and what the error says.
FAULTS = {
    "a megabyte for one sentence": (
        lambda request: translated(["x" * 1_000_000] + request["q"][1:]), "answered with 1000000 characters"),
    "an answer past server_answer_bytes": (
        lambda request: (200, json.dumps({"translatedText": request["q"], "padding": "x" * 9_000_000}).encode()),
        "larger than 8000000 bytes"),
    "not JSON": (lambda request: (200, b"<html>Bad gateway</html>"), "the answer is not JSON"),
    "a JSON list": (lambda request: (200, b'["a", "b"]'), "answered no list of texts"),
    "one sentence short": (lambda request: translated(["Libya."] * (len(request["q"]) - 1)), "answered 7"),
    "HTTP 500": (lambda request: (500, b'{"error": "Cannot translate text"}'), "HTTP 500: Cannot translate"),
    "a timeout": (_slow, "timed out"),
}


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_libretranslate_every_bad_answer_is_a_failed_server(fault):
    """Alone, the server is set aside and the pair has no server
    (ServersUnavailable, the reason named); beside a server that answers
    well, that one does all the work and nothing of the bad answers is kept."""
    answer, reason = FAULTS[fault]
    bad, good = WireServer(answer), WireServer(always("Libya remains calm."))
    try:
        with pytest.raises(ServersUnavailable, match=bad.url.replace(".", r"\.") + ".*" + reason):
            LibreTranslateEngine(pool(bad.url, timeout=3.0), "ar", "en").translate(AR[:8])
        assert bad.requests == 2  # tried again once (retries=1), then set aside
        shared = pool(bad.url, good.url, timeout=3.0, batch_size=4)
        assert texts(LibreTranslateEngine(shared, "ar", "en").translate(AR[:16])) == ["Libya remains calm."] * 16
    finally:
        bad.stop()
        good.stop()


def test_libretranslate_guard_refuses_the_network(servers):
    """The guard the servers run with records and refuses a lookup (before
    any packet leaves): so an empty attempts.log means none was tried."""
    home = servers[0].home
    code = "import socket\ntry:\n    socket.getaddrinfo('example.invalid', 80)\nexcept RuntimeError as e:\n    print(e)\n"
    done = subprocess.run([lt.VENV / "bin" / "python", "-c", code], check=False, env={**servers[0].env, "HOME": str(home)},
                          capture_output=True, text=True, timeout=60)
    assert "network access attempted" in done.stdout
    attempts = Path(home / "attempts.log")
    assert "example.invalid" in attempts.read_text()
    attempts.unlink()  # the fixture's final check is for the servers themselves
