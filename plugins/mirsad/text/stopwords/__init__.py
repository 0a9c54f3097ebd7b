"""Stopword lists (data files beside this module, see README.md), folded
with mirsad.text.arabic.normalise so they match folded tokens."""

from __future__ import annotations

import functools
import os

from mirsad.text.arabic import normalise

FOLDER = os.path.dirname(os.path.abspath(__file__))


@functools.cache
def stopwords(lang: str) -> frozenset[str]:
    """The folded stopwords of `lang`; empty for a language without a list."""
    path = os.path.join(FOLDER, f"{lang}.txt")
    if not os.path.exists(path):
        return frozenset()
    with open(path, encoding="utf-8") as handle:
        lines = (line.split("#", 1)[0].strip() for line in handle)
        return frozenset(normalise(line) for line in lines if line)
