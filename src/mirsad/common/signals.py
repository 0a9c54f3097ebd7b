"""Receivers that stay quiet in builds that did not enable their plugin.

Pelican connects plugin receivers to process-wide signals and never
disconnects them, so in one process (tests, `invoke serve`) a plugin loaded
by an earlier build would otherwise act in every later build."""

from __future__ import annotations

import functools
from collections.abc import Callable

from mirsad.plugins import enabled


def when_enabled(plugin: str) -> Callable:
    def decorate(receiver: Callable) -> Callable:
        @functools.wraps(receiver)
        def guarded(sender, *args, **kwargs):
            # all_generators_finalized sends the list of generators.
            settings = sender.settings if hasattr(sender, "settings") else sender[0].settings
            if plugin in enabled(settings):
                return receiver(sender, *args, **kwargs)
            return None
        return guarded
    return decorate
