"""The newsroom's reviewed translations as examples for LLM prompts
(engines/llm_prompt.py): each briefing with a reviewed translation gives
its title, its summary and, where both bodies have as many top-level
blocks, each block with its reviewed one (pairing blocks of different
counts would show the model translations of other sentences)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import html as lxml_html

from .engines.llm_prompt import ExampleIndex

BLOCKS = ("p", "li", "h2", "h3", "h4", "td", "th", "blockquote")


def reviewed_examples(articles: Iterable, source: str, targets: list[str]) -> dict[str, ExampleIndex]:
    """Per target language: the reviewed pairs of every original in `source`."""
    indexes = {target: ExampleIndex() for target in targets}
    for original in articles:
        if original.lang != source:
            continue
        for reviewed in original.translations:
            if reviewed.lang in indexes and not getattr(reviewed, "machine_translation", None):
                indexes[reviewed.lang].pairs += _pairs(original, reviewed)
    return indexes


def _pairs(original, reviewed) -> list[tuple[str, str]]:
    pairs = [(_text(original.title), _text(reviewed.title))]
    summaries = getattr(original, "summary", ""), getattr(reviewed, "summary", "")
    if all(summaries):
        pairs.append(tuple(map(_text, summaries)))
    ours, theirs = _blocks(original.content), _blocks(reviewed.content)
    if len(ours) == len(theirs):
        pairs += zip(ours, theirs)
    return [(a, b) for a, b in pairs if a and b]


def _blocks(content: str) -> list[str]:
    if not content or not content.strip():
        return []
    root = lxml_html.fragment_fromstring(content, create_parent="div")
    return [_text(lxml_html.tostring(e, encoding="unicode")) for e in root.iter(*BLOCKS)
            if not any(a.tag in BLOCKS for a in e.iterancestors())]


def _text(fragment: str) -> str:
    if not fragment:
        return ""
    text = lxml_html.fragment_fromstring(fragment, create_parent="div").text_content()
    return re.sub(r"\s+", " ", text).strip()
