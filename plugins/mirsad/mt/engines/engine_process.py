"""The CTranslate2 engine in a process of its own.

CTranslate2's OpenMP runtime keeps its threads after the translator is
gone (measured: one thread per intra-op thread beyond the first, for the
life of the process). In the build's process they would make every later
fork (pages, key points, PDFs) a fork with threads running, which can
deadlock the child and which Python 3.12+ warns about: the build would
have to give up its worker processes. So the engine runs in a spawned
process (a fresh interpreter, safe whatever runs here), sent whole lists of
sentences; the build's process never loads a translator.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

from mirsad.common.lifetime import die_with_parent

from .engine import CTranslate2Engine, EngineOptions, engine_identity
from mirsad.mt.models.families import FamilyModel
from mirsad.mt.models.packages import Package

logger = logging.getLogger(__name__)


class EngineFailed(RuntimeError):
    """The model could not be loaded, or failed to translate: the build
    treats its pair as a missing model."""


class EngineDied(EngineFailed):
    """The translation process ended without answering."""


class EngineProcess:
    """`CTranslate2Engine(package, options)`, run in a spawned process.
    Loading errors are raised here, as the engine would raise them."""

    def __init__(self, package: Package | FamilyModel, options: EngineOptions):
        self.package = package
        self.identity, self.label = engine_identity(package, options), package.label
        self.retries = 0  # as CTranslate2Engine counts them
        self.unfinished = 0
        context = multiprocessing.get_context("spawn")
        self._connection, theirs = context.Pipe()
        self._process = context.Process(target=_serve, args=(package, options, theirs, os.getpid()), daemon=True,
                                        name=f"mirsad-mt {package.from_code}-{package.to_code}")
        self._process.start()
        theirs.close()
        try:
            self._receive()  # loaded, or its loading error
        except BaseException:
            self.close()
            raise

    def translate(self, texts: list[str]) -> list[str]:
        self._send(texts)
        outputs, self.retries, self.unfinished = self._receive()
        return outputs

    def close(self) -> None:
        """Stop the process (it also stops with the build's process)."""
        try:
            self._connection.send(None)
        except OSError:
            pass
        self._connection.close()
        self._process.join(timeout=10)
        if self._process.exitcode is None:
            self._process.kill()
            self._process.join()

    def _send(self, message: Any) -> None:
        try:
            self._connection.send(message)
        except OSError:
            self._died()

    def _receive(self) -> Any:
        try:
            failed, value, records = self._connection.recv()
        except (EOFError, OSError):
            self._died()
        for name, level, message in records:  # the engine's warnings, logged here
            logging.getLogger(name).log(level, "%s", message)
        if failed:
            raise value
        return value

    def _died(self) -> None:
        self._process.join(timeout=10)
        raise EngineDied(f"mirsad_mt: the process translating with {self.label} ({self.package.path}) "
                         f"ended (exit code {self._process.exitcode}); run the build again, and if it "
                         "ends again, reinstall the package with `invoke models`") from None


def _serve(package: Package | FamilyModel, options: EngineOptions, connection: Connection, parent: int) -> None:
    """The translation process: load the engine, then translate until told
    to stop, or until the build's process ends (even in mid-translation)."""
    die_with_parent(parent)
    records = _Records()
    ours = logging.getLogger("mirsad")
    ours.addHandler(records)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    try:
        engine = CTranslate2Engine(package, options)
    except Exception as error:  # e.g. an IndexError from a model.bin of zeros
        failure = EngineFailed(f"{type(error).__name__}: {error}")
        connection.send((True, failure, records.take()))
        return
    connection.send((False, None, records.take()))
    while (texts := _receive(connection)) is not None:
        try:
            reply = (False, (engine.translate(texts), engine.retries, engine.unfinished), records.take())
        except Exception as error:
            reply = (True, EngineFailed(f"{type(error).__name__}: {error}"), records.take())
        connection.send(reply)


def _receive(connection: Connection) -> Any:
    try:
        return connection.recv()
    except EOFError:
        return None  # the build's process is gone


class _Records(logging.Handler):
    """Log records of the translation process, sent back with each reply."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))

    def take(self) -> list[tuple[str, int, str]]:
        taken, self.records = self.records, []
        return taken
