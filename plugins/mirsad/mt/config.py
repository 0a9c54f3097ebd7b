"""mirsad.mt settings (the MIRSAD_MT dict in pelicanconf.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from mirsad.common.settings import SettingsError, jobs, once_per_build, plugin_settings, site_languages

from .engines.engine import COMPUTE_TYPES, DEVICES, EngineOptions
from .engines.libretranslate import ServerSettings, server_settings
from .engines.openai import LLMSettings, llm_settings
from .engines.trial import try_model
from .models.download import DownloadOptions
from .models.packages import ExtractionLimits
from .models.install import SiteModels
from .policy import Policy, parse as parse_policy

DEFAULTS: dict[str, Any] = {
    # Folder of installed Argos packages; the MIRSAD_MODELS_DIR environment
    # variable overrides it.
    "models_dir": "~/.local/share/mirsad/models",
    # Package index `invoke models` downloads from: argospm's, the one
    # argostranslate reads. The MIRSAD_MODELS_INDEX environment variable
    # overrides it, for organisations that mirror the index.
    "index_url": "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json",
    # `make build` first installs the models the site lacks from index_url
    # (`invoke models --if-missing`: once, skipped when all are installed).
    # False, or the MIRSAD_FETCH_MODELS=0 environment variable, turns it off.
    "fetch_models": True,
    # Seconds a download may wait for the server to answer or to send the
    # next piece of the file (a hung server fails instead of waiting forever).
    "download_timeout": 60,
    # Attempts after a failed one, per link, with a short growing pause
    # between them (argostranslate retries 3 times too).
    "download_retries": 3,
    # What a package may expand to when `invoke models` installs it: in all
    # (bytes; a real NLLB-3.3B package, about 6.6 GB, passes), and per file
    # of 1 MiB or more, its size over its compressed size (a zip bomb's is
    # in the thousands, a model's near 1).
    "package_max_bytes": 16 * 1024**3,
    "package_max_ratio": 100,
    # Target languages (default: every site language but the source).
    "targets": None,
    # Language used as a bridge when no direct package is installed.
    "pivot": "en",
    # Translation memory (SQLite), relative to the project folder.
    "memory": "cache/translation-memory.sqlite",
    # Glossary, relative to the content folder.
    "glossary": "glossary.yml",
    # Missing model: False = the build completes and the pages say the
    # translation is not available yet; True = the build fails.
    "strict": False,
    # Decoding: argostranslate 1.11.0's own (beam 4, length penalty 0.2), so
    # that a page labelled "Argos ar→en 1.0" shows what LibreTranslate gives.
    "beam_size": 4,
    "length_penalty": 0.2,
    # Batching (measured defaults: see bench/RESULTS.md).
    "max_batch_size": 32,
    # Source tokens per batch (padding included): bounds the memory of a
    # batch of long sentences.
    "max_batch_tokens": 2048,
    # Where the local engine runs: "auto" (a CUDA GPU when CTranslate2 sees
    # one, else the CPU), "cpu" or "cuda" (docs/translation.md#gpus).
    "device": "auto",
    # CTranslate2 compute type: int8 on a CPU; on a GPU "int8_float16" or
    # "float16" (see CTranslate2's quantization docs).
    "compute_type": "int8",
    "inter_threads": 1,
    # Threads per translation; None: MIRSAD_JOBS (every core by default).
    "intra_threads": None,
    # First output cap, relative to the longest sentence of a batch; outputs
    # that reach it are decoded again with a larger one (never cut short).
    "max_length_ratio": 2.0,
    "min_max_length": 32,  # ... in tokens, at least
    # A machine-translated sentence whose confidence (the geometric mean of
    # its token probabilities, 0-1) is below this is listed in the build
    # report ...
    "low_confidence": 0.5,
    # ... at most this many, the least confident first.
    "least_confident_listed": 10,
    # Unreviewed machine translation, per target language: "label" (published,
    # marked as machine translation), "hold" (only reviewed translations are
    # published), {"below_confidence": 0.2} (held when more than that share of
    # a briefing's sentences is below `low_confidence`), or a dict of those per
    # language, e.g. {"en": "label", "fr": "hold"} (docs/translation.md).
    "publish": "label",
    # Also translate briefings that have a reviewed translation, for review
    # drafts and mt-report (`invoke review`, `invoke mt-report` set it); the
    # reviewed text is still what is published.
    "translate_reviewed": False,
    # LibreTranslate servers (docs/translation.md#libretranslate-servers),
    # or OpenAI-compatible LLM servers as {"url": ..., "api": "openai",
    # "model": ...} (docs/translation.md#llm-servers): empty = translate on
    # this machine with the installed packages.
    "servers": [],
    "server_api_key": "",  # $MIRSAD_MT_API_KEY overrides (keeps it out of pelicanconf.py)
    "server_concurrency": 1,  # requests in flight per server
    "server_timeout": 60,  # seconds a request may wait for its answer
    "server_retries": 2,  # failures in a row before a server is set aside
    "server_batch_size": 32,  # sentences per request
    # The most one answer may hold, in bytes, and the most characters a
    # sentence's answer may have: this times its source's, plus 200. Past
    # either, the answer counts as a failure of the server.
    "server_answer_bytes": 8_000_000,
    "server_output_ratio": 4.0,
    # LibreTranslate does not report its models' versions: say them here
    # (part of the label and the memory's key).
    "server_model_version": "",
    # LLM servers ("api": "openai" entries): requests in flight per server,
    # seconds a request may take, the decoding seed, the longest answer in
    # tokens (one cut there is a failed request), reviewed examples per request.
    "llm_concurrency": 4,
    "llm_timeout": 120,
    "llm_seed": 0,
    "llm_max_tokens": 512,
    "llm_examples": 2,
}


@dataclass(frozen=True)
class MTConfig:
    source: str
    targets: list[str]
    pivot: str
    models_dir: Path
    memory: Path
    glossary: Path
    strict: bool
    engine: EngineOptions
    index_url: str
    fetch_models: bool
    download_timeout: float
    download_retries: int
    low_confidence: float
    least_confident_listed: int
    translate_reviewed: bool
    publish: dict[str, Policy]  # target language -> what becomes of its unreviewed machine translation
    servers: ServerSettings
    llm: LLMSettings | None  # the OpenAI-compatible servers, if any
    device: str  # "auto", "cpu" or "cuda", resolved when an engine loads (engine.resolve_device)
    package_limits: ExtractionLimits


def load(settings: dict[str, Any]) -> MTConfig:
    """The plugin's configuration, computed once per build."""
    return once_per_build(settings, "MIRSAD_MT", lambda: _load(settings))


def site_models(settings: dict[str, Any]) -> SiteModels:
    """The site's language pairs and model sources, for `invoke models`."""
    config = load(settings)
    return SiteModels(source=config.source, targets=config.targets, pivot=config.pivot,
                      models_dir=config.models_dir, index_url=config.index_url,
                      download=DownloadOptions(timeout=config.download_timeout, retries=config.download_retries),
                      fetch_at_setup=config.fetch_models, local=not config.servers.servers,
                      limits=config.package_limits,
                      trial=partial(try_model, options=config.engine, device=config.device))


def _load(settings: dict[str, Any]) -> MTConfig:
    options = plugin_settings(settings, "MIRSAD_MT", DEFAULTS)
    source = settings["DEFAULT_LANG"]
    languages = site_languages(settings)
    targets = options["targets"] or [lang for lang in languages if lang != source]
    strangers = [lang for lang in targets if lang not in languages or lang == source]
    if strangers:
        raise SettingsError(f"MIRSAD_MT['targets'] has {strangers}, which are not the site's other languages "
                            f"(MIRSAD_I18N['languages']: {languages}, source {source!r}): correct it in pelicanconf.py")
    publish = parse_policy(options["publish"], targets)
    project = Path(settings.get("MIRSAD_PROJECT_ROOT") or os.getcwd())
    libretranslate, llm = _server_kinds(options["servers"])
    models_dir = os.environ.get("MIRSAD_MODELS_DIR") or options["models_dir"]
    return MTConfig(
        source=source,
        # The pivot language first, so its translations exist when others reuse them.
        targets=sorted(targets, key=lambda lang: lang != options["pivot"]),
        pivot=options["pivot"],
        models_dir=Path(os.path.expanduser(models_dir)),
        memory=project / options["memory"],
        glossary=Path(settings["PATH"]) / options["glossary"],
        strict=bool(options["strict"]),
        engine=EngineOptions(
            beam_size=options["beam_size"], length_penalty=options["length_penalty"],
            max_batch_size=options["max_batch_size"],
            max_batch_tokens=options["max_batch_tokens"],
            compute_type=_checked_choice("compute_type", options["compute_type"], COMPUTE_TYPES),
            inter_threads=options["inter_threads"],
            intra_threads=options["intra_threads"] or jobs(settings), max_length_ratio=options["max_length_ratio"],
            min_max_length=options["min_max_length"],
        ),
        index_url=os.environ.get("MIRSAD_MODELS_INDEX") or options["index_url"],
        fetch_models=_fetch_models(options["fetch_models"]),
        download_timeout=_checked_timeout(options["download_timeout"]),
        download_retries=_checked_retries(options["download_retries"]),
        low_confidence=_checked_confidence(options["low_confidence"]),
        least_confident_listed=_checked_count("least_confident_listed", options["least_confident_listed"]),
        translate_reviewed=bool(options["translate_reviewed"]),
        publish=publish,
        servers=server_settings({**options, "servers": libretranslate, "server_api_key":
                                 os.environ.get("MIRSAD_MT_API_KEY") or options["server_api_key"]}),
        llm=llm_settings(llm, options),
        device=_checked_choice("device", options["device"], DEVICES),
        package_limits=ExtractionLimits(max_bytes=_checked_positive("package_max_bytes", options["package_max_bytes"]),
                                        max_ratio=_checked_positive("package_max_ratio", options["package_max_ratio"])),
    )


def _fetch_models(setting: Any) -> bool:
    """MIRSAD_MT['fetch_models'], unless $MIRSAD_FETCH_MODELS says otherwise."""
    value = os.environ.get("MIRSAD_FETCH_MODELS", "").strip().lower()
    if not value:
        return bool(setting)
    if value not in {"0", "1"}:
        raise SettingsError(f"MIRSAD_FETCH_MODELS={value!r}: write 0 (do not fetch models at set-up) or 1")
    return value == "1"


def _server_kinds(servers: Any) -> tuple[Any, list[dict[str, Any]]]:
    """MIRSAD_MT['servers'] split into LibreTranslate URLs and OpenAI-compatible entries."""
    if not isinstance(servers, (list, tuple)):
        return servers, []  # server_settings says what to write
    libretranslate, llm = [], []
    for entry in servers:
        if isinstance(entry, dict) and entry.get("api", "libretranslate") not in ("libretranslate", "openai"):
            raise SettingsError(f"MIRSAD_MT['servers'] entry {entry!r}: \"api\" is 'libretranslate' or 'openai'")
        if isinstance(entry, dict) and entry.get("api") == "openai":
            llm.append(entry)
        else:
            libretranslate.append(entry.get("url") if isinstance(entry, dict) else entry)
    if libretranslate and llm:
        raise SettingsError("MIRSAD_MT['servers'] mixes LibreTranslate and OpenAI-compatible servers: one build's "
                            "pages come from one engine, keep one kind (pelicanconf.py)")
    return libretranslate, llm


def _checked_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SettingsError(f"MIRSAD_MT[{name!r}] = {value!r}: write one of {', '.join(map(repr, choices))}")
    return value


def _checked_timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SettingsError(f"MIRSAD_MT['download_timeout'] = {value!r}: write a number of seconds above 0")
    return float(value)


def _checked_retries(value: Any) -> int:
    return _checked_count("download_retries", value)


def _checked_positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise SettingsError(f"MIRSAD_MT[{name!r}] = {value!r}: write a number above 0")
    return value


def _checked_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingsError(f"MIRSAD_MT[{name!r}] = {value!r}: write a whole number, 0 or more")
    return value


def _checked_confidence(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise SettingsError(f"MIRSAD_MT['low_confidence'] = {value!r}: write a number from 0 to 1")
    return float(value)
