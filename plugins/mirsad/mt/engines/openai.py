"""Translation by LLMs behind OpenAI-compatible servers: llama.cpp's
server, llama-cpp-python's, vLLM, Ollama (MIRSAD_MT["servers"] entries
with "api": "openai").

The wire format followed is the OpenAI chat completions API as
llama-cpp-python 0.3.36 serves it (llama_cpp/server/app.py: POST
/v1/chat/completions, GET /v1/models; llama_cpp/llama_types.py:
CreateChatCompletionResponse → choices[0].message.content and
finish_reason), which llama.cpp's tools/server/server.cpp, vLLM and
Ollama serve too. A request is one segment: the prompt (llm_prompt.py)
carries that segment's glossary renderings and reviewed examples.
Decoding is greedy (temperature 0) with a fixed seed, so one model on one
server build gives one text, and the memory may keep it.

What a server reports of its model (the /v1/models entry of the model
asked for: its id, owner and llama.cpp's `meta`, less `created`, which
llama.cpp and vLLM set to the time of the answer: tools/server/server-context.cpp,
get_res_model_info, in llama-cpp-python 0.3.36's vendor/llama.cpp) goes
into the engine's identity with the prompt's revision, so a new model
file, a new prompt or a new seed is translated again.

The servers share the work through libretranslate.ServerPool: several
requests in flight per server, a failing server retried after a pause and
then set aside. A failed request is one whose answer is not an answer:
no connection, a timeout, HTTP 5xx, invalid JSON, an answer over
MOST_ANSWER_BYTES, or no text. An answer cut at max_tokens is kept and
reported, as the local engine keeps a sentence that never ends. An answer that is a
refusal, a comment or the source copied back is not a server's fault:
no other try would differ (greedy decoding), so nothing of that language
is published this build (RefusedOutput, like a missing model) and the
message names the segment.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mirsad.common.settings import SettingsError

from .engine import Translation
from .libretranslate import RETRY_STATUSES, Server, ServerError, ServerPool, ServersUnavailable, ServerSettings, \
    _check_language
from .llm_prompt import PROMPT_REVISION, PromptContext, messages

logger = logging.getLogger(__name__)

MOST_ANSWER_BYTES = 1_000_000  # a longer answer is a failing server, not a translation
# What /v1/models' owned_by says of the server's software: llama.cpp
# tools/server/server-context.cpp "llamacpp"; llama-cpp-python
# llama_cpp/server/app.py "me"; vLLM vllm/entrypoints/openai/protocol.py
# (ModelCard) "vllm"; Ollama openai/openai.go the model name's namespace,
# "library" for its own models (another namespace: "an OpenAI-compatible server").
SOFTWARE = {"llamacpp": "llama.cpp", "vllm": "vLLM", "library": "Ollama", "ollama": "Ollama",
            "me": "llama-cpp-python"}
# Openings of an answer that is not a translation (checked only when the
# source does not open the same way).
REFUSAL = re.compile(
    r"^\W*(I('m| am)? (cannot|can't|can not|won't|will not|am unable|'m unable|am not able)|I'm sorry|Sorry|"
    r"As an AI|Here is|Here's|Sure|Certainly|Translation\s*:|Note\s*:|Je ne peux pas|Désolé|Voici|"
    r"لا أستطيع|عذرا|عذراً)", re.IGNORECASE)
LEAST_COPIED_WORDS = 4  # a shorter segment (a name, an acronym) may rightly come back as written


class RefusedOutput(ServerError, ServersUnavailable):
    """The model answered something other than a translation."""


@dataclass(frozen=True)
class LLMSettings:
    servers: tuple[str, ...]  # base URLs, e.g. http://127.0.0.1:8080/v1
    model: str  # the model the servers are asked for
    api_key: str = ""  # from the environment variable the entry names
    concurrency: int = 4
    timeout: float = 120.0
    retries: int = 2
    seed: int = 0
    max_tokens: int = 512  # per segment: an answer cut there is a failed one
    examples: int = 2  # reviewed segments shown per request

    def pool_settings(self) -> ServerSettings:
        """The shared pool's settings: one segment per request (each has its own prompt)."""
        return ServerSettings(self.servers, self.api_key, self.concurrency, self.timeout, self.retries, 1,
                              self.model)


def llm_settings(entries: list[dict[str, Any]], options: dict[str, Any]) -> LLMSettings | None:
    """MIRSAD_MT["servers"] entries with "api": "openai" (pelicanconf.py), checked."""
    if not entries:
        return None
    models = {entry.get("model") for entry in entries}
    for entry in entries:
        url = entry.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise SettingsError(f"MIRSAD_MT['servers'] entry {entry!r}: write its \"url\", the server's "
                                "OpenAI base URL, e.g. 'http://127.0.0.1:8080/v1' (pelicanconf.py)")
    if len(models) != 1 or not isinstance(next(iter(models)), str) or not next(iter(models)):
        raise SettingsError(f"MIRSAD_MT['servers']: the \"api\": \"openai\" entries name {sorted(map(str, models))}"
                            ": give each the same \"model\" (one build's pages come from one model)")
    keys = {entry.get("api_key_env") for entry in entries} - {None, ""}
    api_key = ""
    for name in keys:
        if not os.environ.get(name):
            raise SettingsError(f"MIRSAD_MT['servers']: \"api_key_env\": {name!r} names an environment variable "
                                "that is not set: export it before the build")
        api_key = os.environ[name]
    for key in ("llm_concurrency", "llm_max_tokens"):
        if isinstance(options[key], bool) or not isinstance(options[key], int) or options[key] < 1:
            raise SettingsError(f"MIRSAD_MT[{key!r}] = {options[key]!r}: write a whole number, 1 or more")
    for key in ("llm_seed", "llm_examples", "server_retries"):
        if isinstance(options[key], bool) or not isinstance(options[key], int) or options[key] < 0:
            raise SettingsError(f"MIRSAD_MT[{key!r}] = {options[key]!r}: write a whole number, 0 or more")
    timeout = options["llm_timeout"]
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise SettingsError(f"MIRSAD_MT['llm_timeout'] = {timeout!r}: write a number of seconds above 0")
    return LLMSettings(tuple(e["url"].rstrip("/") for e in entries), next(iter(models)), api_key,
                       options["llm_concurrency"], float(timeout), options["server_retries"], options["llm_seed"],
                       options["llm_max_tokens"], options["llm_examples"])


class OpenAIServer(Server):
    """One OpenAI-compatible server."""

    def __init__(self, url: str, pool: OpenAIPool):
        super().__init__(url, pool.settings)
        self.pool, self.software = pool, "an OpenAI-compatible server"

    def describe(self) -> None:
        """The model's entry in /v1/models (OSError, ServerError: the server cannot be used)."""
        connection = self.connect()
        try:
            listing = self.request(connection, "GET", "/models")
        finally:
            connection.close()
        entries = listing.get("data") if isinstance(listing, dict) else None
        if not isinstance(entries, list):
            raise ServerError(f"{self.url}/models: not an OpenAI model list ({str(listing)[:80]})")
        model = self.pool.llm.model
        entry = next((e for e in entries if isinstance(e, dict) and e.get("id") == model), None)
        if entry is None:
            ids = [e.get("id") for e in entries if isinstance(e, dict)]
            raise ServerError(f"{self.url} does not serve the model {model!r} (it serves {ids}): correct "
                              "\"model\" in MIRSAD_MT['servers'] or start the server with it")
        self.software = SOFTWARE.get(str(entry.get("owned_by")), self.software)
        reported = {key: value for key, value in entry.items() if key != "created"}
        digest = hashlib.sha256(json.dumps(reported, sort_keys=True).encode("utf-8")).hexdigest()[:12]
        self.version = f"{self.software}:{model}:{digest}"
        self.pairs = set()  # every pair: the pool's owner decides which it asks for

    def request(self, connection: http.client.HTTPConnection, method: str, path: str, body: Any = None) -> Any:
        """The JSON answer; OSError when the server is down, slow, failing or
        answering garbage; ServerError when it refuses the request (a key, a model)."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        key = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key else {}
        status, payload = self.exchange(connection, method, path, data, key, MOST_ANSWER_BYTES + 1)
        if len(payload) > MOST_ANSWER_BYTES:
            raise ConnectionError(f"an answer over {MOST_ANSWER_BYTES} bytes")
        if status in RETRY_STATUSES:
            raise ConnectionError(f"HTTP {status}: {payload[:200].decode('utf-8', 'replace')}")
        if status != 200:
            raise ServerError(f"{self.url}{path}: HTTP {status}: {payload[:200].decode('utf-8', 'replace')}"
                              ". Check the server's key (\"api_key_env\" in MIRSAD_MT['servers']) and model")
        try:
            return json.loads(payload)
        except ValueError:
            raise ConnectionError(f"the answer is not JSON ({payload[:80]!r})") from None

    def translate(self, connection: http.client.HTTPConnection, texts: list[str], source: str,
                  target: str) -> list[Translation]:
        contexts = self.pool.contexts[(source, target)]
        return [self._translate_one(connection, text, source, target, contexts(text)) for text in texts]

    def _translate_one(self, connection, text: str, source: str, target: str,
                       context: PromptContext) -> Translation:
        llm = self.pool.llm
        # logprobs: the chosen tokens' log-probabilities, for the confidence
        # (llama-cpp-python passes top_logprobs on as its completion's logprobs).
        body = {"model": llm.model, "messages": messages(source, target, text, context), "temperature": 0,
                "seed": llm.seed, "max_tokens": llm.max_tokens, "stream": False, "logprobs": True,
                "top_logprobs": 1}
        answer = self.request(connection, "POST", "/chat/completions", body)
        try:
            choice = answer["choices"][0]
            output, finish = choice["message"]["content"], choice.get("finish_reason")
        except (TypeError, KeyError, IndexError):
            raise ConnectionError(f"no choices[0].message.content in the answer ({str(answer)[:80]})") from None
        if not isinstance(output, str) or not output.strip():
            raise ConnectionError(f"an empty answer for {text[:60]!r}")
        if finish == "length":
            # As the local engine does with a sentence that never ends: kept, counted, reported.
            self.pool.unfinished.append((source, target))
            logger.warning("mirsad_mt: %s: the answer for %r reached max_tokens (%d): the model repeats "
                           "itself; kept as decoded", llm.model, text[:60], llm.max_tokens)
        output = output.strip()
        refused = refusal(text, output)
        if refused:
            raise RefusedOutput(f"{self.url}: the model {llm.model} answered {refused} for the {source}→{target} "
                                f"segment {text[:80]!r}: {output[:80]!r}. Nothing of {target} is published from "
                                "this model this build; review the segment, or add it to the glossary")
        _check_language(self.url, [text], [output], source, target)
        left_out = [rendering for _, rendering in context.terms if rendering.casefold() not in output.casefold()]
        if left_out:
            # The pipeline's glossary step finds no rendering and translates around the term instead.
            self.pool.glossary_misses.append((source, target))
            logger.warning("mirsad_mt: %s left out the required rendering(s) %s in %r: the segment is "
                           "translated around its glossary terms instead", llm.model, left_out, output[:80])
        return Translation(output, confidence(choice))


def confidence(choice: dict) -> float | None:
    """The geometric mean of the probabilities of the answer's tokens (as
    the local engine's), from choices[0].logprobs.content (llama_types.py
    ChatCompletionLogprobs); None when the server gives none."""
    tokens = (choice.get("logprobs") or {}).get("content") if isinstance(choice.get("logprobs"), dict) else None
    values = [t.get("logprob") for t in tokens or [] if isinstance(t, dict)]
    if not values or not all(isinstance(v, (int, float)) for v in values):
        return None
    return math.exp(sum(values) / len(values))


def refusal(source: str, output: str) -> str:
    """What is wrong with `output` as a translation of `source` ('' if nothing):
    a refusal or comment, or the source copied back."""
    if REFUSAL.match(output) and not REFUSAL.match(source):
        return "a refusal or a comment instead of a translation"
    if _normal(output) == _normal(source) and len(source.split()) >= LEAST_COPIED_WORDS:
        return "the source copied back"
    return ""


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


class OpenAIPool(ServerPool):
    """The OpenAI-compatible servers of MIRSAD_MT["servers"], sharing the work."""

    kind = "OpenAI-compatible"

    def __init__(self, llm: LLMSettings):
        self.llm = llm
        self.contexts: dict[tuple[str, str], Callable[[str], PromptContext]] = {}
        self.unfinished: list[tuple[str, str]] = []  # a pair per answer cut at max_tokens
        self.glossary_misses: list[tuple[str, str]] = []  # a pair per answer without a required rendering
        super().__init__(llm.pool_settings())
        live = [server for server in self.servers if not server.set_aside]
        self.software = live[0].software if live else ""

    def _server(self, url: str) -> Server:
        return OpenAIServer(url, self)


class OpenAIEngine:
    """One pair on the pool (the Engine protocol of engine.py). `context`
    gives what the newsroom knows of a segment (routing.py makes it)."""

    retries = 0  # the servers cap the answers (max_tokens): no second try with a larger cap

    def __init__(self, pool: OpenAIPool, source: str, target: str, context: Callable[[str], PromptContext]):
        self.pool, self.source, self.target, self.context = pool, source, target, context
        pool.contexts[(source, target)] = context
        llm = pool.llm
        self.identity = (f"openai:{pool.version}:prompt{PROMPT_REVISION}:seed{llm.seed}:t0:max{llm.max_tokens}:"
                         f"{source}-{target}")
        self.label = f"{llm.model} via {pool.software}"

    @property
    def unfinished(self) -> int:
        """Answers of this pair cut at max_tokens."""
        return self.pool.unfinished.count((self.source, self.target))

    def context_key(self, text: str) -> str:
        """Part of the segment's memory key: its glossary terms and examples."""
        return self.context(text).key()

    def translate(self, texts: list[str]) -> list[Translation]:
        """With a confidence where the server gives log-probabilities."""
        return self.pool.translate(texts, self.source, self.target) if texts else []

    def close(self) -> None:
        """Nothing held between calls (each call's connections are closed)."""
