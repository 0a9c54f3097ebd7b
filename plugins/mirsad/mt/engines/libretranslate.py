"""Translation on LibreTranslate servers (MIRSAD_MT["servers"]).

The build keeps its own segmentation, markup handling, glossary and
translation memory; the servers only translate plain sentences, sent in
batches (`q` as a JSON array) shared across every server.

What a server reports (libretranslate 1.9.6, app.py): `/languages` lists
each language with the targets it can reach, its own pivots through
English included, and `/spec` gives LibreTranslate's version. No route
gives the version of the model packages it runs: `server_model_version`
is where the site says it, and it goes into the engine's identity (so the
memory notices an upgrade) and its label.

Sentences are sent as `format: "html"`, escaped: with `format: "text"`
LibreTranslate rewrites each output (language.py,
improve_translation_formatting: end punctuation made the source's, case
made the source's, repeated words cut), so one package would give two
texts; its HTML path (argostranslatefiles/translatehtml.py) returns the
model's own output, the text the local engine gives.

Every answer is bounded and checked before anything of it is kept: its
size (`server_answer_bytes`), each sentence's length against its source's
(`server_output_ratio`), its JSON, its count, its script. Whatever is wrong
with it (HTTP 429/5xx, a timeout, a cut connection included) is a failure
of that server: the batch goes to whichever server is free, and a server
failing `server_retries` + 1 times in a row is set aside; with none left,
ServersUnavailable (the build treats the pair as a missing model).

Requests go out on threads, all joined before `translate` returns: the
build forks its worker processes afterwards (mirsad.common.workers).
"""

from __future__ import annotations

import html
import http.client
import json
import logging
import queue
import socket
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mirsad.common.settings import SettingsError

from .engine import Translation

logger = logging.getLogger(__name__)

# Statuses worth another try (on another server): overloaded or failing.
RETRY_STATUSES = {429, 500, 502, 503, 504}
# Letters of the output in the target's script below this share: the server
# answered in another language (checked only when source and target scripts differ).
LEAST_TARGET_SCRIPT = 0.5
LEAST_CHECKED_LETTERS = 20
# A sentence's answer may be `output_ratio` times its source's length plus
# this many characters (a short title may well come back longer).
OUTPUT_SLACK = 200
SCRIPTS = {"ar": "ARABIC", "fa": "ARABIC", "ur": "ARABIC", "he": "HEBREW", "el": "GREEK", "ru": "CYRILLIC",
           "uk": "CYRILLIC", "bg": "CYRILLIC", "hi": "DEVANAGARI", "en": "LATIN", "fr": "LATIN", "de": "LATIN",
           "es": "LATIN", "it": "LATIN", "pt": "LATIN", "nl": "LATIN", "tr": "LATIN", "pl": "LATIN"}


class ServerError(RuntimeError):
    """A server answered something that cannot be right (too large, not
    JSON, wrong count, wrong language, refused request): nothing of that
    answer is kept, and it counts as a failure of that server."""


class ServersUnavailable(RuntimeError):
    """No server answered: the build treats the pair like a missing model."""


@dataclass(frozen=True)
class ServerSettings:
    servers: tuple[str, ...]
    api_key: str = ""
    concurrency: int = 1  # requests in flight per server
    timeout: float = 60.0  # seconds a request may wait for an answer
    retries: int = 2  # failures in a row before a server is set aside
    batch_size: int = 32  # sentences per request
    model_version: str = ""  # what the servers run, e.g. "ar_en 1.0, en_fr 1.9"
    answer_bytes: int = 8_000_000  # the most one answer may hold
    output_ratio: float = 4.0  # a sentence's answer: at most this times its source's length (+ OUTPUT_SLACK)


def server_settings(options: dict[str, Any]) -> ServerSettings:
    """MIRSAD_MT's server keys, checked (pelicanconf.py is named in each error)."""
    servers = options["servers"] or []
    if isinstance(servers, str) or not all(isinstance(s, str) and urlsplit(s).scheme in ("http", "https")
                                           and urlsplit(s).hostname for s in servers):
        raise SettingsError(f"MIRSAD_MT['servers'] = {servers!r}: write a list of http(s):// URLs of "
                            "LibreTranslate servers, e.g. ['http://10.0.0.5:5000'] (pelicanconf.py)")
    for key in ("server_concurrency", "server_retries", "server_batch_size", "server_answer_bytes"):
        value, least = options[key], 0 if key == "server_retries" else 1
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise SettingsError(f"MIRSAD_MT[{key!r}] = {value!r}: write a whole number, {least} or more")
    for key, what in (("server_timeout", "a number of seconds"), ("server_output_ratio", "a number")):
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise SettingsError(f"MIRSAD_MT[{key!r}] = {value!r}: write {what} above 0")
    return ServerSettings(tuple(s.rstrip("/") for s in servers), str(options["server_api_key"] or ""),
                          options["server_concurrency"], float(options["server_timeout"]),
                          options["server_retries"], options["server_batch_size"],
                          str(options["server_model_version"] or ""), options["server_answer_bytes"],
                          float(options["server_output_ratio"]))


class Server:
    """One LibreTranslate server: what it reports, and one request at a time
    per connection (a worker thread keeps its own)."""

    def __init__(self, url: str, settings: ServerSettings):
        self.url, self.settings = url, settings
        self.version = ""
        self.pairs: set[tuple[str, str]] = set()
        self.failures = 0  # in a row
        self.last_error = ""  # why it last failed
        self.set_aside = False

    def describe(self) -> None:
        """Ask for its languages and version (OSError, ServerError: it cannot be used)."""
        connection = self.connect()
        try:
            languages = self.request(connection, "GET", "/languages")
            spec = self.request(connection, "GET", "/spec")
        finally:
            connection.close()
        try:
            self.pairs = {(entry["code"], target) for entry in languages for target in entry["targets"]
                          if isinstance(entry["code"], str) and isinstance(target, str) and target != entry["code"]}
            self.version = str(spec["info"]["version"])[:40]
        except (TypeError, KeyError, IndexError):
            raise ServerError(f"{self.url}: /languages or /spec is not LibreTranslate's answer") from None

    def connect(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        return kind(parts.hostname, parts.port, timeout=self.settings.timeout)

    def request(self, connection: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
        """The JSON answer. OSError (http.client's errors included) when the
        server is down, slow or failing; ServerError when it refuses."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        limit = self.settings.answer_bytes
        status, payload = self.exchange(connection, method, path, data, limit=limit + 1)
        if len(payload) > limit:
            connection.close()  # the rest is never read
            raise ServerError(f"{self.url}{path}: the answer is larger than {limit} bytes "
                              "(MIRSAD_MT['server_answer_bytes']): nothing of it is kept")
        if status in RETRY_STATUSES:
            raise ConnectionError(f"HTTP {status}: {_error_text(payload)}")
        if status != 200:
            raise ServerError(f"{self.url}{path}: HTTP {status}: {_error_text(payload)}. Check "
                              "MIRSAD_MT['server_api_key'] and the server's languages")
        try:
            return json.loads(payload)
        except ValueError:
            raise ServerError(f"{self.url}{path}: the answer is not JSON ({payload[:80]!r})") from None

    def exchange(self, connection: http.client.HTTPConnection, method: str, path: str, data: bytes | None,
                 headers: dict[str, str] | None = None, limit: int | None = None) -> tuple[int, bytes]:
        """The status and (at most `limit` bytes of) the body of one request
        (OSError when the server is down or slow)."""
        headers = {**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
        try:
            connection.request(method, urlsplit(self.url).path + path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read(limit)
        except http.client.HTTPException as error:
            raise ConnectionError(f"{type(error).__name__}: {error}") from None

    def translate(self, connection: http.client.HTTPConnection, texts: list[str], source: str,
                  target: str) -> list[str]:
        body = {"q": [html.escape(text, quote=False) for text in texts], "source": source, "target": target,
                "format": "html"}
        if self.settings.api_key:
            body["api_key"] = self.settings.api_key
        answer = self.request(connection, "POST", "/translate", body)
        outputs = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise ServerError(f"{self.url}: /translate answered no list of texts ({str(answer)[:80]})")
        if len(outputs) != len(texts):
            raise ServerError(f"{self.url}: asked to translate {len(texts)} sentence(s) {source}→{target}, "
                              f"answered {len(outputs)}: nothing of it is kept. Check the server (or the "
                              "proxy in front of it)")
        _check_lengths(self.url, texts, outputs, self.settings.output_ratio)
        _check_language(self.url, texts, outputs, source, target)
        return outputs


class ServerPool:
    """Every configured server that answers, sharing the work of each call
    (openai.py's pool is this one with servers of another API)."""

    kind = "LibreTranslate"  # the servers' software, in messages

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self.servers = [self._server(url) for url in settings.servers]
        for server in self.servers:
            try:
                server.describe()
            except (OSError, ServerError) as error:
                server.set_aside, server.last_error = True, str(error)[:300]
                logger.warning("mirsad_mt: %s server %s does not answer (%s): not used",
                               self.kind, server.url, error)
        live = [s for s in self.servers if not s.set_aside]
        self.version = live[0].version if live else ""
        for server in live[1:]:
            if server.version != self.version:
                # One build's pages come from one engine: the memory's identity says which.
                server.set_aside = True
                logger.warning("mirsad_mt: %s server %s runs %s, %s runs %s: not used",
                               self.kind, server.url, server.version, live[0].url, self.version)

    def _server(self, url: str) -> Server:
        return Server(url, self.settings)

    def pairs(self) -> set[tuple[str, str]]:
        """Pairs every usable server can translate."""
        live = [s.pairs for s in self.servers if not s.set_aside]
        return set.intersection(*live) if live else set()

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """`texts` translated, in batches shared by the servers; a batch a server
        fails goes back to whichever server is free (the same one after a pause)."""
        call = _Call(texts, source, target, self.settings.batch_size)
        while not call.done() and not call.failed:
            live = [s for s in self.servers if not s.set_aside]
            if not live:
                reasons = "; ".join(f"{s.url}: {s.last_error}" if s.last_error else s.url for s in self.servers)
                raise ServersUnavailable(f"no {self.kind} server answers for {source}→{target} "
                                         f"({reasons}); start one, or empty "
                                         "MIRSAD_MT['servers'] to translate on this machine")
            workers = [threading.Thread(target=self._work, args=(server, call), daemon=True,
                                        name=f"mirsad-lt {server.url}")
                       for server in live for _ in range(self.settings.concurrency)]
            for worker in workers:
                worker.start()
            while alive := [worker for worker in workers if worker.is_alive()]:
                alive[0].join(0.05)
                if call.done() or call.failed:
                    call.hang_up()  # a server still sitting on a batch another one did
            for worker in workers:
                worker.join()
        if call.failed:
            raise call.failed[0]
        return [text for start in sorted(call.outputs) for text in call.outputs[start]]

    def _work(self, server: Server, call: _Call) -> None:
        connection = call.connection(server)
        try:
            while not call.failed and not server.set_aside and not call.done():
                try:
                    start = call.batches.get(timeout=0.05)
                except queue.Empty:
                    continue  # batches in flight elsewhere may come back
                try:
                    call.outputs[start] = server.translate(connection, call.batch(start), call.source, call.target)
                    server.failures = 0
                except ServersUnavailable as error:
                    # The model itself refused (openai.RefusedOutput): every server runs it.
                    call.failed.append(error)
                except (OSError, ServerError) as error:
                    # Whatever the fault, the batch goes back for another server (or this one, later).
                    call.batches.put(start)
                    connection.close()
                    if not call.done() and not call.failed:
                        self._failed(server, error)
                except Exception as error:  # a thread's error must reach the build
                    call.failed.append(ServerError(f"{server.url}: {type(error).__name__}: {error}"))
        finally:
            connection.close()

    def _failed(self, server: Server, error: OSError | ServerError) -> None:
        server.failures += 1
        server.last_error = str(error)[:300]
        if server.failures > self.settings.retries:
            server.set_aside = True
            logger.warning("mirsad_mt: %s server %s failed %d time(s) in a row (%s): set aside "
                           "for this build", self.kind, server.url, server.failures, error)
            return
        pause = 0.5 * 2 ** (server.failures - 1)
        logger.info("mirsad_mt: %s server %s: %s; trying again in %.1f s", self.kind, server.url, error, pause)
        time.sleep(pause)


class _Call:
    """The state one `ServerPool.translate` shares with its worker threads."""

    def __init__(self, texts: list[str], source: str, target: str, size: int):
        self.texts, self.source, self.target, self.size = texts, source, target, size
        self.batches: queue.Queue[int] = queue.Queue()
        self.total = 0
        for start in range(0, len(texts), size):
            self.batches.put(start)
            self.total += 1
        self.outputs: dict[int, list[str]] = {}
        self.failed: list[BaseException] = []
        self._connections: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def done(self) -> bool:
        return len(self.outputs) == self.total

    def batch(self, start: int) -> list[str]:
        return self.texts[start:start + self.size]

    def connection(self, server: Server) -> http.client.HTTPConnection:
        connection = server.connect()
        with self._lock:
            self._connections.append(connection)
        return connection

    def hang_up(self) -> None:
        """Wake the threads still waiting for an answer no longer needed."""
        with self._lock:
            for connection in self._connections:
                if connection.sock is not None:
                    try:
                        connection.sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


class LibreTranslateEngine:
    """One pair on the pool (the Engine protocol of engine.py)."""

    retries = unfinished = 0  # no output cap of ours to report

    def __init__(self, pool: ServerPool, source: str, target: str):
        self.pool, self.source, self.target = pool, source, target
        model = pool.settings.model_version
        self.identity = f"libretranslate:{pool.version}:{source}-{target}:{model}"
        self.label = f"LibreTranslate {pool.version} {source}→{target}" + (f" ({model})" if model else "")

    def translate(self, texts: list[str]) -> list[Translation]:
        """LibreTranslate's answer carries no score: no confidence."""
        outputs = self.pool.translate(texts, self.source, self.target) if texts else []
        return [Translation(text, None) for text in outputs]

    def close(self) -> None:
        """Nothing held between calls (each call's connections are closed)."""


def _error_text(payload: bytes) -> str:
    try:
        return str(json.loads(payload).get("error"))[:200]
    except (ValueError, AttributeError):
        return payload[:200].decode("utf-8", "replace")


def _check_lengths(url: str, texts: list[str], outputs: list[str], ratio: float) -> None:
    """No sentence's answer past `ratio` times its source (plus OUTPUT_SLACK):
    a server looping on its output, or sending pages for a sentence."""
    for number, (text, output) in enumerate(zip(texts, outputs), 1):
        most = int(ratio * len(text)) + OUTPUT_SLACK
        if len(output) > most:
            raise ServerError(f"{url}: sentence {number} of the batch ({len(text)} characters) was answered "
                              f"with {len(output)} characters, more than {most} "
                              "(MIRSAD_MT['server_output_ratio']): nothing of it is kept")


def _check_language(url: str, texts: list[str], outputs: list[str], source: str, target: str) -> None:
    expected, source_script = SCRIPTS.get(target), SCRIPTS.get(source)
    if expected is None or expected == source_script:
        return  # the script cannot tell the languages apart
    letters = [_script(ch) for ch in _letters(outputs)]
    if len(letters) >= LEAST_CHECKED_LETTERS and letters.count(expected) / len(letters) < LEAST_TARGET_SCRIPT:
        raise ServerError(f"{url}: asked for {target}, answered text mostly not in {expected.title()} script "
                          f"({outputs[0][:60]!r}): nothing of it is kept. Check the server's {source}→{target} "
                          "model")


def _letters(texts: Iterable[str]) -> Iterable[str]:
    return (ch for text in texts for ch in text if ch.isalpha())


def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]
