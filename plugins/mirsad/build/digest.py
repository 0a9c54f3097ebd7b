"""Digests of what a page is rendered from: the objects of a template's
context, walked deeply, so that two builds give the same digest exactly when
the values a template can reach are the same.

A page (pelican.contents.Content) is digested with what it shows: its
content with intra-site links resolved, its metadata and every attribute a
plugin gave it. Pages it refers to (its translations, the versions of its
briefing) count with their own values, one level deep: a template reaches
another page's title, URL or text, not the pages that one refers to in
turn. The build's settings and the global context, which every page object
also holds, are digested once for the whole build (`reuse.PageKeys`), not
through each page.

What cannot be digested (an object whose state is not visible, such as a
lock or a compiled template) raises `Opaque`: the page it belongs to is
rendered, never reused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

# Attributes that hold the build as a whole (digested once, by PageKeys) or
# Pelican's bookkeeping, not what a page shows.
SKIPPED = frozenset({"_context", "settings", "_settings", "_content"})
LINKS = logging.getLogger("pelican.contents")
ATOMS = (str, int, float, bool, bytes, type(None), Decimal)


class Opaque(Exception):
    """An object whose visible state cannot be read: a page that reaches it
    is rendered again."""


class Digester:
    """Digests of one build's objects. Each object is digested once per
    level (the context does not change while pages are written); objects
    are kept alive here so that an id is never reused for another one.

    Levels: a page met at level 1 counts with all its values, which are
    walked at level 0; at level 0, with its own values, walked at level -1;
    below, only as which page it is. Other objects keep their level."""

    def __init__(self) -> None:
        self._done: dict[tuple[int, int], tuple[Any, bytes]] = {}
        # Objects with no page inside: the same digest at every level.
        self._pageless: dict[int, tuple[Any, bytes]] = {}
        self._pages_met = 0
        self._walking: set[tuple[int, int]] = set()

    def of(self, value: Any) -> str:
        return self._digest(value, 1).hex()

    def _digest(self, value: Any, level: int) -> bytes:
        if isinstance(value, str):  # most values: short ones stand for themselves
            data = value.encode("utf-8", "surrogatepass")
            return b"s" + data if len(data) <= 64 else b"S" + hashlib.blake2b(data, digest_size=16).digest()
        if isinstance(value, ATOMS):
            return type(value).__name__.encode() + repr(value).encode()
        if isinstance(value, Content):
            self._pages_met += 1
            if level < 0:
                return _hash("page", value.__class__.__name__, str(value.source_path),
                             str(getattr(value, "lang", "")), str(getattr(value, "slug", "")))
        found = self._pageless.get(id(value))
        if found is not None:
            return found[1]
        key = (id(value), max(level, -1))
        found = self._done.get(key)
        if found is not None:
            self._pages_met += 1  # what holds it holds a page too
            return found[1]
        if key in self._walking:
            raise Opaque(f"a cycle through {type(value).__qualname__}")
        self._walking.add(key)
        met = self._pages_met
        try:
            digest = self._page(value, level) if isinstance(value, Content) else self._compound(value, level)
        finally:
            self._walking.discard(key)
        if self._pages_met == met:
            self._pageless[id(value)] = (value, digest)
        else:
            self._done[key] = (value, digest)
        return digest

    def _page(self, page: Content, level: int) -> bytes:
        state = vars(page)
        return _hash(page.__class__.__name__, self._text(page),
                     *(part for name in sorted(state) if name not in SKIPPED
                       for part in (name.encode(), self._digest(state[name], level - 1))))

    def _text(self, page: Content) -> bytes:
        """The page's text as its template gets it: intra-site links
        ({filename}...) resolved, so a linked page's new address counts."""
        text = getattr(page, "_content", None)
        if not isinstance(text, str):
            return b""
        if getattr(page, "_context", None) is not None and "{" in text and "}" in text:
            quiet, LINKS.disabled = LINKS.disabled, True  # a broken link was reported once, when read
            try:
                text = page._update_content(text, "")
            finally:
                LINKS.disabled = quiet
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()

    def _compound(self, value: Any, level: int) -> bytes:
        def walk(item: Any) -> bytes:
            return self._digest(item, level)

        if isinstance(value, (list, tuple)):  # one kind: a template iterates both alike (a cache gives lists back)
            return _hash("sequence", *map(walk, value))
        if isinstance(value, (set, frozenset)):
            return _hash("set", *sorted(map(walk, value)))
        if isinstance(value, Mapping):
            pairs = sorted((walk(key), walk(item)) for key, item in value.items())
            return _hash(type(value).__name__, *(part for pair in pairs for part in pair))
        if isinstance(value, (dt.datetime, dt.date, dt.time)):
            return _hash(type(value).__name__, value.isoformat(), str(getattr(value, "tzinfo", "")))
        if isinstance(value, dt.tzinfo):
            return _hash("tz", str(getattr(value, "key", "")) or repr(value))
        if isinstance(value, Enum):
            return _hash(type(value).__qualname__, repr(value.value))
        if isinstance(value, re.Pattern):
            return _hash("pattern", value.pattern, str(value.flags))
        if isinstance(value, URLWrapper):  # a category, tag or author: its name and addresses
            return _hash(type(value).__name__, value.name, value.slug, value.url, value.save_as)
        if hasattr(value, "__self__") and hasattr(value, "__func__"):  # a bound method: what it is bound to
            return _hash("method", value.__func__.__qualname__, walk(value.__self__))
        if callable(value) and hasattr(value, "__qualname__"):
            # Functions and classes: their code is part of the build's fixed inputs.
            return _hash("callable", getattr(value, "__module__", "") or "", value.__qualname__)
        state = _state(value)
        if state is None:
            raise Opaque(type(value).__qualname__)
        return _hash(type(value).__module__, type(value).__qualname__,
                     *(part for name in sorted(state) if name not in SKIPPED
                       for part in (name.encode(), walk(state[name]))))


def _state(value: Any) -> dict[str, Any] | None:
    """An object's attributes, from its __dict__ and __slots__; None for
    objects that keep their state out of sight (C types)."""
    state: dict[str, Any] = {}
    if hasattr(value, "__dict__"):
        state.update(vars(value))
    for klass in type(value).__mro__:
        for name in getattr(klass, "__slots__", ()):
            if hasattr(value, name) and name not in ("__dict__", "__weakref__"):
                state[name] = getattr(value, name)
    if not state and not hasattr(value, "__dict__") and not any(
            getattr(klass, "__slots__", None) for klass in type(value).__mro__):
        return None
    return state


def _hash(*parts: str | bytes) -> bytes:
    """One digest of the parts, each prefixed with its length (no two lists of parts give the same bytes)."""
    joined = b"".join(len(data).to_bytes(4, "little") + data
                      for data in (part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
                                   for part in parts))
    return hashlib.blake2b(joined, digest_size=16).digest()
