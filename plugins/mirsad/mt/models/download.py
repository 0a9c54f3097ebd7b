"""Downloading Argos packages from a package index (`invoke models`).

The index is argospm's index.json (or an organisation's mirror of it): a
JSON list of entries such as

    {"package_version": "1.0", "argos_version": "1.0", "from_code": "ar",
     "from_name": "Arabic", "to_code": "en", "to_name": "English",
     "links": ["https://argos-net.com/v1/translate-ar_en-1_0.argosmodel",
               "ipfs://QmV5bmf8iqKpoGoyuTzEppaSWdceuW6zgiePaUr5ThPCpW"],
     "code": "translate-ar_en"}

(argospm-index, index.json). There is no checksum to verify a file
against, so a download counts as good when its length matches what the
server announced and check_archive() accepts the zip. A file is streamed to
a temporary folder inside the models folder and installed from there: an
interrupted download leaves neither a package nor a temporary file behind.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from .packages import (LANGUAGE_CODE, ExtractionLimits, Package, PackageError, Trial, check_archive,
                       install_archive, valid_version)

from packaging.version import InvalidVersion, Version

logger = logging.getLogger(__name__)
T = TypeVar("T")

# What argostranslate 1.11.0 sends (networking.py, USER_AGENT): the index's
# hosts already serve that client, where urllib's default (Python-urllib/3.x)
# is refused by some hosts and firewalls.
USER_AGENT = "ArgosTranslate"
# argostranslate downloads only these (networking.py, supported_protocols);
# the index also lists ipfs:// links, which need an IPFS gateway.
SUPPORTED_SCHEMES = {"http", "https"}
CHUNK_SIZE = 1 << 16  # packages are ~100 MB: streamed, never held in memory
RETRY_PAUSE = 0.5  # seconds before the first retry, doubled before each next one
# HTTP answers worth asking again; any other (404, 403...) will not change.
TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
# What a failed transfer raises: socket and HTTP errors (URLError and
# TimeoutError are OSErrors), and our own check of the announced length.
TRANSFER_ERRORS = (OSError, http.client.HTTPException)
DO_NEXT = ("Check the network and run `invoke models` again, or download the .argosmodel file "
           "yourself and install it with `invoke models --from DIR`")


@dataclass(frozen=True)
class DownloadOptions:
    timeout: float  # seconds without an answer or a byte from the server
    retries: int  # attempts after the first one, per link


class IndexUnreachable(PackageError):
    """The package index could not be read (network, server): `reason` says why in a few words."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


# Called as a download advances: bytes received so far, and the size the
# server announced (None when it did not say).
OnBytes = Callable[[int, int | None], None]


class IncompleteDownload(OSError):
    """The connection closed before the announced Content-Length arrived."""


class WriteError(Exception):
    """Writing the download failed (disk full): not the network's fault, so
    not retried (it is not one of the TRANSFER_ERRORS)."""


def fetch_index(url: str, options: DownloadOptions) -> list[dict[str, Any]]:
    """The package index at `url`, a JSON list of package entries."""
    fix = ("Check the network, or point MIRSAD_MT['index_url'] (or $MIRSAD_MODELS_INDEX) at a reachable "
           "copy of the index, or install from files with `invoke models --from DIR`")
    if urllib.parse.urlsplit(url).scheme.lower() not in SUPPORTED_SCHEMES | {"file"}:
        raise PackageError(f"the package index {url!r} is not an http(s):// or file:// URL. {fix}")
    try:
        body = _retrying(url, options, lambda: _read(url, options.timeout))
    except TRANSFER_ERRORS as error:
        reason = describe(error, options)
        raise IndexUnreachable(f"cannot read the package index {url}: {reason}. {fix}", reason) from None
    try:
        index = json.loads(body)
    except ValueError as error:  # not UTF-8, not JSON, or a number of over 4300 digits
        raise PackageError(f"{url} is not a package index (not JSON: {str(error)[:200]}). {fix}") from None
    if not isinstance(index, list):
        raise PackageError(f"{url} is not a package index (not a JSON list of packages). {fix}")
    return [entry for entry in index if isinstance(entry, dict)]


def offered_packages(index: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest translation package of each language pair in the index;
    an entry whose codes or version are not short plain strings is left
    out (they are printed, and compared as versions), with a warning."""
    offered: dict[tuple[str, str], dict[str, Any]] = {}
    for number, entry in enumerate(index, 1):
        pair = (entry.get("from_code"), entry.get("to_code"))
        # argostranslate's default type (package.py, load_metadata_from_json)
        if not all(isinstance(code, str) for code in pair) or entry.get("type", "translate") != "translate":
            continue
        if not all(LANGUAGE_CODE.fullmatch(code) for code in pair) or \
                not valid_version(entry.get("package_version", "0")):
            logger.warning("mirsad_mt: the package index's entry %d is left out: its from_code, to_code or "
                           "package_version is not a language code or a version", number)
            continue
        if pair not in offered or version_key(entry.get("package_version")) > version_key(
                offered[pair].get("package_version")):
            offered[pair] = entry
    return offered


def version_key(version: Any) -> Any:
    """A sortable package version. argostranslate compares them with
    packaging.version (package.py, Package.get_available_package), which
    knows that 1.10 is newer than 1.9."""
    text = str(version or "0")
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, [int(part) for part in text.split(".") if part.isdigit()])


def download_package(entry: dict[str, Any], models_dir: Path, options: DownloadOptions,
                     on_bytes: OnBytes | None = None, trial: Trial | None = None,
                     limits: ExtractionLimits = ExtractionLimits()) -> Package:
    """Download an index entry's package, trying its links in turn, and
    install it (once it passed `trial`). Raises PackageError naming every
    link tried when none works."""
    pair = (entry["from_code"], entry["to_code"])
    links = downloadable_links(entry)
    if not links:
        raise PackageError(f"the index lists no http(s) link for the {pair[0]}→{pair[1]} package "
                           f"(links: {entry.get('links') or 'none'}). Download the .argosmodel file yourself "
                           "and install it with `invoke models --from DIR`")
    models_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    for number, url in enumerate(links, 1):
        # A dot folder: installed_packages() does not look inside it.
        with tempfile.TemporaryDirectory(dir=models_dir, prefix=".downloading-") as staging:
            archive = Path(staging) / _file_name(entry)
            try:
                _download(url, archive, options, on_bytes)
                # Checked here so that a bad file falls through to the next link.
                check_archive(archive, pair, limits)
            except TRANSFER_ERRORS as error:
                failures.append(f"{url}: {describe(error, options)}")
            except PackageError as error:
                failures.append(f"{url}: {str(error).removeprefix(f'{archive}: ')}")
            except WriteError as error:
                raise PackageError(f"cannot save the download of {url} into {models_dir}: {error}. Free some "
                                   "space, or set MIRSAD_MT['models_dir'] ($MIRSAD_MODELS_DIR) to a folder "
                                   "with room") from None
            else:
                return install_archive(archive, models_dir, pair, trial, limits)
        if number < len(links):
            logger.warning("mirsad_mt: %s; trying the next link", failures[-1])
    raise PackageError(f"could not download the {pair[0]}→{pair[1]} package ({'; '.join(failures)}); "
                       f"nothing was installed for it. {DO_NEXT}")


def downloadable_links(entry: dict[str, Any]) -> list[str]:
    """The entry's http(s) links, in the index's order (argostranslate
    shuffles them; keeping the order lets a mirror put its own copy first)."""
    links = []
    for link in entry.get("links") or []:
        if isinstance(link, str) and urllib.parse.urlsplit(link).scheme.lower() in SUPPORTED_SCHEMES:
            links.append(link)
        else:
            logger.debug("mirsad_mt: skipping %r: only http(s) links are downloaded", link)
    return links


def describe(error: BaseException, options: DownloadOptions) -> str:
    """A failed transfer, in words."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return f"no answer from the server within {options.timeout:g} s (MIRSAD_MT['download_timeout'])"
    return str(reason) or type(reason).__name__


def _read(url: str, timeout: float) -> bytes:
    body = io.BytesIO()
    _stream(url, body, timeout)
    return body.getvalue()


def _download(url: str, archive: Path, options: DownloadOptions, on_bytes: OnBytes | None) -> None:
    def attempt() -> None:
        with archive.open("wb") as out:  # a retry starts the file again
            _stream(url, out, options.timeout, on_bytes)

    logger.info("mirsad_mt: downloading %s", url)
    _retrying(url, options, attempt)


def _retrying(url: str, options: DownloadOptions, attempt: Callable[[], T]) -> T:
    """Run `attempt`, again after a transient failure, up to options.retries
    more times (argostranslate, networking.get: retry_count=3)."""
    for retry in range(options.retries):
        try:
            return attempt()
        except TRANSFER_ERRORS as error:
            if not _transient(error):
                raise
            pause = RETRY_PAUSE * 2 ** retry
            logger.warning("mirsad_mt: %s: %s; trying again in %g s (retry %d of %d)",
                           url, describe(error, options), pause, retry + 1, options.retries)
            time.sleep(pause)
    return attempt()


def _transient(error: BaseException) -> bool:
    return not isinstance(error, urllib.error.HTTPError) or error.code in TRANSIENT_STATUSES


def _stream(url: str, out: IO[bytes], timeout: float, on_bytes: OnBytes | None = None) -> None:
    """Copy the body at `url` into `out`, in chunks, and check that all of it
    arrived: http.client returns a short body without an error when the
    connection drops before Content-Length bytes."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        announced = response.headers.get("Content-Length")
        size = int(announced) if announced is not None and announced.isdigit() else None
        received = 0
        while chunk := response.read(CHUNK_SIZE):
            try:
                out.write(chunk)
            except OSError as error:
                raise WriteError(error.strerror or str(error)) from error
            received += len(chunk)
            if on_bytes is not None:
                on_bytes(received, size)
    if size is not None and received != size:
        raise IncompleteDownload(f"the connection closed after {received} of {announced} bytes")


def _file_name(entry: dict[str, Any]) -> str:
    """argospm's name for the file (package.py, argospm_package_name):
    install_archive() records it, and check_archive() checks the pair it names."""
    return f"{entry.get('type', 'translate')}-{entry['from_code']}_{entry['to_code']}.argosmodel"

