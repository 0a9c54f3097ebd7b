"""The files mirsad.i18n writes itself (feeds, sitemap, robots.txt), outside
Pelican's writer, so that a plugin writing the same file (pelican-sitemap, a
feed plugin) would silently win or lose: whichever writes last. Each file
is claimed before it is written and checked once the build is over; found
there already, or changed afterwards, it gets a warning that names the
other plugins and the setting that leaves Mirsad's out."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from mirsad.common import report
from mirsad.common.session import session
from mirsad.plugins import PACKAGE

logger = logging.getLogger(__name__)


class OwnFiles:
    def __init__(self, output_path: str, settings: dict[str, Any]):
        self.output_path = output_path
        self.build_started = session(settings).timings.clock_started
        self.others = [name for name in (getattr(p, "__name__", p) for p in settings.get("PLUGINS") or ())
                       if name != PACKAGE and not name.startswith(f"{PACKAGE}.")]
        self.written: dict[str, tuple[str, str]] = {}  # save_as -> (digest, the setting that names it)

    @contextlib.contextmanager
    def writing(self, save_as: str, setting: str) -> Iterator[None]:
        """Around Mirsad's writing of `save_as` (`setting` names its path)."""
        if self._written_in_this_build(save_as):  # not one a previous build left (plain `pelican`)
            self._warn(save_as, setting, "another plugin wrote it earlier in this build; Mirsad's replaces it")
        yield
        self.written[save_as] = (self._digest(save_as), setting)

    def check(self) -> None:
        """Once every plugin has written: a file changed since Mirsad wrote it."""
        for save_as, (digest, setting) in self.written.items():
            if self._digest(save_as) != digest:
                self._warn(save_as, setting, "another plugin replaced Mirsad's after it was written")

    def _warn(self, save_as: str, setting: str, what: str) -> None:
        others = ", ".join(map(repr, self.others)) or "none listed in PLUGINS"
        logger.warning("mirsad_i18n: %s: %s (other plugins: %s). Keep one: remove the other plugin from "
                       "PLUGINS, or leave Mirsad's out with %s = \"\" (pelicanconf.py)", save_as, what, others,
                       setting)

    def _written_in_this_build(self, save_as: str) -> bool:
        try:
            return os.path.getmtime(self._path(save_as)) >= self.build_started
        except FileNotFoundError:
            return False

    def _path(self, save_as: str) -> str:
        return os.path.join(self.output_path, save_as)

    def _digest(self, save_as: str) -> str:
        try:
            with open(self._path(save_as), "rb") as handle:
                return hashlib.sha256(handle.read()).hexdigest()
        except FileNotFoundError:
            return ""


def own_files(settings: dict[str, Any], output_path: str) -> OwnFiles:
    """This build's record, checked at the very end of the build."""
    def make() -> OwnFiles:
        own = OwnFiles(output_path, settings)
        report.check_last(settings, own.check)
        return own

    return session(settings).once("mirsad.i18n own files", make)
